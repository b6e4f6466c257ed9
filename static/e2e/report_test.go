package e2e

import (
	"regexp"
	"strconv"
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

	// The report asks for what it draws, not the whole export (every ballot and comment).
	for _, u := range p.Requests() {
		if strings.Contains(u, "/export") && !strings.Contains(u, "part=report") {
			t.Errorf("the report downloaded the whole export: %s", u)
		}
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

// TestReportRatesNeverPass100 is the report as found: "200 responses from
// 1 people present (20,000%)". Ballots sent through the HTTP API by people
// who never connected are not in the presence peak; the people who could
// answer are never fewer than those who did, and one is one person.
func TestReportRatesNeverPass100(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Rates", false)
	one := command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "One voter", "options": []string{"a", "b"}, "state": "open"})
	two := command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "Two voters", "options": []string{"a", "b"}, "state": "open"})
	ada, bob := participant(t, s, r.Code, "Ada"), participant(t, s, r.Code, "Bob")
	command(t, s, r.Code, ada, map[string]any{"type": "vote", "poll": one["poll"], "choices": []int{0}})
	command(t, s, r.Code, ada, map[string]any{"type": "vote", "poll": two["poll"], "choices": []int{0}})
	command(t, s, r.Code, bob, map[string]any{"type": "vote", "poll": two["poll"], "choices": []int{1}})

	p := openPage(t, "report", s.URL+"/report/"+r.Code+"#key="+r.HostKey)
	p.waitCount(tid("response-rate"), 2)
	// Presence is sampled every second, so who could answer is 1 or 2 here
	// (the voters' tokens were made over a WebSocket): check the rules, not
	// one figure.
	line := regexp.MustCompile(`^(\d+) (responses?) from (\d+) (people|person) who could answer \((\d+)%\)$`)
	for i, text := range p.texts(tid("response-rate")) {
		m := line.FindStringSubmatch(strings.TrimSpace(text))
		if m == nil {
			t.Fatalf("poll %d: %q is not of the form \"N responses from M people who could answer (R%%)\"", i+1, text)
		}
		ballots, present, rate := atoi(m[1]), atoi(m[3]), atoi(m[5])
		if ballots != i+1 || present < ballots || rate > 100 || rate != (100*ballots+present/2)/present {
			t.Errorf("poll %d: %q", i+1, text)
		}
		if (m[2] == "response") != (ballots == 1) || (m[4] == "person") != (present == 1) {
			t.Errorf("poll %d: %q has the wrong singular or plural", i+1, text)
		}
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestReportChartReadableOnPhone: the timeline's labels are readable on a
// 390-px phone (found: 5 px): at least 12 px on screen, the chart scrolling
// sideways instead of shrinking.
func TestReportChartReadableOnPhone(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := seedRoom(t, s, "en")
	p := openPage(t, "report on a phone", s.URL+"/report/"+r.Code+"#key="+r.HostKey, phone())
	p.waitVisible(tid("timeline") + " svg")
	// A label's size on screen: its font size in the chart's units times the chart's scale.
	smallest := eval[float64](p, `(() => {
	  const svg = document.querySelector('[data-testid="timeline"] svg');
	  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
	  return Math.min(...[...svg.querySelectorAll('text.axis')].map((e) => parseFloat(getComputedStyle(e).fontSize) * scale));
	})()`)
	if smallest < 12 {
		t.Fatalf("the timeline's smallest label is %.1f px on a phone", smallest)
	}
	if over := eval[float64](p, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
		t.Fatalf("the page is %.0f px wider than the phone: only the chart may scroll sideways", over)
	}
}
