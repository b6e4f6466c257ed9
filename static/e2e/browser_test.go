package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeouts of page steps: generous, since -race tests of other packages
// may share the two cores.
const (
	// stepTimeout bounds one browser action (navigate, click, type).
	stepTimeout = 30 * time.Second
	// waitTimeout bounds a wait for something to appear on a page.
	waitTimeout = 20 * time.Second
	// pollInterval is how often a wait looks again.
	pollInterval = 50 * time.Millisecond
)

// page is one browser tab in a browser context of its own: its own
// localStorage and cookies, so two pages of a test are two participants.
// Uncaught exceptions, unhandled rejections and console errors on the page
// fail the test (allowConsole lists expected ones); dialogs are accepted and
// recorded.
type page struct {
	t      *testing.T
	name   string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	problems []string // console errors and exceptions not allowed
	console  []string // every console message, for failure reports
	dialogs  []string // "alert: message", …
	requests []string // URL of every request the page made
	allowed  []*regexp.Regexp
}

// faviconMissing is the console error of Chromium's automatic request for
// /favicon.ico when the server has none: not the pages' doing, and no
// script of theirs is affected.
var faviconMissing = regexp.MustCompile(`/favicon\.ico\b.*404|404.*favicon`)

// pageOption configures a page before its first navigation.
type pageOption func(*pageConfig)

type pageConfig struct {
	width, height int64
	scale         float64
	mobile        bool
	lang          string
	dark          bool
}

// viewport sets the page's size in CSS pixels and its device scale factor;
// mobile emulates a phone (touch, mobile viewport rules).
func viewport(width, height int64, scale float64, mobile bool) pageOption {
	return func(c *pageConfig) { c.width, c.height, c.scale, c.mobile = width, height, scale, mobile }
}

// phone is a 390×844 phone (CSS pixels, as a current iPhone's), at 1×
// device pixels: tests read the DOM, and fewer pixels paint faster.
func phone() pageOption { return viewport(390, 844, 1, true) }

// darkMode makes the page see prefers-color-scheme: dark.
func darkMode() pageOption { return func(c *pageConfig) { c.dark = true } }

// acceptLanguage sets the browser's languages (navigator.languages and the
// Accept-Language header), e.g. "zh-CN,zh".
func acceptLanguage(langs string) pageOption { return func(c *pageConfig) { c.lang = langs } }

// openPage opens a new tab in a new browser context and navigates to url.
// The tab is closed at t's cleanup, after its console was checked.
func openPage(t *testing.T, name, url string, opts ...pageOption) *page {
	t.Helper()
	p := newPage(t, name, opts...)
	p.navigate(url)
	return p
}

// newPage opens a blank tab (see openPage).
func newPage(t *testing.T, name string, opts ...pageOption) *page {
	t.Helper()
	cfg := pageConfig{width: 1280, height: 900, scale: 1, lang: "en-US,en"}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	p := &page{t: t, name: name, ctx: ctx, cancel: cancel, allowed: []*regexp.Regexp{faviconMissing}}
	t.Cleanup(p.close)

	// The first action opens the tab; the subscriptions follow it, before
	// any page loads, so they miss nothing of the page. (The tab lives as
	// long as the context of its first action: no timeout on that one.)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening a tab: %v", name, err)
	}
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, cdppage.JavascriptDialogOpening)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	p.wg.Add(3)
	go p.readConsole(messages)
	go p.answerDialogs(dialogs)
	go p.recordRequests(requests)

	vp := []chromedp.EmulateViewportOption{chromedp.EmulateScale(cfg.scale)}
	if cfg.mobile {
		vp = append(vp, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	ua := eval[string](p, "navigator.userAgent")
	p.do(
		chromedp.EmulateViewport(cfg.width, cfg.height, vp...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: ua, AcceptLanguage: cfg.lang,
			})
			if err != nil || !cfg.dark {
				return err
			}
			_, err = cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
			})
			return err
		}),
	)
	return p
}

func (p *page) readConsole(messages iter.Seq2[chromedp.ConsoleMessage, error]) {
	defer p.wg.Done()
	for m, err := range messages {
		if err != nil {
			return
		}
		line := fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.String())
		p.mu.Lock()
		p.console = append(p.console, line)
		if (m.IsException() || m.Type == chromedp.ConsoleError) && !p.isAllowed(line) {
			p.problems = append(p.problems, line)
		}
		p.mu.Unlock()
	}
}

func (p *page) answerDialogs(dialogs iter.Seq2[cdppage.EventJavascriptDialogOpening, error]) {
	defer p.wg.Done()
	for ev, err := range dialogs {
		if err != nil {
			return
		}
		p.mu.Lock()
		p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
		p.mu.Unlock()
		// A dialog blocks the page (and the action that opened it) until
		// it is answered.
		_, _ = chromedp.Call(p.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
	}
}

func (p *page) recordRequests(requests iter.Seq2[network.EventRequestWillBeSent, error]) {
	defer p.wg.Done()
	for ev, err := range requests {
		if err != nil {
			return
		}
		p.mu.Lock()
		p.requests = append(p.requests, ev.Request.URL)
		p.mu.Unlock()
	}
}

// Requests returns the URLs the page requested so far.
func (p *page) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// isAllowed reports whether a console error matches allowConsole; mu held.
func (p *page) isAllowed(text string) bool {
	for _, re := range p.allowed {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

// allowConsole lets console errors matching pattern happen without failing
// the test (e.g. failed WebSocket connections while the server is down).
func (p *page) allowConsole(pattern string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.allowed = append(p.allowed, regexp.MustCompile(pattern))
}

// Dialogs returns the dialogs the page opened so far.
func (p *page) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// close fails the test on the page's console problems, then closes the tab
// and waits for its readers.
func (p *page) close() {
	p.checkConsole()
	p.cancel()
	p.wg.Wait()
}

// checkConsole reports console problems seen so far as test errors (once).
func (p *page) checkConsole() {
	p.mu.Lock()
	problems := p.problems
	p.problems = nil
	p.mu.Unlock()
	for _, pr := range problems {
		p.t.Errorf("%s: console: %s", p.name, pr)
	}
}

// do runs actions on the page, failing the test on error.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fatalf("%v", err)
	}
}

// fatalf fails the test with what the page shows and logged.
func (p *page) fatalf(format string, args ...any) {
	p.t.Helper()
	p.checkConsole()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	if len(text) > 3000 {
		text = text[:3000] + "…"
	}
	p.mu.Lock()
	console := p.console
	if len(console) > 30 {
		console = console[len(console)-30:]
	}
	p.mu.Unlock()
	p.t.Fatalf("%s: %s\n--- page %s shows:\n%s\n--- console:\n%s", p.name, fmt.Sprintf(format, args...), url, text, strings.Join(console, "\n"))
}

// navigate loads url and waits for its load event.
func (p *page) navigate(url string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
}

// reload reloads the page.
func (p *page) reload() {
	p.t.Helper()
	p.do(chromedp.Reload())
}

// click clicks with the mouse the first element matching css, once it is
// rendered and nothing (a toast, a fixed bar) covers its centre: it is
// scrolled to the middle of the viewport and hit-tested first. An element
// still covered after uncoverWait is clicked anyway, and the test fails
// if the page does not react as expected.
func (p *page) click(css string) {
	p.t.Helper()
	p.waitVisible(css)
	deadline := time.Now().Add(uncoverWait)
	for !eval[bool](p, hitTestJS(css)) && time.Now().Before(deadline) {
		time.Sleep(pollInterval)
	}
	p.do(chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible))
}

// uncoverWait bounds the wait for a covered element to come free (toasts
// go after a few seconds).
const uncoverWait = 5 * time.Second

// hitTestJS scrolls the element matching css to the middle of the viewport
// and is true when a click at its centre reaches it.
func hitTestJS(css string) string {
	return fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) return false;
		e.scrollIntoView({block: "center", inline: "center"});
		const r = e.getBoundingClientRect();
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!hit && (hit === e || e.contains(hit) || (e.labels && [...e.labels].some(l => l.contains(hit))) || hit.contains(e));
	})()`, js(css))
}

// typeInto focuses the element matching css, puts the caret at the end of
// its text and types text with key events.
//
// It does not use chromedp.SendKeys, which reads the node's attributes
// without the node's lock (chromedp v0.23.0 query.go) and so races with the
// DOM events chromedp applies meanwhile: the race detector failed CI on it
// while a console re-rendered the field being typed into.
func (p *page) typeInto(css, text string) {
	p.t.Helper()
	p.waitVisible(css)
	p.focusField(css, false)
	p.do(chromedp.KeyEvent(text))
}

// fill replaces the value of the input matching css by text, typed.
func (p *page) fill(css, text string) {
	p.t.Helper()
	p.waitVisible(css)
	p.focusField(css, true)
	p.do(chromedp.KeyEvent(text))
}

// focusField focuses the field matching css with the caret at the end of
// its value; clear empties it first, as a person selecting all and
// deleting would (an input event tells the page).
func (p *page) focusField(css string, clear bool) {
	p.t.Helper()
	if !eval[bool](p, fmt.Sprintf(`(() => {
	  const e = document.querySelector(%s);
	  if (!e) return false;
	  e.focus();
	  if (%v && 'value' in e) { e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true })); }
	  if (e.setSelectionRange && typeof e.value === 'string') { try { e.setSelectionRange(e.value.length, e.value.length); } catch (_) {} }
	  return document.activeElement === e;
	})()`, js(css), clear)) {
		p.t.Fatalf("%s: could not focus %s", p.name, css)
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// eval evaluates expression on the page and decodes its value into T.
func eval[T any](p *page, expression string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		p.fatalf("evaluating %s: %v", expression, err)
	}
	return v
}

// try evaluates expression as a boolean, reporting errors instead of failing.
func (p *page) try(expression string) (bool, error) {
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expression+")"))
}

// waitFor polls expression until it is truthy, failing the test with what
// (a description) after waitTimeout or at the first console problem.
func (p *page) waitFor(what, expression string) {
	p.t.Helper()
	p.waitForWithin(waitTimeout, what, expression)
}

func (p *page) waitForWithin(timeout time.Duration, what, expression string) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := p.try(expression)
		if ok {
			return
		}
		lastErr = err
		p.mu.Lock()
		problem := len(p.problems) > 0
		p.mu.Unlock()
		if problem {
			p.fatalf("while waiting for %s: the page logged an error", what)
		}
		if time.Now().After(deadline) {
			p.fatalf("waited %v for %s (%s); last error: %v", timeout, what, expression, lastErr)
		}
		time.Sleep(pollInterval)
	}
}

// waitVisible waits for an element matching css that is rendered (has a box).
func (p *page) waitVisible(css string) {
	p.t.Helper()
	p.waitFor(css+" visible", visibleJS(css))
}

// visibleJS is an expression true when an element matching css is rendered.
func visibleJS(css string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden")`, js(css))
}

// waitGone waits until no element matching css is rendered.
func (p *page) waitGone(css string) {
	p.t.Helper()
	p.waitFor(css+" gone", "!("+visibleJS(css)+")")
}

// waitText waits for an element matching css whose text contains text.
func (p *page) waitText(css, text string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%s containing %q", css, text), containsJS(css, text))
}

func containsJS(css, text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%s)].some(e => e.textContent.includes(%s))`, js(css), js(text))
}

// waitCount waits until exactly n elements match css.
func (p *page) waitCount(css string, n int) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%d of %s", n, css), fmt.Sprintf(`document.querySelectorAll(%s).length === %d`, js(css), n))
}

// count is the number of elements matching css now.
func (p *page) count(css string) int {
	p.t.Helper()
	return eval[int](p, fmt.Sprintf(`document.querySelectorAll(%s).length`, js(css)))
}

// texts are the textContent of every element matching css, in order.
func (p *page) texts(css string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%s)].map(e => e.textContent)`, js(css)))
}

// screenshot captures the viewport as PNG.
func (p *page) screenshot() []byte {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fatalf("screenshot: %v", err)
	}
	return b
}

// idOf waits for an element matching css whose text contains text and
// returns its data-id (questions, polls and comments carry their id there).
func (p *page) idOf(css, text string) string {
	p.t.Helper()
	p.waitText(css, text)
	id := eval[string](p, fmt.Sprintf(`(([...document.querySelectorAll(%s)].find(e => e.textContent.includes(%s)) || {}).dataset || {}).id || ""`, js(css), js(text)))
	if id == "" {
		p.fatalf("%s containing %q has no data-id", css, text)
	}
	return id
}

// selectValue chooses value in the <select> matching css, as a user's pick
// does (the change event fires).
func (p *page) selectValue(css, value string) {
	p.t.Helper()
	p.waitVisible(css)
	ok := eval[bool](p, fmt.Sprintf(`(() => { const s = document.querySelector(%s);
		if (![...s.options].some(o => o.value === %s)) return false;
		s.value = %s; s.dispatchEvent(new Event("input", {bubbles: true})); s.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`,
		js(css), js(value), js(value)))
	if !ok {
		p.fatalf("%s has no option %q", css, value)
	}
}

// byID is a CSS selector for the element with test id testid and data-id id.
func byID(testid, id string) string {
	return fmt.Sprintf(`[data-testid=%q][data-id=%q]`, testid, id)
}

// tid is a CSS selector for test id testid.
func tid(testid string) string { return fmt.Sprintf(`[data-testid=%q]`, testid) }

// pathOf waits for an element matching css whose text contains text and
// returns a CSS selector for exactly that element (#id, or its ancestors'
// ids and :nth-child steps), for elements that carry no data-id.
func (p *page) pathOf(css, text string) string {
	p.t.Helper()
	p.waitText(css, text)
	path := eval[string](p, fmt.Sprintf(`(() => {
		let e = [...document.querySelectorAll(%s)].find(e => e.textContent.includes(%s));
		const steps = [];
		for (; e && e !== document.documentElement; e = e.parentElement) {
			if (e.id) { steps.unshift("#" + CSS.escape(e.id)); break; }
			steps.unshift(e.tagName.toLowerCase() + ":nth-child(" + ([...e.parentElement.children].indexOf(e) + 1) + ")");
		}
		return steps.join(" > ");
	})()`, js(css), js(text)))
	if path == "" {
		p.fatalf("no path to %s containing %q", css, text)
	}
	return path
}

// setChecked clicks the checkbox matching css if its state is not want.
func (p *page) setChecked(css string, want bool) {
	p.t.Helper()
	p.waitVisible(css)
	if eval[bool](p, `document.querySelector('`+css+`').checked`) != want {
		p.click(css)
	}
	p.waitFor(css+" checked="+fmt.Sprint(want), `document.querySelector('`+css+`').checked === `+fmt.Sprint(want))
}
