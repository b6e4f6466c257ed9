package hub

import (
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestMintingLimitSharedByInstances: two instances on one Redis share the
// per-address limit on new participants. A script that spreads its minting
// over both gets the burst once, not twice.
func TestMintingLimitSharedByInstances(t *testing.T) {
	const burst = 10
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	cfg := Config{SharedLimits: rdb, MintBurst: burst, MintRate: 1}
	a, b := newTestServer(t, cfg, rooms.Config{}), newTestServer(t, cfg, rooms.Config{})
	roomA, roomB := a.createRoom(t, "a"), b.createRoom(t, "b")
	for i := range burst {
		ts, code := a, roomA.Code
		if i%2 == 1 {
			ts, code = b, roomB.Code
		}
		c, _, _ := ts.join(t, rooms.Hello{Room: code}, dialOpts{})
		c.drop()
	}
	for _, tc := range []struct {
		ts   *testServer
		code string
	}{{a, roomA.Code}, {b, roomB.Code}} {
		c := tc.ts.mustDial(t, dialOpts{})
		c.send(rooms.Hello{Type: rooms.TypeHello, Room: tc.code})
		c.expectClose(closeTooMany)
	}
}

// TestSharedLimitWithoutRedis: when Redis is gone, each instance's own
// buckets decide; joins neither fail nor go unlimited.
func TestSharedLimitWithoutRedis(t *testing.T) {
	const burst = 3
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ts := newTestServer(t, Config{SharedLimits: rdb, MintBurst: burst, MintRate: 1}, rooms.Config{})
	room := ts.createRoom(t, "r")
	srv.Kill()
	for range burst {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		c.drop()
	}
	c := ts.mustDial(t, dialOpts{})
	c.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})
	c.expectClose(closeTooMany)
}
