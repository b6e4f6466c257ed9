package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// onlyJS lists the elements that are drawn (a box of some area, visible)
// but are neither the element matching target, inside it, nor around it:
// what a widget shows besides its element.
func onlyJS(target string) string {
	return fmt.Sprintf(`(() => {
	  const t = document.querySelector(%q);
	  if (!t) return ['no ' + %q];
	  const out = [];
	  for (const e of document.body.querySelectorAll('*')) {
	    if (e === t || t.contains(e) || e.contains(t)) continue;
	    const r = e.getBoundingClientRect();
	    if (r.width < 1 || r.height < 1 || getComputedStyle(e).visibility === 'hidden') continue;
	    if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight) continue;
	    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.') + ' ' + e.textContent.slice(0, 30));
	  }
	  return out;
	})()`, target, target)
}

// transparentJS is true when neither the root nor the body paints a
// background colour or image.
const transparentJS = `[document.documentElement, document.body].every((e) => {
  const s = getComputedStyle(e);
  return s.backgroundColor === 'rgba(0, 0, 0, 0)' && s.backgroundImage === 'none';
})`

// cornerColour paints p over an opaque magenta default background (what
// lies under a page: an OBS scene's video, here a colour no page of ours
// uses) and returns the screenshot's top-left pixel: magenta where the page
// lets what is under it through. (Headless Chromium's screenshots carry no
// alpha, so an opaque colour stands in for the video.)
func cornerColour(t *testing.T, p *page) [3]uint32 {
	t.Helper()
	p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetDefaultBackgroundColorOverride,
			emulation.SetDefaultBackgroundColorOverrideParams{Color: &cdp.RGBA{R: 255, G: 0, B: 255, A: 1}})
		return err
	}))
	img, err := png.Decode(bytes.NewReader(p.screenshot()))
	if err != nil {
		t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	r, g, b, _ := img.At(2, 2).RGBA()
	return [3]uint32{r >> 8, g >> 8, b >> 8}
}

// TestScreenWidgets: /screen/CODE?show=WHAT&bg=transparent shows one stage
// element alone for an OBS browser source — the 8-option poll, the pinned
// question, the top questions, the leaderboard, the podium, the join code
// with its QR code, the reactions — on a transparent page. For each: its
// element shows, nothing else of the stage does (no title, no rail, no
// other element), everything in it lies inside the widget's viewport (at a
// stream's 1280×720 and at a small 640×360 or tall 360×640 source), and
// the root and body paint no background: over a magenta default background
// (standing in for the video) the widget's corner is magenta, where the
// plain screen paints its own. A key in the fragment still works beside ?show= (the
// fragment goes, the query stays). The console links to each widget.
func TestScreenWidgets(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 12, 30, 90)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	host(map[string]any{"type": "question_set", "question": firstQuestion(t, s, r), "pinned": true})

	// A quiz closed and revealed, 10 of 12 right (the leaderboard and podium), then an
	// 8-option poll open with its results shown (the poll on stage).
	quiz := host(map[string]any{"type": "poll_create", "kind": "quiz", "title": "Which planet is the largest?",
		"options": []string{"Mars", "Jupiter", "Saturn", "Neptune"}, "correct": []int{1}, "state": "open"})["poll"].(string)
	for i, tok := range r.people {
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": quiz, "choices": []int{[]int{1, 1, 1, 1, 1, 2}[i%6]}, "name": r.names[i]})
	}
	host(map[string]any{"type": "poll_set", "poll": quiz, "state": "closed", "reveal": true})
	options := []string{"Keep the current structure and revisit it next year", "Merge platform and infrastructure",
		"Split mobile into iOS and Android teams", "Create a dedicated developer-experience team",
		"Move data engineering under product analytics", "Rotate on-call across all backend teams",
		"Hire a second engineering director", "Something else (tell us in the comments)"}
	poll := host(map[string]any{"type": "poll_create", "kind": "single", "title": "Which change should we make first, given everything we heard today?",
		"options": options, "state": "open", "reveal": true})["poll"].(string)
	for i, tok := range r.people {
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": poll, "choices": []int{i % 8}})
	}

	type check struct {
		container, css string
		want           int
	}
	widgets := []struct {
		show, target string
		ready        func(p *page)
		checks       []check
		sizes        [][2]int64
	}{
		{"poll", "#poll-view", func(p *page) {
			p.waitCount(tid("results-chart")+" .chart-row", 8)
			p.waitText(tid("results-chart")+" .chart-total", "12")
		}, []check{{"#poll-chart", ".chart-label-text", 8}, {"#poll-chart", ".chart-value", 8}, {"#poll-view", ".poll-title", 1}},
			[][2]int64{{1280, 720}, {640, 360}}},
		{"question", "#pinned", func(p *page) { p.waitText(tid("pinned"), "Question 1:") },
			[]check{{"#pinned", ".pinned-text", 1}, {"#pinned", ".pinned-meta", 1}}, [][2]int64{{1280, 720}, {640, 360}}},
		{"questions", "#qa-view", func(p *page) { p.waitCount(tid("question-list")+" "+tid("question"), 5) },
			[]check{{"#qa-view", ".top-q", 3}, {"#qa-view", ".top-q-n", 3}}, [][2]int64{{1280, 720}}},
		{"leaderboard", "#widget-lb", func(p *page) {
			p.waitFor("10 players or more", `document.querySelectorAll('[data-testid="widget-leaderboard"] [data-testid="lb-entry"]').length >= 10`)
		},
			[]check{{"#widget-lb", `[data-testid="lb-entry"]`, 10}, {"#widget-lb", ".podium-title", 1}}, [][2]int64{{1280, 720}, {640, 360}}},
		{"podium", "#widget-lb", func(p *page) { p.waitCount(tid("widget-leaderboard")+" "+tid("lb-entry"), 3) },
			[]check{{"#widget-lb", ".podium-place", 3}}, [][2]int64{{1280, 720}, {640, 360}}},
		{"code", ".rail", func(p *page) {
			p.waitText(tid("join-code"), r.Code)
			p.waitFor("the QR code loaded", `document.querySelector('[data-testid="qr"]').naturalWidth > 0`)
		}, []check{{".rail", ".join-code", 1}, {".rail", ".qr", 1}, {".rail", ".join-url", 1}}, [][2]int64{{1280, 720}, {360, 640}}},
		{"reactions", "#floaters", nil, nil, [][2]int64{{1280, 720}}},
	}
	for _, w := range widgets {
		for _, size := range w.sizes {
			name := fmt.Sprintf("%s %d×%d", w.show, size[0], size[1])
			p := openPage(t, name, fmt.Sprintf("%s/screen/%s?show=%s&bg=transparent", s.URL, r.Code, w.show), viewport(size[0], size[1], 1, false))
			p.waitFor("the widget set up", `document.body.classList.contains('widget-`+w.show+`')`)
			if w.ready != nil {
				w.ready(p)
			}
			if w.show == "reactions" {
				p.waitFor("the page connected", `document.querySelector('#presence-count').textContent !== ''`)
				time.Sleep(500 * time.Millisecond) // connected before reacting (reactions are not replayed)
				for i := range 20 {
					command(t, s, r.Code, r.people[i%len(r.people)], map[string]any{"type": "react", "kind": []string{"like", "love", "clap"}[i%3]})
					time.Sleep(30 * time.Millisecond)
				}
				p.waitFor("reactions rising", `document.querySelectorAll('#floaters .floater').length > 0`)
				// Spread over the widget, not in a narrow lane.
				p.waitFor("reactions across the widget", `(() => { const xs = [...document.querySelectorAll('#floaters .floater')].map((f) => f.getBoundingClientRect().left);
				  return xs.length > 1 && Math.max(...xs) - Math.min(...xs) > innerWidth / 4; })()`)
			}
			time.Sleep(checkSettleTime)
			if out := eval[[]string](p, onlyJS(w.target)); len(out) > 0 {
				t.Errorf("%s: shows more than its element: %v", name, out[:min(6, len(out))])
			}
			for _, c := range w.checks {
				checkInside(t, p, name+" "+c.css, c.container, c.css, c.want)
			}
			if w.show == "podium" && p.count("#widget-lb .podium-row") > 0 {
				t.Errorf("%s: the podium widget lists places past the third", name)
			}
			if bottom := eval[float64](p, `document.documentElement.scrollHeight`); bottom > float64(size[1])+1 {
				t.Errorf("%s: the page is %.0f px tall in a %d-px widget", name, bottom, size[1])
			}
			if !eval[bool](p, transparentJS) {
				t.Errorf("%s: the page paints a background with bg=transparent: %v", name,
					eval[[]string](p, `[document.documentElement, document.body].map((e) => getComputedStyle(e).backgroundColor + ' ' + getComputedStyle(e).backgroundImage.slice(0, 40))`))
			}
			if size == w.sizes[0] && (w.show == "poll" || w.show == "podium" || w.show == "code") {
				keepShot(t, p, "widget-"+w.show+".png")
			}
		}
	}

	// Pixels: the transparent poll widget lets what is under it through
	// at its corner; the plain screen paints it.
	magenta := [3]uint32{255, 0, 255}
	through := openPage(t, "poll widget pixels", s.URL+"/screen/"+r.Code+"?show=poll&bg=transparent", viewport(640, 360, 1, false))
	through.waitCount(tid("results-chart")+" .chart-row", 8)
	if c := cornerColour(t, through); c != magenta {
		t.Errorf("the transparent widget's corner is %v over magenta, want magenta: it paints a background", c)
	}
	plain := openPage(t, "screen pixels", s.URL+"/screen/"+r.Code, viewport(640, 360, 1, false))
	plain.waitCount(tid("results-chart")+" .chart-row", 8)
	if c := cornerColour(t, plain); c == magenta {
		t.Errorf("the plain screen's corner is magenta: it paints no background")
	}

	// The key in the fragment beside ?show=: taken, and out of the address;
	// the query stays, so a reload keeps the widget.
	keyed := openPage(t, "keyed widget", s.URL+"/screen/"+r.Code+"?show=poll#key="+r.HostKey, viewport(1280, 720, 1, false))
	keyed.waitCount(tid("results-chart")+" .chart-row", 8)
	if loc := eval[string](keyed, `location.pathname + location.search + location.hash`); loc != "/screen/"+r.Code+"?show=poll" {
		t.Errorf("the keyed widget's address is %q, want the key gone and ?show=poll kept", loc)
	}
	if out := eval[[]string](keyed, onlyJS("#poll-view")); len(out) > 0 {
		t.Errorf("the keyed widget shows more than the poll: %v", out[:min(6, len(out))])
	}

	// The console's share card links to every widget, transparent.
	console := openPage(t, "console", hostURL(s, r.room), desktop())
	console.waitCount(tid("widget-link"), len(widgets))
	hrefs := eval[[]string](console, `[...document.querySelectorAll('`+tid("widget-link")+`')].map((a) => a.getAttribute('href'))`)
	for i, w := range widgets {
		if want := s.URL + "/screen/" + r.Code + "?show=" + w.show + "&bg=transparent"; hrefs[i] != want {
			t.Errorf("the console's widget link %d is %q, want %q", i, hrefs[i], want)
		}
	}
}
