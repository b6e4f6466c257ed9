package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestClusterProtectionsHoldAcrossInstances: the room's protections are
// rules of its log, so two instances on one Redis apply them as one. A
// participant posts on one instance; its second post within the slow-mode
// window is refused on the other. A ban with cover_address made on the
// second instance covers the address the participant joined from on the
// first, and a fresh identity from it is refused on either.
func TestClusterProtectionsHoldAcrossInstances(t *testing.T) {
	c := startCluster(t, 2)
	a, b := c.instances[0], c.instances[1]
	room := c.createRoom(t, a)
	command := func(in *instance, bearer, body string) (int, map[string]any) {
		t.Helper()
		status, raw := c.do(t, http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", bearer, body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %d %s", body, status, raw)
		}
		return status, out
	}
	if status, out := command(b, room.HostKey, `{"type":"room_set","slow_mode_seconds":60}`); status != http.StatusOK {
		t.Fatalf("slow mode on: %d %v", status, out)
	}

	p, err := dialVoter(a.wsURL(), room.Code, "Pat", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if err := p.send(map[string]any{"type": "ask", "id": 1, "text": "first, on instance a"}); err != nil {
		t.Fatal(err)
	}
	if r, ok := p.reply(1); !ok || r.Type != "ack" {
		t.Fatalf("the first question on a: %+v", r)
	}
	status, out := command(b, p.token, `{"type":"comment","text":"second, on instance b","name":"Pat"}`)
	if status != http.StatusTooManyRequests || out["code"] != "slow_mode" || out["retry_at"] == nil {
		t.Fatalf("the second post on b within the window: %d %v; want 429 slow_mode with retry_at", status, out)
	}

	_, raw := c.do(t, http.MethodGet, b.base+"/api/rooms/"+room.Code+"/export?format=json", room.HostKey, "")
	var export struct {
		Questions []struct{ Handle string } `json:"questions"`
	}
	if err := json.Unmarshal(raw, &export); err != nil || len(export.Questions) != 1 || export.Questions[0].Handle == "" {
		t.Fatalf("export: %v %s", err, raw)
	}
	// Staff name the author by the question's handle; the room resolves it.
	item := export.Questions[0].Handle
	status, out = command(b, room.HostKey, `{"type":"ban","handle":"`+item+`","hide_posts":true}`)
	if status != http.StatusOK || out["hidden"] != float64(1) {
		t.Fatalf("the ban on b: %d %v; want hidden 1", status, out)
	}
	// The instance the participant joined on writes its joins (with their
	// address hashes) to the log about every 100 ms; a ban before that
	// knows no address and its ack says covered false, and the host may
	// ban again with the option. A host does so seconds later; the test
	// repeats the ban until a's joins are in.
	waitFor(t, "a ban on b that covers the address the participant joined from on a", func() bool {
		status, out = command(b, room.HostKey, `{"type":"ban","handle":"`+item+`","cover_address":true}`)
		return status == http.StatusOK && out["covered"] == true
	})

	for _, in := range []*instance{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
		conn, _, err := websocket.Dial(ctx, in.wsURL(), &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","room":"`+room.Code+`","name":"Pat again"}`))
		_, msg, err := conn.Read(ctx)
		cancel()
		conn.CloseNow()
		if websocket.CloseStatus(err) != 4003 {
			t.Fatalf("a fresh identity from the covered address on %s: %q, %v; want closed with 4003", in.name, msg, err)
		}
	}
}

// waitFor polls cond until it holds, for up to clusterWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(clusterWait); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestClusterAddressPostsAreShared: what one address may post in a room
// holds once over every instance on one Redis. Fresh identities from
// 127.0.0.1 comment alternately through a (WebSocket) and b (HTTP, with
// the identity's token), each once, under its own limits; the room takes
// the address's burst in all and refuses the next post on either
// instance with rate_limited.
func TestClusterAddressPostsAreShared(t *testing.T) {
	const burst = 4
	c := &cluster{redis: redistest.Start(t), http: &http.Client{}}
	t.Cleanup(c.http.CloseIdleConnections)
	limits := []string{"-secret", clusterSecret, "-address-post-rate", "0.01", "-address-post-burst", fmt.Sprint(burst)}
	a, b := startInstance(t, "a", c.redis.URL(), limits...), startInstance(t, "b", c.redis.URL(), limits...)
	c.instances = []*instance{a, b}
	room := c.createRoom(t, a)

	post := func(i int) string {
		t.Helper()
		v, err := dialVoter(a.wsURL(), room.Code, fmt.Sprintf("identity %d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		defer v.close()
		if i%2 == 1 {
			status, raw := c.do(t, http.MethodPost, b.base+"/api/rooms/"+room.Code+"/commands", v.token,
				fmt.Sprintf(`{"type":"comment","text":"comment %d over HTTP on b"}`, i))
			var out struct{ Type, Code string }
			_ = json.Unmarshal(raw, &out)
			return fmt.Sprintf("%d %s%s", status, out.Type, out.Code)
		}
		if err := v.send(map[string]any{"type": "comment", "id": 1, "text": fmt.Sprintf("comment %d over WebSocket on a", i)}); err != nil {
			t.Fatal(err)
		}
		r, ok := v.reply(1)
		if !ok {
			t.Fatalf("identity %d: no answer on a", i)
		}
		return r.Type + r.Code
	}
	for i := range burst {
		if got := post(i); got != "ack" && got != "200 ack" {
			t.Fatalf("post %d of the address's burst of %d: %s", i, burst, got)
		}
	}
	if got := post(burst); got != "errorrate_limited" {
		t.Fatalf("the next post on a: %s, want rate_limited", got)
	}
	if got := post(burst + 1); got != "429 errorrate_limited" {
		t.Fatalf("the next post on b: %s, want 429 rate_limited", got)
	}
}
