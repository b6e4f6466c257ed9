package hub

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// TestHTTPAPI checks the HTTP API's answers and status codes.
func TestHTTPAPI(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})

	status, body := ts.request(t, http.MethodPost, "/api/rooms", "", `{"title":"Town hall","moderation":true}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/rooms: %d %s", status, body)
	}
	var room rooms.Created
	if err := json.Unmarshal(body, &room); err != nil {
		t.Fatal(err)
	}
	if _, ok := rooms.NormalizeCode(room.Code); !ok || !strings.HasPrefix(room.HostKey, "hk_") ||
		!strings.HasPrefix(room.ModeratorKey, "mk_") || room.URLs.Audience != "/r/"+room.Code ||
		room.URLs.Host != "/host/"+room.Code || room.URLs.Screen != "/screen/"+room.Code {
		t.Fatalf("created = %+v", room)
	}
	_, member, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	ws, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	comment := func(text string) string { return `{"type":"comment","id":3,"text":"` + text + `"}` }
	tests := []struct {
		name   string
		method string
		path   string
		bearer string
		body   any
		status int
		want   string // a substring of the body
	}{
		{"create with an empty body", http.MethodPost, "/api/rooms", "", "", http.StatusCreated, `"host_key":"hk_`},
		{"create with bad JSON", http.MethodPost, "/api/rooms", "", `{"title":`, http.StatusBadRequest, `"code":"bad_request"`},
		{"create with a huge title", http.MethodPost, "/api/rooms", "", `{"title":"` + strings.Repeat("t", 200) + `"}`, http.StatusRequestEntityTooLarge, `"too_large"`},
		{"get room", http.MethodGet, "/api/rooms/" + room.Code, "", nil, http.StatusOK, `"title":"Town hall"`},
		{"get room, lower case", http.MethodGet, "/api/rooms/" + strings.ToLower(room.Code), "", nil, http.StatusOK, `"moderation":true`},
		{"get room with presence", http.MethodGet, "/api/rooms/" + room.Code, "", nil, http.StatusOK, `"presence":2`},
		{"get unknown room", http.MethodGet, "/api/rooms/ZZZZ22", "", nil, http.StatusNotFound, `"not_found"`},
		{"get malformed room", http.MethodGet, "/api/rooms/nope", "", nil, http.StatusNotFound, `"not_found"`},
		{"command as host", http.MethodPost, "/api/rooms/" + room.Code + "/commands", room.HostKey, comment("from a bot"), http.StatusOK, `"type":"ack","id":3,"seq":1,"comment":"c1"`},
		{"command as participant", http.MethodPost, "/api/rooms/" + room.Code + "/commands", member.Token, comment("from a token"), http.StatusOK, `"seq":2`},
		{"command without token", http.MethodPost, "/api/rooms/" + room.Code + "/commands", "", comment("x"), http.StatusUnauthorized, `"unauthorized"`},
		{"command with bad token", http.MethodPost, "/api/rooms/" + room.Code + "/commands", "pt1.bad.token", comment("x"), http.StatusUnauthorized, `"unauthorized"`},
		{"command with bad JSON", http.MethodPost, "/api/rooms/" + room.Code + "/commands", room.HostKey, `{"type":`, http.StatusBadRequest, `"bad_request"`},
		{"command too large", http.MethodPost, "/api/rooms/" + room.Code + "/commands", room.HostKey, comment(strings.Repeat("x", 5000)), http.StatusRequestEntityTooLarge, `"too_large"`},
		{"command forbidden", http.MethodPost, "/api/rooms/" + room.Code + "/commands", member.Token, `{"type":"room_set","id":4,"title":"mine"}`, http.StatusForbidden, `"type":"error","id":4,"code":"forbidden"`},
		{"command to unknown room", http.MethodPost, "/api/rooms/ZZZZ22/commands", room.HostKey, comment("x"), http.StatusNotFound, `"not_found"`},
		{"healthz", http.MethodGet, "/healthz", "", nil, http.StatusOK, `"ok"`},
		{"readyz", http.MethodGet, "/readyz", "", nil, http.StatusOK, `"ready"`},
		{"metrics", http.MethodGet, "/metrics", "", nil, http.StatusOK, "hubbub_connections 2"},
		{"metrics of the service", http.MethodGet, "/metrics", "", nil, http.StatusOK, "hubbub_commands_total"},
		{"landing page", http.MethodGet, "/", "", nil, http.StatusOK, "<html"},
		{"audience page", http.MethodGet, "/r/" + room.Code, "", nil, http.StatusOK, "<html"},
		{"host page", http.MethodGet, "/host/" + room.Code, "", nil, http.StatusOK, "<html"},
		{"screen page", http.MethodGet, "/screen/" + room.Code, "", nil, http.StatusOK, "<html"},
		{"no such page", http.MethodGet, "/nope", "", nil, http.StatusNotFound, `"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := ts.request(t, tt.method, tt.path, tt.bearer, tt.body)
			if status != tt.status || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tt.want)) {
				t.Errorf("%s %s: %d %.300s, want %d with %s", tt.method, tt.path, status, body, tt.status, tt.want)
			}
		})
	}

	// Commands over HTTP reach the room's WebSocket clients.
	for _, want := range []string{"from a bot", "from a token"} {
		var c commentMsg
		ws.nextOf("comment").decode(t, &c)
		if c.Text != want {
			t.Errorf("WebSocket client got comment %q, want %q", c.Text, want)
		}
	}
}

// TestOriginCheck checks that browsers on other sites cannot open a
// WebSocket unless their origin is allowed.
func TestOriginCheck(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string // "" : no Origin header; "self": the server's own
		status  int    // of a refused upgrade; 0: accepted
	}{
		{name: "no origin (not a browser)", origin: ""},
		{name: "same origin", origin: "self"},
		{name: "cross origin", origin: "https://evil.example", status: http.StatusForbidden},
		{name: "allowed origin", allowed: []string{"*.example.org"}, origin: "https://live.example.org"},
		{name: "other origin with a list", allowed: []string{"*.example.org"}, origin: "https://example.com", status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Config{AllowedOrigins: tt.allowed}, rooms.Config{})
			header := http.Header{}
			switch tt.origin {
			case "":
			case "self":
				header.Set("Origin", ts.URL)
			default:
				header.Set("Origin", tt.origin)
			}
			c, resp, err := ts.dial(t, dialOpts{header: header})
			if tt.status != 0 {
				if err == nil {
					t.Fatalf("dial with Origin %s was accepted", tt.origin)
				}
				if resp == nil || resp.StatusCode != tt.status {
					t.Fatalf("dial with Origin %s: %v (response %v), want %d", tt.origin, err, resp, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial with Origin %q: %v", tt.origin, err)
			}
			if got := c.conn.Subprotocol(); got != Subprotocol {
				t.Errorf("subprotocol = %q, want %q", got, Subprotocol)
			}
			room := ts.createRoom(t, "Origin")
			c.send(rooms.Hello{Type: "hello", Room: room.Code})
			c.readWelcome()
		})
	}
}

// TestPerIPCap checks the per-address connection cap: the connection past
// it is closed with 4029 and counted; a freed slot can be used again.
func TestPerIPCap(t *testing.T) {
	const limit = 3
	ts := newTestServer(t, Config{MaxConnsPerIP: limit}, rooms.Config{})
	room := ts.createRoom(t, "Cap")
	var in []*wsClient
	for range limit {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		in = append(in, c)
	}
	over := ts.mustDial(t, dialOpts{})
	over.expectClose(closeTooMany)
	if n := ts.metric(t, "hubbub_connections_rejected_total"); n != 1 {
		t.Errorf("hubbub_connections_rejected_total = %v, want 1", n)
	}
	in[0].drop()
	eventually(t, waitTimeout, "the slot freed", func() bool {
		return ts.metric(t, "hubbub_connections") == limit-1
	})
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	c.mustAck(1, map[string]any{"type": "react", "kind": "wow"})
	if got := websocket.CloseStatus(in[1].readErr()); got != -1 {
		t.Errorf("a member was closed with %d", got)
	}
}

// TestCreateRoomNeedsJSON is the cross-site attack as found: another site's
// page can POST text/plain (a form, or fetch in no-cors mode) without a
// preflight, and that created rooms. Only a JSON body creates one.
func TestCreateRoomNeedsJSON(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/api/rooms", strings.NewReader(`{"title":"from elsewhere"}`))
		if err != nil {
			t.Fatal(err)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Origin", "https://elsewhere.example")
		resp, err := ts.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(string(body), "application/json") {
			t.Errorf("POST /api/rooms with Content-Type %q: %d %s; want 415 naming application/json", ct, resp.StatusCode, body)
		}
	}
	if status, body := ts.request(t, http.MethodPost, "/api/rooms", "", `{"title":"ok"}`); status != http.StatusCreated {
		t.Fatalf("a JSON POST: %d %s", status, body)
	}
}
