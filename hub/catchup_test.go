package hub

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestSnapshotBomb is the attack as it was found: 200 fresh identities ask
// 3 questions each of 300 characters, nearly all `<` (which an HTML-escaping
// encoder makes 6 bytes each). Every join afterwards — host, moderator and
// audience — must still get welcome and a complete first screen, quickly:
// a catch-up is never refused for its size.
func TestSnapshotBomb(t *testing.T) {
	// The room-wide ask limit would spread the bomb out; this test is about
	// a room that holds all of it.
	ts := newTestServer(t, Config{}, rooms.Config{RoomAskRate: 1000, RoomAskBurst: 1000})
	room := ts.createRoom(t, "bombed")
	const identities, perIdentity = 200, 3
	var wg sync.WaitGroup
	for i := range identities {
		wg.Go(func() {
			c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
			defer c.drop()
			for j := range perIdentity {
				text := strings.Repeat("<", 296) + fmt.Sprintf("%04d", i*perIdentity+j)
				c.mustAck(int64(j+1), map[string]any{"type": "ask", "text": text})
			}
		})
	}
	wg.Wait()

	for _, who := range []struct{ name, token string }{
		{"host", room.HostKey}, {"moderator", room.ModeratorKey}, {"audience", ""},
	} {
		t.Run(who.name, func(t *testing.T) {
			start := time.Now()
			c, w, snap := ts.join(t, rooms.Hello{Room: room.Code, Token: who.token}, dialOpts{})
			took := time.Since(start)
			var s struct {
				Questions []struct {
					Text string `json:"text"`
				} `json:"questions"`
			}
			snap.decode(t, &s)
			if len(s.Questions) != identities*perIdentity {
				t.Fatalf("%s's snapshot has %d questions, want %d", w.Role, len(s.Questions), identities*perIdentity)
			}
			if !strings.HasPrefix(s.Questions[0].Text, "<<<<") {
				t.Fatalf("question text came back as %.20q", s.Questions[0].Text)
			}
			if strings.Contains(string(snap.raw), `\u003c`) {
				t.Fatalf("the snapshot escapes < as \\u003c: %d bytes for what fits in far fewer", len(snap.raw))
			}
			// How long it took is a figure, not a pass mark: a -race run on a
			// busy CI machine is no measure (the bound before the fix was
			// "never": every join was closed with 4008).
			t.Logf("%s: welcome and a snapshot of %d bytes in %v", who.name, len(snap.raw), took)
			// The connection is live after its catch-up: a command is answered.
			c.mustAck(1, map[string]any{"type": "react", "kind": "like"})
		})
	}
}

// TestCatchUpOutsideQueueBound: a snapshot far larger than the client's
// queue bound is still delivered, and the bound applies again to what
// follows it.
func TestCatchUpOutsideQueueBound(t *testing.T) {
	const bound = 8 << 10
	ts := newTestServer(t, Config{MaxQueueBytes: bound}, rooms.Config{AskBurst: 100, AskRate: 100, CommandBurst: 100, CommandRate: 100})
	room := ts.createRoom(t, "big")
	asker, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for i := range 60 {
		asker.mustAck(int64(i+1), map[string]any{"type": "ask",
			"text": strings.Repeat("x", 290) + fmt.Sprintf("%04d", i)})
	}
	c, _, snap := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	if len(snap.raw) < 2*bound {
		t.Fatalf("snapshot of %d bytes does not exceed the bound of %d enough to test it", len(snap.raw), bound)
	}
	c.mustAck(1, map[string]any{"type": "react", "kind": "like"})
}
