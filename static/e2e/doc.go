// Package e2e holds the end-to-end tests of the browser pages: the real
// hubbub binary, started as a process on a free port of 127.0.0.1, driven by
// a real headless Chromium through the DevTools protocol (chromedp).
//
// The package has no code outside its tests. TestMain builds the binary once
// and starts one browser for the whole package; each test opens its pages as
// tabs in their own browser contexts (separate storage, so separate
// participants), and a page that throws a JavaScript error or logs a console
// error fails its test.
//
// Chromium is Debian's chromium package at /usr/bin/chromium (or the binary
// named by HUBBUB_CHROMIUM); make deps installs it. The tests never skip:
// without Chromium they fail, saying what to install.
//
// Screenshots of the pages for the documentation are made by
// TestScreenshots; with HUBBUB_SCREENSHOTS=DIR it writes them to DIR:
//
//	HUBBUB_SCREENSHOTS=docs/screenshots go test -run TestScreenshots ./static/e2e/
package e2e
