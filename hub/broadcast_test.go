package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// joinCounting joins room and counts the `comment` events it receives
// afterwards in *n. It may run on any goroutine: it returns errors instead
// of failing the test.
func (ts *testServer) joinCounting(t testing.TB, code string, n *atomic.Int64) (*wsClient, error) {
	c, _, err := ts.dial(t, dialOpts{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","room":"`+code+`"}`)); err != nil {
		return nil, err
	}
	for _, want := range []string{rooms.EventWelcome, rooms.EventSnapshot} {
		ev, ok, _ := c.tryNext(waitTimeout)
		if !ok || ev.Type != want {
			return nil, fmt.Errorf("waiting for %s: got %q (%v)", want, ev.raw, c.readErr())
		}
	}
	comment := []byte(`{"type":"comment",`)
	c.setHandler(func(line []byte, _ int, _ time.Time) {
		if bytes.HasPrefix(line, comment) {
			n.Add(1)
		}
	})
	return c, nil
}

// TestBroadcastThousandClients puts 1,000 real connections in one room: a
// comment reaches every one of them exactly once, and no client of another
// room.
func TestBroadcastThousandClients(t *testing.T) {
	const clients = 1000
	ts := newTestServer(t, Config{}, rooms.Config{})
	roomA := ts.createRoom(t, "Big room")
	roomB := ts.createRoom(t, "Next door")

	counts := make([]atomic.Int64, clients)
	var otherCount atomic.Int64
	if _, err := ts.joinCounting(t, roomB.Code, &otherCount); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		errMu   sync.Mutex
		joinErr error
	)
	for range 32 { // a bounded pool of dialers
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= clients {
					return
				}
				if _, err := ts.joinCounting(t, roomA.Code, &counts[i]); err != nil {
					errMu.Lock()
					joinErr = errors.Join(joinErr, fmt.Errorf("client %d: %w", i, err))
					errMu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if joinErr != nil {
		t.Fatal(joinErr)
	}
	t.Logf("%d clients joined in %v", clients, time.Since(start))
	if n := ts.hub.localCount(roomA.Code); n != clients {
		t.Fatalf("room has %d connections, want %d", n, clients)
	}

	start = time.Now()
	ts.comment(t, roomA.Code, roomA.HostKey, "hello, everyone")
	total := func() (sum int64) {
		for i := range counts {
			sum += counts[i].Load()
		}
		return sum
	}
	eventually(t, 10*time.Second, "the comment at every client", func() bool { return total() >= clients })
	t.Logf("the comment reached %d clients in %v", clients, time.Since(start))

	// The other room's client heard nothing; then hears its own room.
	time.Sleep(100 * time.Millisecond)
	if n := otherCount.Load(); n != 0 {
		t.Errorf("the client of another room got %d comments", n)
	}
	ts.comment(t, roomB.Code, roomB.HostKey, "next door")
	eventually(t, waitTimeout, "the other room's comment", func() bool { return otherCount.Load() == 1 })
	time.Sleep(100 * time.Millisecond)
	for i := range counts {
		if n := counts[i].Load(); n != 1 {
			t.Errorf("client %d got %d comments, want 1", i, n)
		}
	}
}

// TestFlushPolicyBatches publishes a burst of comments: a quiet client
// gets the first at once, and the burst in far fewer frames than events,
// at most one frame per flush interval.
func TestFlushPolicyBatches(t *testing.T) {
	const (
		interval = 50 * time.Millisecond
		burst    = 20
	)
	ts := newTestServer(t, Config{FlushInterval: interval}, rooms.Config{CommentBurst: 1000, CommentRate: 1000})
	room := ts.createRoom(t, "Flush")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	host := rooms.Actor{Room: room.Code, Participant: rooms.HostParticipant, Role: rooms.RoleHost}
	time.Sleep(2 * interval) // the client has been quiet for a flush interval

	start := time.Now()
	for i := range burst {
		if _, err := ts.svc.Handle(context.Background(), host, rooms.Command{Type: "comment", Text: fmt.Sprint("burst ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	published := time.Since(start)

	var got []event
	for len(got) < burst {
		got = append(got, c.nextOf("comment"))
	}
	firstLatency := got[0].recv.Sub(start)
	var frameTimes []time.Time
	for i, ev := range got {
		if want := got[0].Seq + uint64(i); ev.Seq != want {
			t.Fatalf("comment %d has seq %d, want %d", i, ev.Seq, want)
		}
		if i == 0 || ev.frame != got[i-1].frame {
			frameTimes = append(frameTimes, ev.recv)
		}
	}
	t.Logf("%d comments published in %v arrived in %d frames; the first after %v", burst, published, len(frameTimes), firstLatency)
	if firstLatency > interval {
		t.Errorf("the first comment took %v to a quiet client, want less than the flush interval %v", firstLatency, interval)
	}
	if len(frameTimes) > 5 {
		t.Errorf("%d comments in a burst arrived in %d frames, want far fewer", burst, len(frameTimes))
	}
	for i := 1; i < len(frameTimes); i++ {
		if gap := frameTimes[i].Sub(frameTimes[i-1]); gap < interval/2 {
			t.Errorf("frames %d and %d only %v apart, want about the flush interval %v", i, i+1, gap, interval)
		}
	}
}

// TestReactionsCoalesced sends many reactions: they arrive as a few
// `reactions` events whose deltas add up to the totals, and reactions past
// a participant's rate limit are dropped silently (acknowledged, not counted).
func TestReactionsCoalesced(t *testing.T) {
	const burst = 30 // reactions a participant may send at once
	ts := newTestServer(t, Config{}, rooms.Config{ReactBurst: burst, ReactRate: 0.001})
	room := ts.createRoom(t, "Reactions")
	watcher, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	a, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	b, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	// a: 20 likes then 30 claps; only its first 30 reactions count.
	id := int64(0)
	sendAll := func(c *wsClient, kind string, n int) {
		for range n {
			id++
			c.send(map[string]any{"type": "react", "kind": kind, "id": id})
		}
	}
	sendAll(a, "like", 20)
	sendAll(a, "clap", 30)
	sendAll(b, "love", 5)
	want := map[string]int64{"like": 20, "love": 5, "clap": 10, "laugh": 0, "wow": 0}

	// Every reaction is acknowledged; none gets an error, dropped or not.
	for c, n := range map[*wsClient]int{a: 50, b: 5} {
		for answers := 0; answers < n; {
			switch ev := c.nextEvent(); ev.Type {
			case rooms.EventAck:
				answers++
			case rooms.EventError:
				t.Fatalf("react answered with %s", ev)
			}
		}
	}

	sums := map[string]int64{}
	var events int
	for {
		ev := watcher.nextOf(rooms.EventReactions)
		events++
		var r struct {
			Counts map[string]int64 `json:"counts"`
			Delta  map[string]int64 `json:"delta"`
		}
		ev.decode(t, &r)
		for k, v := range r.Delta {
			if v <= 0 {
				t.Errorf("delta %s = %d in %s", k, v, ev)
			}
			sums[k] += v
		}
		for k, v := range r.Counts {
			if v != sums[k] {
				t.Errorf("counts %s = %d but the deltas so far add up to %d: %s", k, v, sums[k], ev)
			}
		}
		if r.Counts["like"] == want["like"] && r.Counts["clap"] == want["clap"] && r.Counts["love"] == want["love"] {
			for k, v := range want {
				if r.Counts[k] != v {
					t.Errorf("counts %s = %d, want %d", k, r.Counts[k], v)
				}
			}
			break
		}
	}
	if events > 5 {
		t.Errorf("55 reactions came as %d reactions events, want a few", events)
	}
	// Nothing else comes: the dropped reactions are not counted later.
	watcher.expectNo(rooms.EventReactions, 400*time.Millisecond)
	if n := ts.metric(t, "hubbub_reactions_dropped_total"); n != 20 {
		t.Errorf("hubbub_reactions_dropped_total = %v, want 20", n)
	}
}
