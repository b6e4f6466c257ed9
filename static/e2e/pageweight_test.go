package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pageWeightEnv runs TestPageWeight: HUBBUB_PAGEWEIGHT=N loads each page N
// times (it is a measurement, not a check, and takes a minute or more).
const pageWeightEnv = "HUBBUB_PAGEWEIGHT"

// pageWeightProbe is run in every page before its own scripts: it counts
// the bytes the page's WebSocket receives (the payload, as the page reads
// it), and notes when an element matching the page's content selector
// (%q) first enters the DOM, with the WebSocket bytes received by then.
const pageWeightProbe = `(() => {
  const hb = window.__hb = { ws: 0, wsAtContent: -1, contentAt: 0 };
  const Native = window.WebSocket;
  const enc = new TextEncoder();
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => { hb.ws += typeof e.data === 'string' ? enc.encode(e.data).length : (e.data.byteLength || e.data.size || 0); });
    }
  };
  const check = () => {
    if (!hb.contentAt && document.querySelector(%q)) { hb.contentAt = performance.now(); hb.wsAtContent = hb.ws; }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
})()`

// pageWeightJS reads the page's timings (ms since navigation start) and its
// HTTP transfer (bytes on the wire: compressed bodies and headers, from
// Resource Timing's transferSize, the document included).
const pageWeightJS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  // Same-origin frames (the console's stage preview): their resources and
  // WebSocket too (their documents are already among the page's resources).
  const frames = [...document.querySelectorAll('iframe')].map((f) => { try { return f.contentWindow; } catch { return null; } })
    .filter((w) => w && w.performance);
  const frameRes = frames.flatMap((w) => w.performance.getEntriesByType('resource'));
  const sum = (f) => res.concat(frameRes).reduce((n, r) => n + r[f], nav[f]);
  return {
    fcp_ms: fcp ? fcp.startTime : -1, dcl_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd, content_ms: window.__hb.contentAt,
    transfer_bytes: sum('transferSize'), body_bytes: sum('encodedBodySize'), decoded_bytes: sum('decodedBodySize'), requests: res.length + frameRes.length + 1,
    ws_bytes_at_content: window.__hb.wsAtContent,
    frame_ws_bytes: frames.reduce((n, w) => n + ((w.__hb && w.__hb.ws) || 0), 0),
  };
})()`

// pageLoad is one measured load of a page.
type pageLoad struct {
	Page     string  `json:"page"`
	Run      int     `json:"run"`
	FCP      float64 `json:"fcp_ms"`
	DCL      float64 `json:"dcl_ms"`
	Load     float64 `json:"load_ms"`
	Content  float64 `json:"content_ms"`
	Transfer int     `json:"transfer_bytes"`
	Body     int     `json:"body_bytes"`
	Decoded  int     `json:"decoded_bytes"`
	Requests int     `json:"requests"`
	WS       int     `json:"ws_bytes_at_content"`
	// FrameWS: what same-origin frames' WebSockets received by the time
	// of the measure (the console's stage preview is a screen page).
	FrameWS int    `json:"frame_ws_bytes"`
	Load1   string `json:"loadavg"`
}

// TestPageWeight measures, for the room of real size (buildVolumeRoom:
// 205 questions, 600 upvotes, 60 players, plus an open 8-option poll with
// 60 ballots and 40 comments), the audience page on a phone (390×844), the
// console on a laptop (1440×900) and the screen on a projector
// (1920×1080): bytes over HTTP (compressed, headers included), the
// WebSocket bytes received until the room's content is in the page, first
// contentful paint, and when that content first enters the DOM. Each load
// is a fresh browser context (an empty cache). One JSON line per load
// ("pageweight {...}") in the test log; docs/benchmarks.md says how the
// figures in it were taken. Skipped unless HUBBUB_PAGEWEIGHT=N (loads per
// page).
func TestPageWeight(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv(pageWeightEnv))
	if runs <= 0 {
		t.Skipf("set %s=N to load each page N times and log what it weighs", pageWeightEnv)
	}
	s := startServer(t)
	r := buildVolumeRoom(t, s, 60, 205, 600)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	poll := host(map[string]any{"type": "poll_create", "kind": "single", "title": "Which change should we make first?",
		"options": []string{"Keep the current structure", "Merge platform and infrastructure", "Split mobile teams", "A developer-experience team",
			"Data engineering under product", "Rotate on-call", "A second engineering director", "Something else"},
		"state": "open", "reveal": true})["poll"].(string)
	for i, tok := range r.people {
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": poll, "choices": []int{(i * i) % 8}})
		if i < 40 {
			command(t, s, r.Code, tok, map[string]any{"type": "comment", "text": fmt.Sprintf("Comment %d: thanks for the clear answers on the roadmap", i+1)})
		}
	}

	pages := []struct {
		name, path, content string
		opts                []pageOption
	}{
		{"audience", "/r/" + r.Code, `[data-testid="question-list"] [data-testid="question"]`, []pageOption{phone()}},
		{"console", "/host/" + r.Code + "#key=" + r.HostKey, `[data-testid="question-list"] [data-testid="question"]`, []pageOption{viewport(1440, 900, 1, false)}},
		{"screen", "/screen/" + r.Code, `#poll-chart .chart-row`, []pageOption{viewport(1920, 1080, 1, false)}},
	}
	for run := 1; run <= runs; run++ {
		for _, pg := range pages {
			p := newPage(t, pg.name, pg.opts...)
			p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument,
					cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(pageWeightProbe, pg.content)})
				return err
			}))
			p.navigate(s.URL + pg.path)
			p.waitFor(pg.name+"'s content", `window.__hb && window.__hb.contentAt > 0`)
			time.Sleep(time.Second) // late requests (QR code, statistics) counted too
			l := eval[pageLoad](p, pageWeightJS)
			l.Page, l.Run = pg.name, run
			if b, err := os.ReadFile("/proc/loadavg"); err == nil {
				l.Load1 = strings.Join(strings.Fields(string(b))[:3], " ")
			}
			line, _ := json.Marshal(l)
			t.Logf("pageweight %s", line)
			p.close()
		}
	}
}
