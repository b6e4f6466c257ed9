package e2e

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// screenshotsEnv names the directory TestScreenshots writes its PNG files
// to (relative paths are taken from the module root, so
// HUBBUB_SCREENSHOTS=docs/screenshots works from there). Unset, the test
// still takes every screenshot and checks it, and writes nothing.
const screenshotsEnv = "HUBBUB_SCREENSHOTS"

// settleTime lets charts glide to their lengths and fonts finish loading
// before a screenshot that is kept; checkSettleTime is enough for the checks.
const (
	settleTime      = 1200 * time.Millisecond
	checkSettleTime = 300 * time.Millisecond
)

// shot is one screenshot: a page of the seeded room at a size.
type shot struct {
	file string
	// always: taken also when only checking (one per page kind, to keep
	// the package quick); the others only when writing the files.
	always bool
	path   func(r seededRoom) string
	opts   []pageOption
	ready  []string // selectors that must be visible first
	before func(p *page, r seededRoom)
	// top is the element scrolled to the top of the viewport before the
	// shot; empty: the page's top.
	top string
}

// TestScreenshots takes screenshots of every page of a room with realistic
// activity (questions with votes, an answer, a pinned question, comments,
// reactions, a closed rating poll and an open, revealed poll) on a phone
// (390×844), a desktop (1440×900) and, for the screen, a projector
// (1920×1080), in English and some in Chinese; each must be a PNG of the
// expected size that is not blank. Without HUBBUB_SCREENSHOTS it takes one
// of each page kind (TestPagesUsableOnSmallPhonesAndScreenReaders covers
// the phone layouts).
func TestScreenshots(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	rooms := map[string]seededRoom{"en": seedRoom(t, s, "en"), "zh": seedRoom(t, s, "zh")}

	audience := func(r seededRoom) string { return "/r/" + r.Code }
	host := func(r seededRoom) string { return "/host/" + r.Code + "#key=" + r.HostKey }
	screen := func(r seededRoom) string { return "/screen/" + r.Code }
	landing := func(seededRoom) string { return "/" }
	desktop := viewport(1440, 900, 1, false)
	phone2x := viewport(390, 844, 2, true)
	upvote := func(p *page, _ seededRoom) {
		// This participant upvotes the top question.
		p.click(tid("question-list") + " " + tid("question") + ":nth-child(1) " + tid("upvote"))
		p.waitFor("the upvote shown", `document.querySelector('[data-testid="question-list"] [data-testid="question"]:nth-child(1) [data-testid="upvote"]').getAttribute("aria-pressed") === "true"`)
	}
	shots := map[string][]shot{
		"en": {
			{file: "landing-desktop.png", always: true, path: landing, opts: []pageOption{desktop}, ready: []string{tid("create-submit")}},
			{file: "landing-phone.png", path: landing, opts: []pageOption{phone2x}, ready: []string{tid("join-input")}},
			{file: "audience-phone.png", always: true, path: audience, opts: []pageOption{phone2x}, ready: []string{tid("question"), tid("pinned")}, before: upvote},
			{file: "audience-phone-dark.png", path: audience, opts: []pageOption{phone2x, darkMode()}, ready: []string{tid("question"), tid("pinned")}},
			{file: "audience-desktop.png", path: audience, opts: []pageOption{desktop}, ready: []string{tid("question"), tid("pinned")}, before: upvote},
			{file: "audience-polls-phone.png", path: func(r seededRoom) string { return "/r/" + r.Code + "#polls" }, opts: []pageOption{phone2x},
				ready: []string{tid("poll")}, before: func(p *page, r seededRoom) {
					showTab(p, "tab-polls")
					vote(p, r.poll, 1)
					p.waitText(tid("results-chart"), "Your answer")
				}, top: tid("poll")},
			{file: "host-desktop.png", always: true, path: host, opts: []pageOption{desktop}, ready: []string{tid("moderation-queue"), tid("question"), tid("results-chart")}},
			{file: "host-desktop-dark.png", path: host, opts: []pageOption{desktop, darkMode()}, ready: []string{tid("moderation-queue"), tid("question"), tid("results-chart")}},
			{file: "host-phone.png", path: host, opts: []pageOption{phone2x}, ready: []string{tid("question")}},
			{file: "report-desktop.png", path: func(r seededRoom) string { return "/report/" + r.Code + "#key=" + r.HostKey }, opts: []pageOption{desktop},
				ready: []string{tid("top-questions")}},
			{file: "screen.png", always: true, path: screen, opts: []pageOption{viewport(1920, 1080, 1, false)}, ready: []string{tid("results-chart"), tid("qr")}},
		},
		"zh": {
			{file: "audience-phone-zh.png", always: true, path: audience, opts: []pageOption{phone2x, acceptLanguage("zh-CN,zh")}, ready: []string{tid("question"), tid("pinned")}},
			{file: "screen-zh.png", path: screen, opts: []pageOption{viewport(1920, 1080, 1, false), acceptLanguage("zh-CN,zh")}, ready: []string{tid("results-chart"), tid("qr")}},
		},
	}

	dir := os.Getenv(screenshotsEnv)
	if dir != "" && !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	for _, lang := range []string{"en", "zh"} {
		r := rooms[lang]
		for _, sh := range shots[lang] {
			if dir == "" && !sh.always {
				continue
			}
			opts := sh.opts
			if dir == "" {
				// Checks only: device pixels at 1× are as good a test of
				// the layout and quicker to decode under -race.
				opts = append(append([]pageOption{}, opts...), func(c *pageConfig) { c.scale = 1 })
			}
			p := openPage(t, sh.file, s.URL+sh.path(r), opts...)
			for _, css := range sh.ready {
				p.waitVisible(css)
			}
			if sh.before != nil {
				sh.before(p, r)
			}
			if sh.top != "" {
				eval[bool](p, `(document.querySelector('`+sh.top+`').scrollIntoView({block: "start"}), true)`)
			} else {
				eval[bool](p, `(window.scrollTo(0, 0), true)`)
			}
			if dir != "" {
				time.Sleep(settleTime)
			} else {
				time.Sleep(checkSettleTime)
			}
			p.do() // nothing: fails the test if the page has gone
			b := p.screenshot()
			checkScreenshot(t, sh.file, b, opts)
			if dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, sh.file), b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", filepath.Join(dir, sh.file))
			}
			p.close()
		}
	}
}

// checkScreenshot fails the test unless b is a PNG of the viewport's size
// in device pixels with more than a handful of colours (not blank).
func checkScreenshot(t *testing.T, name string, b []byte, opts []pageOption) {
	t.Helper()
	cfg := pageConfig{width: 1280, height: 900, scale: 1}
	for _, o := range opts {
		o(&cfg)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", name, err)
	}
	want := image.Rect(0, 0, int(float64(cfg.width)*cfg.scale), int(float64(cfg.height)*cfg.scale))
	if img.Bounds() != want {
		t.Errorf("%s is %v, want %v", name, img.Bounds(), want)
	}
	colours := map[[4]uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y && len(colours) <= 64; y += 7 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 7 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, bl, a}] = true
		}
	}
	if len(colours) <= 64 {
		t.Errorf("%s has only %d colours: the page looks blank", name, len(colours))
	}
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}
