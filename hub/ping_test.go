package hub

import (
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestPingAnsweredWithPong: a client checking a quiet connection gets a
// pong with its id, and pings count against the command limit.
func TestPingAnsweredWithPong(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{CommandBurst: 2, CommandRate: 0.01})
	room := ts.createRoom(t, "ping")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for id := int64(1); id <= 2; id++ {
		c.send(map[string]any{"type": "ping", "id": id})
		ev := c.nextOf(rooms.EventPong)
		var p struct{ ID int64 }
		ev.decode(t, &p)
		if p.ID != id {
			t.Fatalf("pong %s answers ping %d", ev, id)
		}
	}
	if e := c.mustError(3, map[string]any{"type": "ping"}); e.Code != rooms.CodeRateLimited {
		t.Fatalf("a ping past the command limit: %+v, want rate_limited", e)
	}
}
