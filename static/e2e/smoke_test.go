package e2e

import "testing"

// TestEveryPageLoadsCleanly opens the landing, audience, host and screen
// pages of a real room and checks that each renders without a script error.
func TestEveryPageLoadsCleanly(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Smoke", false)
	for _, path := range []string{"/", "/r/" + r.Code, "/host/" + r.Code, "/screen/" + r.Code} {
		p := openPage(t, path, s.URL+path)
		p.waitVisible("h1, main, body")
		if n := p.count("script[src^='http'], link[href^='http']"); n != 0 {
			t.Errorf("%s loads %d external resources; pages must work offline", path, n)
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
