package hub

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// TestShutdown checks graceful shutdown: every client, in every room and
// in the middle of its handshake, is closed with 1012; the instance turns
// unready and refuses new connections with 1012.
func TestShutdown(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	var clients []*wsClient
	for range 2 {
		room := ts.createRoom(t, "Shutdown")
		for _, token := range []string{"", room.HostKey, room.ModeratorKey} {
			c, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: token}, dialOpts{})
			clients = append(clients, c)
		}
	}
	silent := ts.mustDial(t, dialOpts{}) // connected, no hello yet
	clients = append(clients, silent)
	eventually(t, waitTimeout, "every connection admitted", func() bool {
		return ts.metric(t, "hubbub_connections") == float64(len(clients))
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v with every client answering the close", d)
	}
	for i, c := range clients {
		if got := c.closeStatus(waitTimeout); got != websocket.StatusServiceRestart {
			t.Errorf("client %d closed with %d (%v), want 1012", i, got, c.readErr())
		}
	}
	if n := ts.metric(t, "hubbub_connections"); n != 0 {
		t.Errorf("hubbub_connections = %v after shutdown", n)
	}
	if status, body := ts.request(t, http.MethodGet, "/readyz", "", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz after shutdown: %d %s, want 503", status, body)
	}
	late := ts.mustDial(t, dialOpts{})
	late.expectClose(websocket.StatusServiceRestart)
}
