package e2e

import (
	"strings"
	"testing"
)

// titleWholeJS is true when the room title shows whole in the header: no
// line is clamped away and no line runs out of its box.
const titleWholeJS = `(() => {
	const e = document.querySelector('[data-testid="room-title"]');
	return e.clientHeight > 0 && e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1;
})()`

// TestPhoneTitleLettersAndAnswerWording: three small faults of the phone.
// A 49-character room title (and a Chinese one) shows whole in the header,
// which stays about one row tall (it was cut after some 20 characters with
// "…"); a poll's options carry the letters A, B, C the screen shows beside
// them; and a text answer, once in, is changed with "Change answer", its
// status saying a new one replaces it (it said "Change vote"), while a
// single-choice poll keeps "Change vote".
func TestPhoneTitleLettersAndAnswerWording(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, title := range []string{"Quarterly all-hands: product roadmap and open Q&A", "季度全员大会：产品路线图与公开问答环节"} {
		r := createRoom(t, s, title, false)
		p := openPage(t, "phone "+title[:9], s.URL+"/r/"+r.Code, phone())
		p.waitText(tid("room-title"), title)
		p.waitFor("the title "+title+" whole", titleWholeJS)
		if h := eval[float64](p, `document.querySelector('.topbar').getBoundingClientRect().height`); h > 64 {
			t.Errorf("%q: the header is %.0f px tall", title, h)
		}
	}

	r := createRoom(t, s, "Team offsite", false)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	single := host(map[string]any{"type": "poll_create", "kind": "single", "title": "Where next?", "options": []string{"Lisbon", "Kyoto", "Lima"}, "state": "open"})["poll"].(string)
	text := host(map[string]any{"type": "poll_create", "kind": "text", "title": "One word for today", "state": "open"})["poll"].(string)
	p := openPage(t, "phone", s.URL+"/r/"+r.Code+"#polls", phone())
	card := byID("poll", single)
	p.waitCount(card+" "+tid("poll-option"), 3)
	letters := eval[[]string](p, `[...document.querySelectorAll('`+card+` .option')].map((o) => {
		const l = o.querySelector('.option-letter');
		return l && l.getBoundingClientRect().width > 0 ? l.textContent : '';
	})`)
	if strings.Join(letters, ",") != "A,B,C" {
		t.Errorf("the poll's options carry the letters %q, want A, B, C", letters)
	}

	answer := byID("poll", text)
	p.typeInto(answer+" "+tid("poll-text-input"), "Inspiring")
	p.click(answer + " " + tid("vote-submit"))
	p.waitText(answer+" "+tid("vote-status"), "Your answer is in")
	p.waitText(answer+" "+tid("vote-submit"), "Change answer")
	vote(p, single, 1)
	p.waitText(card+" "+tid("vote-submit"), "Change vote")
	if got := eval[string](p, `document.querySelector('`+answer+` [data-testid="vote-submit"]').textContent`); got != "Change answer" {
		t.Errorf("the text poll's button reads %q after a ballot, want Change answer", got)
	}
}
