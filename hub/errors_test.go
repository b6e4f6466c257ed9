package hub

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// TestCommandErrors sends bad commands on a joined connection: each gets an
// `error` event with the protocol's code (echoing the command's id when it
// has one) and the connection stays open.
func TestCommandErrors(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Errors")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	tests := []struct {
		name  string
		frame string
		code  string
		id    int64 // 0: the error carries no id
	}{
		{"not JSON", `{not json`, rooms.CodeBadRequest, 0},
		{"not an object", `[1,2,3]`, rooms.CodeBadRequest, 0},
		{"empty object", `{}`, rooms.CodeBadRequest, 0},
		{"wrong field type keeps id", `{"type":"comment","id":41,"text":5}`, rooms.CodeBadRequest, 41},
		{"unknown type", `{"type":"dance","id":42}`, rooms.CodeBadRequest, 42},
		{"second hello", `{"type":"hello","id":43,"room":"` + room.Code + `"}`, rooms.CodeBadRequest, 43},
		{"empty comment", `{"type":"comment","id":44,"text":"   "}`, rooms.CodeBadRequest, 44},
		{"comment too long", `{"type":"comment","id":45,"text":"` + strings.Repeat("x", rooms.MaxCommentRunes+1) + `"}`, rooms.CodeTooLarge, 45},
		{"unknown reaction", `{"type":"react","id":46,"kind":"boo"}`, rooms.CodeBadRequest, 46},
		{"cid too long", `{"type":"comment","id":47,"text":"x","cid":"` + strings.Repeat("c", rooms.MaxCIDLength+1) + `"}`, rooms.CodeBadRequest, 47},
		{"ban by audience", `{"type":"ban","id":48,"participant":"p_00"}`, rooms.CodeForbidden, 48},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.send(tt.frame)
			ev := c.nextOf(rooms.EventError)
			var e errorMsg
			ev.decode(t, &e)
			if e.Code != tt.code || e.Message == "" {
				t.Errorf("error = %s, want code %s with a message", ev, tt.code)
			}
			switch {
			case tt.id == 0 && e.ID != nil:
				t.Errorf("error carries id %d, want none", *e.ID)
			case tt.id != 0 && (e.ID == nil || *e.ID != tt.id):
				t.Errorf("error = %s, want id %d", ev, tt.id)
			}
		})
	}
	c.t = t

	// A binary frame is not a command either.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageBinary, []byte(`{"type":"comment","text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if ev := c.nextOf(rooms.EventError); !strings.Contains(ev.String(), rooms.CodeBadRequest) {
		t.Errorf("binary frame: %s, want bad_request", ev)
	}
	// After all that the connection still works.
	if a := c.mustAck(99, map[string]any{"type": "comment", "text": "still here"}); a.ID != 99 || a.Seq == 0 {
		t.Errorf("ack = %+v, want id 99 with a seq", a)
	}
}

// TestCloseCodes checks every refusal that ends a connection with the
// close code the protocol names.
func TestCloseCodes(t *testing.T) {
	ts := newTestServer(t, Config{HelloTimeout: 200 * time.Millisecond}, rooms.Config{})
	room := ts.createRoom(t, "Codes")
	other := ts.createRoom(t, "Other")
	_, member, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	_, stranger, _ := ts.join(t, rooms.Hello{Room: other.Code}, dialOpts{})
	forged := member.Token[:len(member.Token)-4] + "AAAA"
	if forged == member.Token {
		forged = member.Token[:len(member.Token)-4] + "BBBB"
	}
	hello := func(room, token string) string {
		return `{"type":"hello","room":"` + room + `","token":"` + token + `"}`
	}

	tests := []struct {
		name   string
		frames []string // sent in order; none: stay silent
		join   bool     // a valid hello comes first
		code   websocket.StatusCode
	}{
		{name: "no hello in time", code: closeBadHello},
		{name: "first message not hello", frames: []string{`{"type":"comment","text":"hi"}`}, code: closeBadHello},
		{name: "first message not JSON", frames: []string{`hello?`}, code: closeBadHello},
		{name: "hello with a malformed room code", frames: []string{hello("room!", "")}, code: closeBadHello},
		{name: "unknown room", frames: []string{hello("ZZZZ22", "")}, code: closeNoRoom},
		{name: "forged token", frames: []string{hello(room.Code, forged)}, code: closeBadToken},
		{name: "token of another room", frames: []string{hello(room.Code, stranger.Token)}, code: closeBadToken},
		{name: "host key of another room", frames: []string{hello(room.Code, other.HostKey)}, code: closeBadToken},
		{name: "garbage token", frames: []string{hello(room.Code, "let-me-in")}, code: closeBadToken},
		{name: "oversized hello", frames: []string{`{"type":"hello","name":"` + strings.Repeat("a", ReadLimit) + `"}`}, code: websocket.StatusMessageTooBig},
		{name: "oversized command", join: true,
			frames: []string{`{"type":"comment","text":"` + strings.Repeat("a", ReadLimit) + `"}`}, code: websocket.StatusMessageTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *wsClient
			if tt.join {
				c, _, _ = ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
			} else {
				c = ts.mustDial(t, dialOpts{})
			}
			start := time.Now()
			for _, f := range tt.frames {
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				_ = c.conn.Write(ctx, websocket.MessageText, []byte(f)) // may fail once the server closes
				cancel()
			}
			c.expectClose(tt.code)
			if len(tt.frames) == 0 && time.Since(start) < 150*time.Millisecond {
				t.Errorf("closed after %v, before the 200 ms hello timeout", time.Since(start))
			}
		})
	}
}
