package hub

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/hubbubhq/hubbub/rooms"
)

// keysAck is the ack of a key_rotate.
type keysAck struct {
	Type         string `json:"type"`
	HostKey      string `json:"host_key"`
	ModeratorKey string `json:"moderator_key"`
}

// rotate sends key_rotate from c and returns the new key.
func rotate(t *testing.T, c *wsClient, id int64, which string) keysAck {
	t.Helper()
	ev := c.request(id, map[string]any{"type": rooms.TypeKeyRotate, "key": which})
	var a keysAck
	ev.decode(t, &a)
	if a.Type != rooms.EventAck {
		t.Fatalf("key_rotate %s: %s", which, ev)
	}
	return a
}

// joinCloses checks that a hello with token is refused with code.
func joinCloses(t *testing.T, ts *testServer, code, token string, want websocket.StatusCode) {
	t.Helper()
	c := ts.mustDial(t, dialOpts{})
	c.send(rooms.Hello{Type: rooms.TypeHello, Room: code, Token: token})
	c.expectClose(want)
}

// TestKeyRotation: the host replaces the moderator key, then its own. Every
// connection that joined with a replaced key is closed with 4010, the old
// key is refused everywhere (WebSocket 4001, HTTP 401), the new one works,
// and the rotating console stays connected.
func TestKeyRotation(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Keys")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	otherConsole, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	mod1, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	mod2, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	audience, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	// Only the host rotates, and only a named key.
	if e := mod1.mustError(1, map[string]any{"type": rooms.TypeKeyRotate, "key": "moderator"}); e.Code != rooms.CodeForbidden {
		t.Fatalf("moderator rotating: %+v", e)
	}
	if e := audience.mustError(1, map[string]any{"type": rooms.TypeKeyRotate, "key": "host"}); e.Code != rooms.CodeForbidden {
		t.Fatalf("audience rotating: %+v", e)
	}
	if e := host.mustError(1, map[string]any{"type": rooms.TypeKeyRotate, "key": "screen"}); e.Code != rooms.CodeBadRequest {
		t.Fatalf("rotating an unknown key: %+v", e)
	}

	mk := rotate(t, host, 2, rooms.KeyModerator).ModeratorKey
	if !strings.HasPrefix(mk, "mk_") || mk == room.ModeratorKey {
		t.Fatalf("new moderator key %q", mk)
	}
	mod1.expectClose(rooms.CloseKeyRotated)
	mod2.expectClose(rooms.CloseKeyRotated)
	joinCloses(t, ts, room.Code, room.ModeratorKey, closeBadToken)
	if status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+"/export", room.ModeratorKey, nil); status != http.StatusUnauthorized {
		t.Fatalf("export with the old moderator key: %d %s", status, body)
	}
	newMod, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: mk}, dialOpts{})
	if w.Role != string(rooms.RoleModerator) {
		t.Fatalf("the new moderator key joins as %q", w.Role)
	}

	hk := rotate(t, host, 3, rooms.KeyHost).HostKey
	if !strings.HasPrefix(hk, "hk_") || hk == room.HostKey {
		t.Fatalf("new host key %q", hk)
	}
	otherConsole.expectClose(rooms.CloseKeyRotated)
	joinCloses(t, ts, room.Code, room.HostKey, closeBadToken)
	if status, _ := ts.command(t, room.Code, room.HostKey, map[string]any{"type": "room_set", "title": "old key"}); status != http.StatusUnauthorized {
		t.Fatalf("HTTP command with the old host key: %d", status)
	}
	if status, body := ts.command(t, room.Code, hk, map[string]any{"type": "room_set", "title": "new key"}); status != http.StatusOK {
		t.Fatalf("HTTP command with the new host key: %d %s", status, body)
	}
	// The rotating console, the new moderator and the audience stay.
	host.mustAck(4, map[string]any{"type": "room_set", "title": "still here"})
	newMod.mustAck(1, map[string]any{"type": "comment", "text": "moderating"})
	audience.mustAck(2, map[string]any{"type": "comment", "text": "listening"})
	if _, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: hk}, dialOpts{}); w.Role != string(rooms.RoleHost) {
		t.Fatalf("the new host key joins as %q", w.Role)
	}

	// Over HTTP the host gets a fresh key in the answer; the console that
	// holds the key it replaced is closed.
	status, body := ts.command(t, room.Code, hk, map[string]any{"type": rooms.TypeKeyRotate, "key": "host"})
	if status != http.StatusOK || !strings.Contains(string(body), `"host_key":"hk_`) {
		t.Fatalf("key_rotate over HTTP: %d %s", status, body)
	}
	host.expectClose(rooms.CloseKeyRotated)
}
