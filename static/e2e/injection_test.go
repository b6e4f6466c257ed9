package e2e

import (
	"github.com/chromedp/chromedp"
	"strings"
	"testing"
	"time"
)

// injection is text that would create elements and run script if a page
// inserted it as HTML.
const injection = `<img src=x onerror=alert(1)><b>bold</b>`

// injectedJS is true when the page made elements out of the injection.
const injectedJS = `!!document.querySelector('img[src="x"]') || [...document.querySelectorAll("b")].some(b => b.textContent === "bold")`

// TestHTMLInjectionShownAsText: a question, a comment and a display name
// made of HTML arrive on the audience, host and screen pages as the very
// characters typed: no element is created, no script runs, no dialog opens.
func TestHTMLInjectionShownAsText(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Injection", false)

	host := openPage(t, "host", hostURL(s, r))
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))
	aud := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	viewer := openPage(t, "viewer", s.URL+"/r/"+r.Code, phone())

	aud.fill(tid("name-input"), injection)
	// The name is taken on change (blur) and the page reconnects with it.
	aud.do(chromedp.Blur(chromedp.CSS(tid("name-input"))))
	time.Sleep(500 * time.Millisecond)
	aud.waitGone(tid("offline-banner"))
	aud.typeInto(tid("ask-input"), injection)
	aud.click(tid("ask-submit"))
	id := aud.idOf(tid("question"), injection)

	showTab(aud, "tab-comments")
	aud.typeInto(tid("comment-input"), injection)
	aud.click(tid("comment-submit"))
	aud.waitText(tid("comment"), injection)

	// The screen shows the pinned question.
	host.click(tid("question-list") + " " + byID("question", id) + " " + tid("pin"))

	checks := []struct {
		p     *page
		where []string
	}{
		{aud, []string{byID("question", id), tid("comment"), tid("pinned")}},
		{viewer, []string{byID("question", id), tid("comment"), tid("pinned")}},
		{host, []string{byID("question", id), tid("comment")}},
		{screen, []string{tid("pinned")}},
	}
	for _, c := range checks {
		for _, css := range c.where {
			c.p.waitText(css, injection)
		}
	}
	// An <img src=x> fails to load at once; give its onerror the chance to
	// run had it been created.
	time.Sleep(500 * time.Millisecond)
	for _, c := range checks {
		if eval[bool](c.p, injectedJS) {
			t.Errorf("%s turned the text into elements: %s", c.p.name, eval[string](c.p, `document.body.innerHTML.slice(0, 2000)`))
		}
		if d := c.p.Dialogs(); len(d) > 0 {
			t.Errorf("%s opened dialogs: %v", c.p.name, d)
		}
	}
	// The display name is shown as typed too, as the author of both.
	for _, css := range []string{byID("question", id), tid("comment")} {
		if n := strings.Count(eval[string](host, `document.querySelector('`+css+`').textContent`), injection); n < 2 {
			t.Errorf("host: %s shows the injected text %d times, want 2 (text and author)", css, n)
		}
	}
}
