package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

// TestClusterNewerRulesMoveClients: a rolling upgrade. Two instances of
// this build serve a room on one Redis; an instance of the next rules
// version (played by appending an entry stamped RulesVersion+1 to the
// room's log) writes to the room. Every client of the room, on both
// instances, is closed with 1012 (service restart), so it reconnects, and
// its load balancer sends it to an upgraded instance; the old instances
// write nothing more to the room.
func TestClusterNewerRulesMoveClients(t *testing.T) {
	c := startCluster(t, 2)
	a, b := c.instances[0], c.instances[1]
	room := c.createRoom(t, a)
	host := dialStaff(t, a.wsURL(), room.Code, room.HostKey)
	audience := dialStaff(t, b.wsURL(), room.Code, "")
	if code := host.closedWith(200 * time.Millisecond); code != 0 {
		t.Fatalf("the host's connection ended before the upgrade: %v", code)
	}

	rdb := c.redis.Client(t)
	log := roomlog.NewRedis(rdb, roomlog.RedisOptions{})
	newer := rooms.EncodeRecord(rooms.Record{Op: rooms.OpComment, Staff: true, Text: "written by the next version"})
	if _, err := log.Append(context.Background(), room.Code, rooms.RulesVersion+1, newer, 0, 0); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		who  string
		conn *staffConn
	}{{"the host on a", host}, {"the audience on b", audience}} {
		if code := s.conn.closedWith(clusterWait); code != websocket.StatusServiceRestart {
			t.Errorf("%s: closed with %v, want 1012 (service restart)", s.who, code)
		}
	}
	// An old instance takes no more commands for the room (it cannot
	// apply what the newer rules wrote): 503, which a load balancer retries
	// elsewhere.
	status, body := c.do(t, http.MethodPost, a.base+"/api/rooms/"+room.Code+"/commands", room.HostKey, `{"type":"comment","text":"from the old build"}`)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), `"unavailable"`) {
		t.Fatalf("an old instance's answer to a command after the upgrade: %d %s; want 503 unavailable", status, body)
	}
	// A client that comes back to an old instance is sent on again.
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, b.wsURL(), &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","room":"`+room.Code+`"}`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != websocket.StatusServiceRestart {
				t.Fatalf("a join on an old instance after the upgrade: %q, then %v; want a close with 1012", got, err)
			}
			break
		}
		got = append(got, string(msg))
	}
}
