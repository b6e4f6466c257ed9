package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pollStates returns each poll's state by title, from the room's export.
func pollStates(t *testing.T, s *server, r room) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, p := range export(t, s, r)["polls"].([]any) {
		m := p.(map[string]any)
		out[m["title"].(string)] = append(out[m["title"].(string)], m["state"].(string))
	}
	return out
}

// runTitles is the console's run of show, as titles in order.
func runTitles(p *page) []string {
	return p.texts(tid("run-of-show") + " " + tid("run-item") + " .run-title")
}

// waitRun waits until the console's run of show lists titles, in order.
func waitRun(p *page, titles ...string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("the run %q", titles), fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('[data-testid="run-of-show"] [data-testid="run-item"] .run-title')].map((e) => e.textContent)) === %s`, js(jsonList(titles))))
}

// waitOpen waits until the console marks the poll titled title as the open step of the run.
func waitOpen(p *page, title string) {
	p.t.Helper()
	p.waitFor("“"+title+"” the open step", `(() => { const c = document.querySelector('[data-testid="run-item"][aria-current="step"]');
	  return Boolean(c) && c.dataset.state === 'open' && c.querySelector('.run-title').textContent === `+js(title)+`; })()`)
}

func jsonList(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%q", s)
	}
	return out + "]"
}

// TestRunOfShow: three drafts prepared through the API (a poll, a timed
// quiz, a rating) are listed in the console's run of show in the order of
// creation. The host moves the quiz up (the order is the room's: a second
// console, and a reload, show it), duplicates the rating (a new draft,
// same kind and title, at the end), and steps: PageDown opens the first
// draft; PageDown again closes it and opens the next; PageUp closes that
// and reopens the one before; PageDown while typing in a field does
// nothing. A phone console's Next button, large and inside the phone's
// width, keeps its focus and steps on; stepping past the last draft only
// closes. The audience's phone sees each poll the run opens. Each step is
// checked on the server (the export), not only on the page.
func TestRunOfShow(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Run of show", false)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	host(map[string]any{"type": "poll_create", "kind": "single", "title": "Warm-up: where are you joining from?", "options": []string{"Office", "Home", "Elsewhere"}})
	host(map[string]any{"type": "poll_create", "kind": "quiz", "title": "Quiz: the largest planet?", "options": []string{"Mars", "Jupiter"}, "correct": []int{1}, "seconds": 60})
	host(map[string]any{"type": "poll_create", "kind": "rating", "title": "Wrap-up: rate the session"})
	const warm, quiz, wrap = "Warm-up: where are you joining from?", "Quiz: the largest planet?", "Wrap-up: rate the session"

	console := openPage(t, "console", hostURL(s, r), desktop())
	waitRun(console, warm, quiz, wrap)

	// Reorder: the quiz first. Another console sees it, and so does a reload.
	console.click(`[data-testid="run-item"]:nth-child(2) ` + tid("run-up"))
	waitRun(console, quiz, warm, wrap)
	other := openPage(t, "second console", hostURL(s, r), desktop())
	waitRun(other, quiz, warm, wrap)
	other.reload()
	waitRun(other, quiz, warm, wrap)

	// Duplicate the rating: a new draft at the end, same content.
	console.click(`[data-testid="run-item"]:nth-child(3) ` + tid("poll-duplicate"))
	waitRun(console, quiz, warm, wrap, wrap)
	if got := pollStates(t, s, r)[wrap]; !slices.Equal(got, []string{"draft", "draft"}) {
		t.Fatalf("after duplicating, the rating polls are %v, want two drafts", got)
	}

	aud := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	aud.waitText(tid("room-title"), "Run of show")

	// PageDown: the first draft of the run (the quiz) opens.
	eval[bool](console, `(document.activeElement && document.activeElement.blur(), true)`)
	console.do(chromedp.KeyEvent(kb.PageDown))
	waitOpen(console, quiz)
	aud.waitText("body", "the largest planet?")
	// PageDown: the quiz closes, the warm-up opens.
	console.do(chromedp.KeyEvent(kb.PageDown))
	waitOpen(console, warm)
	if st := pollStates(t, s, r); st[quiz][0] != "closed" || st[warm][0] != "open" {
		t.Fatalf("after two steps the server has %v, want the quiz closed and the warm-up open", st)
	}
	aud.waitText("body", "where are you joining from?")
	// PageUp: the warm-up closes, the quiz opens again.
	console.do(chromedp.KeyEvent(kb.PageUp))
	waitOpen(console, quiz)
	if st := pollStates(t, s, r); st[quiz][0] != "open" || st[warm][0] != "closed" {
		t.Fatalf("after a step back the server has %v, want the quiz open and the warm-up closed", st)
	}
	// PageDown in a text field is the field's, not a step.
	console.click(tid("poll-title"))
	console.do(chromedp.KeyEvent(kb.PageDown))
	if st := pollStates(t, s, r); st[quiz][0] != "open" {
		t.Fatalf("PageDown while typing stepped the run: %v", st)
	}

	// The phone console: Next, inside the phone's width and large enough to tap.
	pc := openPage(t, "phone console", hostURL(s, r), phone())
	pc.click("#tab-polls")
	pc.waitFor("the polls tab", `document.querySelector('#tab-polls').getAttribute('aria-selected') === 'true'`)
	waitRun(pc, quiz, warm, wrap, wrap)
	box := eval[map[string]float64](pc, `(() => { const b = document.querySelector('[data-testid="run-next"]').getBoundingClientRect(); return { l: b.left, r: b.right, h: b.height }; })()`)
	if box["l"] < 0 || box["r"] > 390 || box["h"] < 44 {
		t.Errorf("the phone console's Next button lies at %.0f–%.0f, %.0f px tall; want inside 390 px and 44 px or taller", box["l"], box["r"], box["h"])
	}
	pc.click(tid("run-next"))
	// After the quiz, the warm-up is closed: the next draft is the rating.
	waitOpen(pc, wrap)
	keepShot(t, pc, "console-run-of-show-phone.png")
	if st := pollStates(t, s, r); st[quiz][0] != "closed" || !slices.Contains(st[wrap], "open") || !slices.Contains(st[wrap], "draft") {
		t.Fatalf("after Next on the phone the server has %v, want the quiz closed, one rating open and its copy a draft", st)
	}
	if f := eval[string](pc, `document.activeElement?.dataset.testid || ''`); f != "run-next" {
		t.Errorf("after Next the focus is on %q, want it kept on run-next", f)
	}
	aud.waitText("body", "rate the session")
	pc.click(tid("run-next"))
	pc.waitFor("the copy open", `[...document.querySelectorAll('[data-testid="run-item"]')].filter((e) => e.dataset.state === 'open').length === 1 && document.querySelectorAll('[data-testid="run-item"]')[3].dataset.state === 'open'`)
	// Past the last draft: Next only closes.
	pc.click(tid("run-next"))
	pc.waitFor("nothing open", `![...document.querySelectorAll('[data-testid="run-item"]')].some((e) => e.dataset.state === 'open')`)
	for title, states := range pollStates(t, s, r) {
		for _, st := range states {
			if st != "closed" {
				t.Errorf("at the end of the run %q is %s, want closed", title, st)
			}
		}
	}
	pc.waitFor("Next disabled at the end", `document.querySelector('[data-testid="run-next"]').disabled`)
}
