package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"
)

// hubbubBin is the server binary TestMain built for the package.
var hubbubBin string

// browserCtx is the chromedp context of the package's one browser; every
// page is a tab (in a browser context of its own) under it.
var browserCtx context.Context

// buildTimeout bounds building the binary (cold caches, -race elsewhere on
// two cores).
const buildTimeout = 5 * time.Minute

// TestMain builds the server, starts Chromium, runs the tests, stops the
// browser and then checks that no goroutine is left behind.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hubbub-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	if hubbubBin, err = buildServer(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	chromium, err := findChromium()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	ctx, stop, err := startBrowser(chromium, filepath.Join(dir, "profile"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	browserCtx = ctx
	code := m.Run()
	stop()
	if code != 0 {
		return code
	}
	if err := goleak.Find(leakOptions()...); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: goroutines left behind:", err)
		return 1
	}
	return 0
}

// leakOptions are the goroutines goleak may find after the browser is
// stopped: none. chromedp runs goroutines per browser (the process waiter
// that also removes the profile directory, the pipe reader) and per tab (the
// event loop, each Events/Console subscription's AfterFunc). They end when
// their context ends, and stop() cancels the browser with chromedp.Cancel,
// which waits for the process and those goroutines; each page's cleanup
// cancels its tab and waits for the page's own readers. So goleak runs with
// no ignore: a leak here is a bug in a test (a page not closed, a reader
// not waited for, an HTTP connection kept alive).
func leakOptions() []goleak.Option { return nil }

// buildServer compiles ./cmd/hubbub into dir.
func buildServer(dir string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	bin := filepath.Join(dir, "hubbub")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/hubbubhq/hubbub/cmd/hubbub")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building cmd/hubbub: %v\n%s", err, out)
	}
	return bin, nil
}

// findChromium returns the browser to drive: $HUBBUB_CHROMIUM, else
// chromium on PATH. Missing is an error that says what to install.
func findChromium() (string, error) {
	if p := os.Getenv("HUBBUB_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("HUBBUB_CHROMIUM=%s: %v", p, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("the browser tests need Chromium and it is not on PATH: " +
		"run `make deps` as root, or `sudo apt-get install chromium fonts-noto-cjk fonts-noto-color-emoji` " +
		"(or set HUBBUB_CHROMIUM to a Chromium or Chrome binary)")
}

// browserFlags are Chromium's command line. Without the background
// networking, component update and sync switches Chromium tries to reach
// Google's services at start; on a machine without network access that
// stalls or fails the start.
func browserFlags(chromium, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// Background tabs must keep their timers and sockets running:
		// several pages of one test are open at once.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 900),
	}
}

// browserStartTimeout bounds Chromium's start.
const browserStartTimeout = 60 * time.Second

// startBrowser starts Chromium and returns its context and a stop func
// that closes it and waits for the process.
func startBrowser(chromium, profile string) (context.Context, func(), error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserFlags(chromium, profile)...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			cancel()
			cancelAlloc()
			return nil, nil, fmt.Errorf("starting %s: %w", chromium, err)
		}
	case <-time.After(browserStartTimeout):
		cancel()
		cancelAlloc()
		<-started
		return nil, nil, fmt.Errorf("%s did not start within %v", chromium, browserStartTimeout)
	}
	stop := func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancel()
		cancelAlloc()
	}
	return ctx, stop, nil
}
