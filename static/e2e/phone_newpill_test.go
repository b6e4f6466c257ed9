package e2e

import (
	"fmt"
	"testing"
)

// TestPhoneNewQuestionsPillCoversNoQuestion: on a phone reading the
// question list, a question from someone else brings up the "1 new
// questions" button, which covers no question — not the first one at the
// top of the page, and not one scrolled into view further down (scroll
// targets clear the header and the button) — while it stays in sight
// there; pressing it shows the new question. Before, it floated over the
// first question.
func TestPhoneNewQuestionsPillCoversNoQuestion(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "All hands", false)
	asker := participant(t, s, r.Code, "Ada")
	for i := range 8 {
		command(t, s, r.Code, asker, map[string]any{"type": "ask", "text": fmt.Sprintf("Question %d: how will the new plan change the way our team works day to day?", i+1)})
	}
	p := openPage(t, "phone", s.URL+"/r/"+r.Code, phone())
	p.waitCount(tid("question-list")+" "+tid("question"), 8)
	headerHeight := `document.querySelector('.topbar').getBoundingClientRect().height`
	if h := eval[float64](p, headerHeight); h > 64 {
		t.Errorf("without new questions the header is %.0f px tall, want the one row of 56", h)
	}

	command(t, s, r.Code, asker, map[string]any{"type": "ask", "text": "A question that arrives while the list is read"})
	pill := tid("new-questions")
	p.waitVisible(pill)

	// covered lists the questions whose box meets the button's.
	covered := fmt.Sprintf(`(() => {
		const b = document.querySelector(%s).getBoundingClientRect();
		return [...document.querySelectorAll('[data-testid="question"]')].filter((q) => {
			const r = q.getBoundingClientRect();
			return r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom;
		}).map((q) => q.textContent.slice(0, 12));
	})()`, js(pill))
	if got := eval[[]string](p, covered); len(got) != 0 {
		t.Errorf("at the top of the page the button covers %v", got)
	}
	first := eval[map[string]float64](p, `(() => { const r = document.querySelector('[data-testid="question"]').getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; })()`)
	if first["top"] >= 844 {
		t.Fatalf("the first question is not on the phone's screen (top %v): the check proves nothing", first["top"])
	}

	// Further down: the button is in sight, within the sticky header's box
	// (which questions scrolled past go under anyway), and a question
	// brought into view (as focus or a link would) is below it.
	eval[bool](p, `(document.querySelectorAll('[data-testid="question"]')[4].scrollIntoView({block: "start"}), true)`)
	p.waitFor("the page scrolled into the list", `window.scrollY > 300`)
	geometry := eval[map[string]float64](p, `(() => {
		const b = document.querySelector('`+pill+`').getBoundingClientRect();
		const h = document.querySelector('.topbar').getBoundingClientRect();
		const q = document.querySelectorAll('[data-testid="question"]')[4].getBoundingClientRect();
		return {pillTop: b.top, pillBottom: b.bottom, pillHeight: b.height, headerTop: h.top, headerBottom: h.bottom, questionTop: q.top};
	})()`)
	if g := geometry; g["pillHeight"] == 0 || g["pillTop"] < g["headerTop"] || g["pillBottom"] > g["headerBottom"] || g["headerTop"] != 0 {
		t.Errorf("scrolled into the list, the button is not in sight in the sticky header: %v", g)
	}
	if g := geometry; g["questionTop"] < g["pillBottom"] {
		t.Errorf("the question scrolled into view starts under the button: %v", g)
	}

	p.click(pill)
	p.waitCount(tid("question-list")+" "+tid("question"), 9)
	p.waitGone(pill)
	if h := eval[float64](p, headerHeight); h > 64 {
		t.Errorf("once the new questions are shown the header stays %.0f px tall", h)
	}
}
