package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestPhoneSkipToReactions: on the audience page the first Tab reaches a
// "Skip to reactions" link, out of sight until then and on screen once
// focused; Enter on it puts the keyboard focus on the reactions' group at
// the foot of the page without sending one, and the next Tab is on the
// first reaction (before, the reactions came after every question, poll
// and comment in the Tab order).
func TestPhoneSkipToReactions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "All hands", false)
	p := openPage(t, "phone", s.URL+"/r/"+r.Code, phone())
	p.waitVisible(tid("react-like"))

	skip := tid("skip-reactions")
	if n := p.count(skip); n != 1 {
		t.Fatalf("the page has %d skip-to-reactions links", n)
	}
	if eval[bool](p, `document.querySelector('`+skip+`').getBoundingClientRect().bottom > 0`) {
		t.Errorf("the skip link shows before it has the focus")
	}
	p.do(chromedp.KeyEvent(kb.Tab))
	if !eval[bool](p, `document.activeElement === document.querySelector('`+skip+`')`) {
		t.Fatalf("the first Tab focuses %s, want the skip-to-reactions link", eval[string](p, `document.activeElement.outerHTML.slice(0, 160)`))
	}
	shown := eval[bool](p, `(() => { const r = document.querySelector('`+skip+`').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight && r.width > 20 && r.height > 10; })()`)
	if !shown {
		t.Errorf("the focused skip link is not on screen")
	}
	if text := eval[string](p, `document.querySelector('`+skip+`').textContent`); text != "Skip to reactions" {
		t.Errorf("the skip link reads %q", text)
	}
	p.do(chromedp.KeyEvent(kb.Enter))
	p.waitFor("the focus on the reactions", `document.activeElement === document.querySelector('`+tid("reaction-group")+`')`)
	if !eval[bool](p, focusVisibleJS) {
		t.Errorf("the focus on the reactions does not show")
	}
	if !eval[bool](p, `(() => { const r = document.querySelector('`+tid("reaction-group")+`').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`) {
		t.Errorf("the focused reactions are not on screen")
	}
	// The Enter that followed the link sent nothing.
	time.Sleep(time.Second)
	if n := eval[string](p, `document.querySelector('`+tid("react-like")+` `+tid("reaction-count")+`').textContent`); n != "" {
		t.Errorf("following the skip link sent a reaction (count %q)", n)
	}
	// The next Tab is on the first reaction; Enter there sends one.
	p.do(chromedp.KeyEvent(kb.Tab))
	p.waitFor("the focus on the first reaction", `document.activeElement && document.activeElement.dataset.testid === "react-like"`)
	p.do(chromedp.KeyEvent(kb.Enter))
	p.waitText(tid("react-like")+" "+tid("reaction-count"), "1")
	time.Sleep(500 * time.Millisecond)
	if n := eval[string](p, `document.querySelector('`+tid("react-like")+` `+tid("reaction-count")+`').textContent`); n != "1" {
		t.Errorf("one Enter on the reaction counts %q", n)
	}
}
