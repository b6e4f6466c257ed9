package e2e

import (
	"strings"
	"testing"
)

// TestQuizVerdict: the host makes a quiz with one correct option and opens
// it; one audience member answers right, one wrong, and neither page can
// tell the correct option while the quiz is open; the host closes and
// reveals it, and each page gives its own verdict while the screen marks
// the correct option.
func TestQuizVerdict(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Quiz night", false)
	host := openPage(t, "host", hostURL(s, r))
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))

	const title = "Which planet is the largest?"
	host.selectValue(tid("poll-kind"), "quiz")
	host.fill(tid("poll-title"), title)
	host.fill(tid("poll-form")+" li:nth-child(1) "+tid("poll-option"), "Saturn")
	host.fill(tid("poll-form")+" li:nth-child(2) "+tid("poll-option"), "Jupiter")
	host.setChecked(tid("poll-form")+" li:nth-child(2) "+tid("poll-correct"), true)
	host.setChecked(tid("poll-open-now"), true)
	host.click(tid("poll-create"))
	quiz := host.idOf(tid("poll-list")+" "+tid("poll"), title)
	card := tid("poll-list") + " " + byID("poll", quiz)

	vote(ada, quiz, 1)
	vote(bob, quiz, 0)
	host.waitText(card+" "+tid("results-chart")+" .chart-total", "2 responses")
	for _, p := range []*page{ada, bob} {
		if text := eval[string](p, `document.querySelector('`+byID("poll", quiz)+`').textContent`); strings.Contains(text, "Correct") {
			t.Errorf("%s can tell the correct answer while the quiz is open: %q", p.name, text)
		}
	}

	host.click(card + " " + tid("poll-close"))
	host.waitFor("the quiz closed", `document.querySelector('`+card+`').dataset.state === "closed"`)
	host.click(card + " " + tid("poll-reveal"))
	ada.waitFor("ada's verdict: right", `(document.querySelector('`+byID("poll", quiz)+` [data-testid="quiz-verdict"]') || {className: ""}).className.includes("is-right")`)
	bob.waitFor("bob's verdict: wrong", `(document.querySelector('`+byID("poll", quiz)+` [data-testid="quiz-verdict"]') || {className: ""}).className.includes("is-wrong")`)
	screen.waitText(tid("results-chart")+` .chart-row.is-correct`, "Jupiter")
	if n := screen.count(tid("results-chart") + ` .chart-row.is-correct`); n != 1 {
		t.Errorf("the screen marks %d options correct, want 1", n)
	}
}
