package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// TestConsoleRotatesKeys: the host replaces the moderator key from the
// console's Keys card; the moderator's console is closed and asks for a key,
// saying the host replaced it; the console shows the new moderator link,
// which opens a moderator console. Then the host replaces its own key:
// another console holding the old host key is closed, while the one that
// asked goes on with the new key. The Keys card is the host's only.
func TestConsoleRotatesKeys(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Keys", false)
	host := openPage(t, "host", hostURL(s, r))
	otherHost := openPage(t, "other host", hostURL(s, r))
	mod := openPage(t, "moderator", s.URL+"/host/"+r.Code+"#key="+url.QueryEscape(r.ModeratorKey))
	for _, p := range []*page{host, otherHost, mod} {
		p.waitVisible(tid("question-list"))
		showPanel(p, "#tab-room")
	}
	host.waitVisible(tid("rotate-moderator"))
	if eval[bool](mod, visibleJS(tid("keys"))) {
		t.Fatal("a moderator's console shows the Keys card")
	}

	host.click(tid("rotate-moderator")) // confirm() is accepted
	mod.waitVisible(tid("auth"))
	mod.waitText("#auth-error", "The host replaced this key")
	host.waitVisible(tid("new-link"))
	link := eval[string](host, `document.querySelector('`+tid("new-link")+`').value`)
	if !strings.Contains(link, "/host/"+r.Code+"#key=mk_") || strings.Contains(link, url.QueryEscape(r.ModeratorKey)) {
		t.Fatalf("new moderator link %q", link)
	}
	if d := host.Dialogs(); len(d) == 0 || !strings.Contains(d[len(d)-1], "moderator key") {
		t.Fatalf("no confirmation named the moderator key: %q", d)
	}
	newMod := openPage(t, "new moderator", link)
	newMod.waitText("#role-badge", "Moderator")

	host.click(tid("rotate-host"))
	otherHost.waitVisible(tid("auth"))
	otherHost.waitText("#auth-error", "The host replaced this key")
	host.waitFor("the new host link", `document.querySelector('`+tid("new-link")+`').value.includes("#key=hk_")`)
	// The console that rotated goes on: it still moderates.
	showPanel(host, "#tab-qa")
	otherAsk := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	otherAsk.typeInto(tid("ask-input"), "Still there after the key change?")
	otherAsk.click(tid("ask-submit"))
	host.waitText(tid("question-list"), "Still there after the key change?")
	if stored := eval[string](host, `localStorage.getItem('hubbub:key:`+r.Code+`') || ''`); !strings.HasPrefix(stored, "hk_") || stored == r.HostKey {
		t.Fatalf("the console kept %q, want the new host key", stored)
	}
	if eval[bool](host, visibleJS(tid("auth"))) {
		t.Fatal("the rotating console asks for a key")
	}
}

// showPanel clicks the console's tab css when the layout shows tabs (wide
// layouts show every panel at once).
func showPanel(p *page, css string) {
	p.t.Helper()
	if eval[bool](p, visibleJS(css)) {
		p.click(css)
		p.waitFor(css+" selected", `document.querySelector('`+css+`').getAttribute("aria-selected") === "true"`)
	}
}
