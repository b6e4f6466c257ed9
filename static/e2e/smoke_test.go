package e2e

import (
	"strings"
	"testing"
	"time"
)

// everyPage lists the addresses of r's pages: landing, audience, host
// console and report (with the host key), and screen.
func everyPage(r room) []string {
	return []string{"/", "/r/" + r.Code, "/host/" + r.Code + "#key=" + r.HostKey, "/screen/" + r.Code, "/report/" + r.Code + "#key=" + r.HostKey}
}

// TestEveryPageLoadsCleanly opens the landing, audience, host, screen and
// report pages of a real room and checks that each renders without a
// script error or a failed load, and loads nothing from elsewhere.
func TestEveryPageLoadsCleanly(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Smoke", false)
	for _, path := range everyPage(r) {
		p := openPage(t, path, s.URL+path)
		p.waitVisible("h1, main, body")
		time.Sleep(300 * time.Millisecond) // late requests (fonts, images, the QR code)
		for _, u := range p.Requests() {
			if !strings.HasPrefix(u, s.URL+"/") && !strings.HasPrefix(u, "ws"+strings.TrimPrefix(s.URL, "http")+"/") &&
				!strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				t.Errorf("%s requested %s: pages must load only from their server", path, u)
			}
		}
		if len(p.Requests()) < 2 {
			t.Errorf("%s: saw only %v requested; the request recorder is not working", path, p.Requests())
		}
		if icon := eval[string](p, `(document.querySelector('link[rel="icon"]') || {}).href || ""`); !strings.HasSuffix(icon, "/static/favicon.svg") {
			t.Errorf("%s has no icon of its own (link rel=icon: %q)", path, icon)
		}
	}
}

// TestUnknownRoomSaysSo: the audience page of a code no room has stops
// trying and says so, instead of reconnecting forever.
func TestUnknownRoomSaysSo(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	p := openPage(t, "audience", s.URL+"/r/ZZZZZZ")
	p.waitText(tid("stopped"), "There is no room with this code.")
	if eval[bool](p, visibleJS(tid("offline-banner"))) {
		t.Errorf("the offline banner is shown for a room that does not exist")
	}
}

// TestContentSecurityPolicyEnforced: the pages run under a policy that
// refuses inline styles and scripts in a real browser. Every other test
// fails on any console error, so a page that broke the policy (which
// Chromium reports on the console) fails them all; this one shows the
// policy is really in force.
func TestContentSecurityPolicyEnforced(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Policy", false)
	p := openPage(t, "audience", s.URL+"/r/"+r.Code)
	p.waitVisible("h1")
	p.allowConsole(`Content Security Policy`)
	injected := eval[string](p, `(() => {
		const s = document.createElement("style");
		s.textContent = "body { color: rgb(1, 2, 3) !important; }";
		document.head.append(s);
		const js = document.createElement("script");
		js.textContent = "window.inlineRan = true";
		document.head.append(js);
		return getComputedStyle(document.body).color + " " + Boolean(window.inlineRan);
	})()`)
	if strings.Contains(injected, "rgb(1, 2, 3)") || strings.HasSuffix(injected, "true") {
		t.Fatalf("an inline style or script took effect (%s): the policy is not in force", injected)
	}
}

// TestScreenDropsKeyFromAddress: the console opens the screen with its key
// in the address fragment; the screen takes it out of the address bar at
// once, so nobody reads the host's key off the projector or the shared
// laptop's history.
func TestScreenDropsKeyFromAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Stage", false)
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code+"#key="+r.HostKey, viewport(1280, 720, 1, false))
	screen.waitFor("the screen to connect", `document.querySelector('#presence-count') && document.querySelector('#presence-count').textContent.trim() !== ''`)
	if href := eval[string](screen, "location.href"); strings.Contains(href, "key") || strings.Contains(href, r.HostKey) {
		t.Fatalf("the screen's address still holds the key: %s", href)
	}
}
