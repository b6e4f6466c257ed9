package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// maxTabs bounds the Tab presses to reach a control.
const maxTabs = 40

// tabTo presses Tab until the element matching css has the focus, and
// checks that the focus is visible there (an outline or a ring).
func tabTo(p *page, css string) {
	p.t.Helper()
	for range maxTabs {
		if eval[bool](p, `document.activeElement && document.activeElement.matches('`+css+`')`) {
			// Visible focus: the element looks different focused than not
			// (outline, ring, border or background).
			if !eval[bool](p, focusVisibleJS) {
				p.t.Errorf("%s: the keyboard focus on %s does not show", p.name, css)
			}
			return
		}
		p.do(chromedp.KeyEvent(kb.Tab))
	}
	p.fatalf("%d Tab presses did not reach %s (focus on %s)", maxTabs, css, eval[string](p, `document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : "nothing"`))
}

// focusVisibleJS compares the look of the focused element and its three
// nearest ancestors (a field's card may show the focus, :focus-within)
// with their look after a blur, then gives the focus back. Transitions are
// turned off on them meanwhile so that computed styles are the final ones.
const focusVisibleJS = `(() => {
	const e = document.activeElement;
	const chain = [e, e.parentElement, e.parentElement && e.parentElement.parentElement,
		e.parentElement && e.parentElement.parentElement && e.parentElement.parentElement.parentElement].filter(Boolean);
	// Through the CSSOM: the pages' content security policy refuses a <style> element.
	const saved = chain.map(n => [n.style.transition, n.style.animation]);
	chain.forEach(n => { n.style.setProperty("transition", "none", "important"); n.style.setProperty("animation", "none", "important"); });
	const look = () => chain.map(n => { const s = getComputedStyle(n); return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor].join("|"); }).join("/");
	const focused = look();
	e.blur();
	const blurred = look();
	e.focus();
	chain.forEach((n, i) => { n.style.transition = saved[i][0]; n.style.animation = saved[i][1]; });
	return focused !== blurred;
})()`

// TestKeyboardOnly: with the keyboard alone an audience member reaches the
// question field, sends a question with Ctrl+Enter and upvotes another
// question with the space bar, the focus visible at each step.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Keyboard", false)
	other := participant(t, s, r.Code, "Grace")
	ack := command(t, s, r.Code, other, map[string]any{"type": "ask", "text": "Who else uses only the keyboard?", "name": "Grace"})
	q := byID("question", ack["question"].(string))

	p := openPage(t, "keyboard", s.URL+"/r/"+r.Code)
	p.waitText(q, "Who else uses only the keyboard?")
	tabTo(p, tid("ask-input"))
	p.do(chromedp.KeyEvent("Typed without a mouse"), chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	p.waitText(tid("question"), "Typed without a mouse")

	tabTo(p, q+" "+tid("upvote"))
	p.do(chromedp.KeyEvent(" "))
	p.waitFor("the upvote pressed from the keyboard", `document.querySelector('`+q+` [data-testid="upvote"]').getAttribute("aria-pressed") === "true"`)
	// The question was redrawn (and may have moved up the list): the focus
	// stays on its upvote button, not on the page's body.
	p.waitFor("the vote count to reach 1", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent === "1"`)
	if got := eval[string](p, `(() => { const a = document.activeElement; return a === document.body ? "body" : (a.closest('[data-testid="question"]') || {dataset: {}}).dataset.id + " " + a.dataset.testid; })()`); got != ack["question"].(string)+" upvote" {
		t.Fatalf("after the upvote the focus is on %s, want that question's upvote button", got)
	}
	// Its name says which question it upvotes.
	if name := eval[string](p, `document.querySelector('`+q+` [data-testid="upvote"]').getAttribute("aria-label")`); !strings.Contains(name, "Who else uses only the keyboard?") {
		t.Fatalf("the upvote button is named %q, without its question", name)
	}
}
