package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// staffConn is a host or moderator connection held open to see how it ends.
type staffConn struct {
	conn *websocket.Conn
	role string
	done chan struct{}
	err  error // why reading ended; set before done is closed
}

// dialStaff joins room on url with key and reads until the welcome; then
// it keeps reading in the background until the connection ends.
func dialStaff(t *testing.T, url, room, key string) *staffConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(-1)
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": room, "token": key})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	_, msg, err := conn.Read(ctx)
	var w struct{ Type, Role string }
	if err != nil || json.Unmarshal([]byte(strings.SplitN(string(msg), "\n", 2)[0]), &w) != nil || w.Type != "welcome" {
		t.Fatalf("join with a staff key: %q %v", msg, err)
	}
	s := &staffConn{conn: conn, role: w.Role, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			if _, _, err := conn.Read(context.Background()); err != nil {
				s.err = err
				return
			}
		}
	}()
	t.Cleanup(func() { conn.CloseNow(); <-s.done })
	return s
}

// closedWith waits for the connection to end and returns its close code
// (-1 when it ended without one, 0 when still open after d).
func (s *staffConn) closedWith(d time.Duration) websocket.StatusCode {
	select {
	case <-s.done:
		return websocket.CloseStatus(s.err)
	case <-time.After(d):
		return 0
	}
}

// TestClusterKeyRotation: two instances share Redis; the host rotates the
// moderator key through instance a, and the moderator connected to
// instance b is closed with 4010; the old key is refused on both, the new
// one works on both. Then the host key: the console on b that holds the old
// one is closed, and the old host key stops working everywhere.
func TestClusterKeyRotation(t *testing.T) {
	c := startCluster(t, 2)
	a, b := c.instances[0], c.instances[1]
	status, body := c.do(t, http.MethodPost, a.base+"/api/rooms", "", `{"title":"keys"}`)
	var room struct {
		Code         string `json:"code"`
		HostKey      string `json:"host_key"`
		ModeratorKey string `json:"moderator_key"`
	}
	if status != http.StatusCreated || json.Unmarshal(body, &room) != nil {
		t.Fatalf("create room: %d %s", status, body)
	}
	modOnB := dialStaff(t, b.wsURL(), room.Code, room.ModeratorKey)
	hostOnB := dialStaff(t, b.wsURL(), room.Code, room.HostKey)
	if modOnB.role != "moderator" || hostOnB.role != "host" {
		t.Fatalf("roles %q %q", modOnB.role, hostOnB.role)
	}

	rotate := func(which string) string {
		t.Helper()
		status, body := c.do(t, http.MethodPost, a.base+"/api/rooms/"+room.Code+"/commands", room.HostKey, `{"type":"key_rotate","key":"`+which+`"}`)
		var ack map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &ack) != nil {
			t.Fatalf("key_rotate %s on a: %d %s", which, status, body)
		}
		key, _ := ack[which+"_key"].(string)
		if key == "" {
			t.Fatalf("key_rotate %s on a: no new key in %s", which, body)
		}
		return key
	}
	exportStatus := func(in *instance, key string) int {
		status, _ := c.do(t, http.MethodGet, in.base+"/api/rooms/"+room.Code+"/export", key, "")
		return status
	}

	newMod := rotate("moderator")
	if code := modOnB.closedWith(clusterWait); code != 4010 {
		t.Fatalf("moderator on b after the rotation on a: close %d (%v), want 4010", code, modOnB.err)
	}
	if code := hostOnB.closedWith(200 * time.Millisecond); code != 0 {
		t.Fatalf("the host's console on b closed with %d by a moderator key rotation", code)
	}
	for _, in := range []*instance{a, b} {
		if s := exportStatus(in, room.ModeratorKey); s != http.StatusUnauthorized {
			t.Fatalf("old moderator key on %s: %d", in.name, s)
		}
		if s := exportStatus(in, newMod); s != http.StatusOK {
			t.Fatalf("new moderator key on %s: %d", in.name, s)
		}
	}

	oldHost := room.HostKey
	newHost := rotate("host")
	if code := hostOnB.closedWith(clusterWait); code != 4010 {
		t.Fatalf("host console on b after the host key rotation: close %d (%v), want 4010", code, hostOnB.err)
	}
	for _, in := range []*instance{a, b} {
		if s := exportStatus(in, oldHost); s != http.StatusUnauthorized {
			t.Fatalf("old host key on %s: %d", in.name, s)
		}
		if s := exportStatus(in, newHost); s != http.StatusOK {
			t.Fatalf("new host key on %s: %d", in.name, s)
		}
	}
	if s := dialStaff(t, b.wsURL(), room.Code, newMod); s.role != "moderator" {
		t.Fatalf("new moderator key on b joins as %q", s.role)
	}
}
