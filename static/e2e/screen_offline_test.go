package e2e

import "testing"

// TestScreenOfflineBannerCoversNothing: when the server goes away the
// screen says so in a banner of its own row; it does not cover the room's
// title (found: it did), and the stage still fits below it.
func TestScreenOfflineBannerCoversNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "A title that must stay readable while offline", false)
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "ask", "text": "Is the projector still showing this?"})
	p := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	p.allowConsole(`WebSocket|ERR_CONNECTION_REFUSED|/ws`)
	// Chromium may be fetching the icon when the server is killed (seen in CI on a clean clone).
	p.allowConsole(`/static/favicon\.svg\b.*ERR_CONNECTION_RESET`)
	p.waitText(tid("room-title"), "A title that must stay")
	p.waitCount(tid("question-list")+" "+tid("question"), 1)
	s.Kill()
	p.waitVisible(tid("offline-banner"))
	overlap := eval[bool](p, `(() => {
	  const a = document.querySelector('[data-testid="offline-banner"]').getBoundingClientRect();
	  const b = document.querySelector('[data-testid="room-title"]').getBoundingClientRect();
	  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
	})()`)
	if overlap {
		t.Fatal("the offline banner covers the room's title")
	}
	if out := eval[[]string](p, insideJS("#qa-view", ".top-q")); len(out) > 0 {
		t.Errorf("with the banner shown, questions leave the stage: %v", out)
	}
	if bottom := eval[float64](p, `document.querySelector('.screen-grid').getBoundingClientRect().bottom`); bottom > 721 {
		t.Errorf("the stage reaches %.0f px, below the 720-px screen", bottom)
	}
}
