package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// drawnJS lists the elements drawn inside the viewport (a box of some
// area, visible) other than those matching except: what a stage shows.
func drawnJS(except string) string {
	return fmt.Sprintf(`(() => {
	  const out = [];
	  for (const e of document.body.querySelectorAll('*')) {
	    if (e.matches(%q)) continue;
	    const r = e.getBoundingClientRect();
	    if (r.width < 1 || r.height < 1 || getComputedStyle(e).visibility === 'hidden') continue;
	    if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight) continue;
	    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'));
	  }
	  return out;
	})()`, except)
}

// TestStageControl: the console shows a live preview of the projector and
// a switch for what is on stage, and every screen follows the switch.
// With a pinned question, a quiz closed and revealed (12 players) and an
// 8-option poll open with its results shown: the preview is the screen
// page scaled into its 16:9 box (it fills the box and no more, and shows
// the room's code; collapsing the section unloads it); the switch starts
// at auto with the poll on stage. The
// host picks each stage in turn and a projector at 1280×720 shows that
// element alone, everything of it inside the viewport: the join code with
// a large QR code, the leaderboard's rows, the podium's three places, the
// pinned question, the poll's 8 rows, a blank stage (nothing drawn), and
// back to auto (the poll and the rail). The preview follows too. A screen
// opened while a stage is chosen starts with it (the snapshot carries
// it). An unknown stage is refused with a named error and changes
// nothing; a moderator's console shows the switch disabled.
func TestStageControl(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 12, 30, 90)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	host(map[string]any{"type": "question_set", "question": firstQuestion(t, s, r), "pinned": true})
	quiz := host(map[string]any{"type": "poll_create", "kind": "quiz", "title": "Which planet is the largest?",
		"options": []string{"Mars", "Jupiter", "Saturn", "Neptune"}, "correct": []int{1}, "state": "open"})["poll"].(string)
	for i, tok := range r.people {
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": quiz, "choices": []int{[]int{1, 1, 1, 1, 1, 2}[i%6]}, "name": r.names[i]})
	}
	host(map[string]any{"type": "poll_set", "poll": quiz, "state": "closed", "reveal": true})
	poll := host(map[string]any{"type": "poll_create", "kind": "single", "title": "Which change should we make first?",
		"options": []string{"Merge platform and infrastructure", "Split mobile", "A developer-experience team", "Move data engineering",
			"Rotate on-call", "Hire a director", "Keep the structure", "Something else"}, "state": "open", "reveal": true})["poll"].(string)
	for i, tok := range r.people {
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": poll, "choices": []int{i % 8}})
	}

	console := openPage(t, "console", hostURL(s, r.room), desktop())
	console.waitVisible(tid("stage-preview"))
	console.waitFor("the switch at auto", `document.querySelector('[data-testid="stage-option"][value="auto"]').checked`)
	if n := console.count(tid("stage-option")); n != 7 {
		t.Fatalf("the switch has %d options, want 7 (auto, question, poll, leaderboard, podium, code, blank)", n)
	}
	const previewDoc = `document.querySelector('[data-testid="stage-preview"]').contentDocument`
	console.waitFor("the preview shows the room's screen", previewDoc+`?.querySelector('#join-code')?.textContent === '`+r.Code+`'`)
	console.waitFor("the preview shows the poll", previewDoc+`.querySelectorAll('[data-testid="results-chart"] .chart-row').length === 8`)
	geo := eval[map[string]float64](console, `(() => {
	  const f = document.querySelector('[data-testid="stage-preview"]').getBoundingClientRect();
	  const b = document.querySelector('#stage-preview-box').getBoundingClientRect();
	  return { fl: f.left, ft: f.top, fw: f.width, fh: f.height, bl: b.left, bt: b.top, bw: b.width, bh: b.height };
	})()`)
	if geo["bw"] < 200 || abs(geo["bw"]/geo["bh"]-16.0/9) > 0.02 {
		t.Errorf("the preview box is %.0f×%.0f, want a 16:9 box at least 200 px wide", geo["bw"], geo["bh"])
	}
	// The 1280×720 screen scaled into the box (its border inside): fills it, no more.
	if abs(geo["fw"]-geo["bw"]) > 3 || abs(geo["fh"]-geo["bh"]) > 3 || abs(geo["fl"]-geo["bl"]) > 2 || abs(geo["ft"]-geo["bt"]) > 2 {
		t.Errorf("the scaled screen lies at %.0f,%.0f %.0f×%.0f in a box at %.0f,%.0f %.0f×%.0f", geo["fl"], geo["ft"], geo["fw"], geo["fh"], geo["bl"], geo["bt"], geo["bw"], geo["bh"])
	}

	keepShot(t, console, "console-stage.png")

	// Collapsed, the section has no preview (no page, no connection); opened, it has it again.
	console.click(`[data-section="stage"] ` + tid("section-toggle"))
	console.waitFor("no preview while collapsed", `!document.querySelector('[data-testid="stage-preview"]')`)
	console.click(`[data-section="stage"] ` + tid("section-toggle"))
	console.waitFor("the preview back", previewDoc+`?.querySelectorAll('[data-testid="results-chart"] .chart-row').length === 8`)

	screen := openPage(t, "projector", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	screen.waitCount(tid("results-chart")+" .chart-row", 8)
	screen.waitFor("auto on stage", `document.body.dataset.stage === 'auto'`)

	stages := []struct {
		stage, testid string // what the switch sets; body[data-stage] on the screen
		target        string // the element alone on stage ("" for blank)
		ready         func(p *page)
		checks        []check
	}{
		{"code", "code", ".rail", func(p *page) {
			p.waitFor("the QR code loaded", `document.querySelector('[data-testid="qr"]').naturalWidth > 0`)
		}, []check{{".rail", ".join-code", 1}, {".rail", ".qr", 1}, {".rail", ".join-url", 1}}},
		{"leaderboard", "leaderboard", "#widget-lb", func(p *page) {
			p.waitFor("10 players or more", `document.querySelectorAll('[data-testid="widget-leaderboard"] [data-testid="lb-entry"]').length >= 10`)
		}, []check{{"#widget-lb", tid("lb-entry"), 10}, {"#widget-lb", ".podium-title", 1}}},
		{"podium", "podium", "#widget-lb", func(p *page) { p.waitCount(tid("widget-leaderboard")+" "+tid("lb-entry"), 3) },
			[]check{{"#widget-lb", ".podium-place", 3}}},
		{"question", "question", "#pinned", func(p *page) { p.waitText(tid("pinned"), "Question 1:") },
			[]check{{"#pinned", ".pinned-text", 1}, {"#pinned", ".pinned-meta", 1}}},
		{"poll", "poll", "#poll-view", func(p *page) { p.waitCount(tid("results-chart")+" .chart-row", 8) },
			[]check{{"#poll-chart", ".chart-label-text", 8}, {"#poll-chart", ".chart-value", 8}, {"#poll-view", ".poll-title", 1}}},
		{"blank", "blank", "", nil, nil},
	}
	for _, st := range stages {
		console.click(tid("stage-option") + `[value="` + st.stage + `"]`)
		console.waitFor("the switch at "+st.stage, `document.querySelector('[data-testid="stage-option"][value="`+st.stage+`"]').checked`)
		screen.waitFor(st.stage+" on stage", `document.body.dataset.stage === '`+st.testid+`'`)
		console.waitFor("the preview at "+st.stage, previewDoc+`.body.dataset.stage === '`+st.testid+`'`)
		if st.ready != nil {
			st.ready(screen)
		}
		time.Sleep(checkSettleTime)
		keepShot(t, screen, "staged-"+st.stage+"-1280x720.png")
		if st.target == "" {
			if out := eval[[]string](screen, drawnJS(".screen-grid")); len(out) > 0 {
				t.Errorf("blank: the stage draws %v", out[:min(6, len(out))])
			}
			continue
		}
		// Besides its element, only the join corner (code and QR code) shows, and covers nothing of it.
		var others []string
		for _, o := range eval[[]string](screen, onlyJS(st.target)) {
			if !strings.Contains(o, "corner") {
				others = append(others, o)
			}
		}
		if len(others) > 0 {
			t.Errorf("%s: the stage shows more than its element: %v", st.stage, others[:min(6, len(others))])
		}
		if st.stage != "code" {
			checkCorner(t, screen, st.stage, st.target)
		}
		for _, c := range st.checks {
			checkInside(t, screen, st.stage+" "+c.css, c.container, c.css, c.want)
		}
		if st.stage == "code" {
			if w := eval[float64](screen, `document.querySelector('[data-testid="qr"]').getBoundingClientRect().width`); w < 300 {
				t.Errorf("code: the QR code is %.0f px wide on a 1280×720 stage, want it large (300 px or more)", w)
			}
		}
	}

	// A screen opened now starts blank; an unknown stage changes nothing.
	late := openPage(t, "late projector", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	late.waitFor("blank from the snapshot", `document.body.dataset.stage === 'blank'`)
	body, _ := json.Marshal(map[string]any{"type": "room_set", "stage": "projector"})
	var refusal map[string]any
	apiDo(t, http.MethodPost, s.URL+"/api/rooms/"+r.Code+"/commands", r.HostKey, body, http.StatusBadRequest, &refusal)
	if msg := fmt.Sprint(refusal); !strings.Contains(msg, "unknown stage") {
		t.Errorf("an unknown stage is refused with %v, want \"unknown stage\"", msg)
	}

	// Back to auto: the poll and the rail again.
	console.click(tid("stage-option") + `[value="auto"]`)
	for _, p := range []*page{screen, late} {
		p.waitFor("auto on stage", `document.body.dataset.stage === 'auto'`)
		p.waitCount(tid("results-chart")+" .chart-row", 8)
		p.waitVisible(tid("join-code"))
		checkInside(t, p, "auto poll rows", "#poll-chart", ".chart-label-text", 8)
	}

	// A moderator sees the stage and the switch, disabled.
	mod := openPage(t, "moderator", s.URL+"/host/"+r.Code+"#key="+url.QueryEscape(r.ModeratorKey), desktop())
	mod.waitFor("the switch at auto", `document.querySelector('[data-testid="stage-option"][value="auto"]')?.checked`)
	if n := eval[int](mod, `[...document.querySelectorAll('[data-testid="stage-option"]')].filter((i) => !i.disabled).length`); n != 0 {
		t.Errorf("a moderator's console has %d stage options enabled, want none", n)
	}
}

// checkCorner fails unless the join corner shows the room's code and a
// loaded QR code inside the viewport, and lies apart from the element on
// stage (target).
func checkCorner(t *testing.T, p *page, what, target string) {
	t.Helper()
	p.waitFor(what+": the corner's QR code loaded", `document.querySelector('#corner-qr').naturalWidth > 0`)
	geo := eval[map[string]float64](p, `(() => {
	  const c = document.querySelector('#join-corner').getBoundingClientRect();
	  const q = document.querySelector('#corner-qr').getBoundingClientRect();
	  const e = document.querySelector(`+js(target)+`).getBoundingClientRect();
	  return { cl: c.left, ct: c.top, cr: c.right, cb: c.bottom, qw: q.width, ql: q.left, qb: q.bottom, el: e.left, er: e.right, et: e.top, eb: e.bottom };
	})()`)
	if geo["qw"] < 80 || geo["ql"] < 0 || geo["cr"] > float64(eval[int](p, `innerWidth`))+1 || geo["qb"] > float64(eval[int](p, `innerHeight`))+1 {
		t.Errorf("%s: the corner's QR code is %.0f px wide at %.0f,%.0f; want 80 px or more, inside the viewport", what, geo["qw"], geo["ql"], geo["qb"])
	}
	if geo["er"] > geo["cl"]+1 && geo["el"] < geo["cr"] && geo["eb"] > geo["ct"] && geo["et"] < geo["cb"] {
		t.Errorf("%s: the element on stage (%.0f–%.0f) runs under the join corner (from %.0f)", what, geo["el"], geo["er"], geo["cl"])
	}
	if code := eval[string](p, `document.querySelector('#corner-code').textContent`); len(code) != 6 {
		t.Errorf("%s: the corner shows the code %q", what, code)
	}
}

// check is one kind of element of a stage, in its container, and how many must show.
type check struct {
	container, css string
	want           int
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
