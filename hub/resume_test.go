package hub

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestResume reconnects with `since`: a client that missed a few events
// gets exactly those, in order, after a welcome with resumed=true, then the
// current reactions and presence; a client further behind than the
// retained events, or with a since from the future, gets a snapshot.
func TestResume(t *testing.T) {
	const retained = 5
	ts := newTestServer(t, Config{}, rooms.Config{RetainedEvents: retained, CommentBurst: 100, CommentRate: 100})
	room := ts.createRoom(t, "Resume")
	post := func(n int) (last uint64) {
		for i := range n {
			last = ts.comment(t, room.Code, room.HostKey, fmt.Sprintf("comment %d", i)).Seq
		}
		return last
	}
	// A reaction total, which a resume must restore (reactions are not replayed).
	if status, body := ts.command(t, room.Code, room.HostKey, map[string]any{"type": "react", "kind": "clap"}); status != 200 {
		t.Fatalf("react: %d %s", status, body)
	}
	eventually(t, waitTimeout, "the reaction counted", func() bool {
		r, _ := ts.store.AddReactions(context.Background(), room.Code, rooms.Reactions{})
		return r[2] == 1 // clap
	})
	now := post(12) // seq 12; the log holds 8..12

	_, first, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if first.Seq != now {
		t.Fatalf("welcome seq = %d, want %d", first.Seq, now)
	}

	tests := []struct {
		name    string
		since   func(now uint64) uint64
		resumed bool
	}{
		{"nothing missed", func(now uint64) uint64 { return now }, true},
		{"one missed", func(now uint64) uint64 { return now - 1 }, true},
		{"all retained missed", func(now uint64) uint64 { return now - retained }, true},
		{"one more than retained", func(now uint64) uint64 { return now - retained - 1 }, false},
		{"far behind", func(uint64) uint64 { return 1 }, false},
		{"from the future", func(now uint64) uint64 { return now + 100 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			since := tt.since(now)
			c, w, snap := ts.join(t, rooms.Hello{Room: room.Code, Token: first.Token, Since: since}, dialOpts{})
			if w.Resumed != tt.resumed || w.Seq != now || w.Participant != first.Participant {
				t.Fatalf("welcome = %+v, want resumed %v at seq %d as %s", w, tt.resumed, now, first.Participant)
			}
			if !tt.resumed {
				if snap.Seq != now {
					t.Errorf("snapshot seq = %d, want %d", snap.Seq, now)
				}
				return
			}
			// Exactly the missed durable events, in order, then the counters.
			for want := since + 1; want <= now; want++ {
				ev := c.nextEvent()
				if ev.Type != "comment" || ev.Seq != want {
					t.Fatalf("replayed %s, want the comment at seq %d", ev, want)
				}
			}
			if ev := c.nextEvent(); ev.Type != rooms.EventReactions || !strings.Contains(ev.String(), `"clap":1`) {
				t.Errorf("after the replay: %s, want the current reactions", ev)
			}
			if ev := c.nextEvent(); ev.Type != rooms.EventPresence {
				t.Errorf("after the reactions: %s, want presence", ev)
			}
			// And live events continue after the replay without a gap or a duplicate.
			next := post(1)
			if ev := c.nextDurable(); ev.Seq != next {
				t.Errorf("first live event: %s, want seq %d", ev, next)
			}
			now = next
		})
	}
}

// TestResumeWhileEventsFlow resumes clients while comments are being
// posted: each sees every seq exactly once, in order.
func TestResumeWhileEventsFlow(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{CommentBurst: 10000, CommentRate: 10000})
	room := ts.createRoom(t, "Flow")
	_, w, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	host := rooms.Actor{Room: room.Code, Participant: rooms.HostParticipant, Role: rooms.RoleHost}

	const total = 300
	post := func(i int) error {
		_, err := ts.svc.Handle(ts.hub.ctx, host, rooms.Command{Type: "comment", Text: fmt.Sprint("flow ", i)})
		return err
	}
	// The resumes below use since 1..10: those seqs must exist already, or
	// the server rightly answers a since from the future with a snapshot.
	for i := range 10 {
		if err := post(i); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		for i := 10; i < total; i++ {
			if err := post(i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var clients []*wsClient
	for i := 1; i <= 10; i++ {
		c, cw, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: w.Token, Since: uint64(i)}, dialOpts{})
		if !cw.Resumed {
			t.Fatalf("since %d: not resumed", i)
		}
		c.t = t
		clients = append(clients, c)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		for want := uint64(i) + 2; want <= total; want++ {
			if ev := c.nextDurable(); ev.Seq != want {
				t.Fatalf("client resumed at %d: got %s, want seq %d", i+1, ev, want)
			}
		}
	}
}

// TestFirstJoinWhileEventsFlow joins rooms that have no connection on the
// instance yet while comments are being posted, so the room's fan-out
// starts in the middle of the stream: after its snapshot the client must
// see every later seq, without a gap.
func TestFirstJoinWhileEventsFlow(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{CommentBurst: 1 << 20, CommentRate: 1 << 20})
	for round := range 30 {
		room := ts.createRoom(t, "First")
		host := rooms.Actor{Room: room.Code, Participant: rooms.HostParticipant, Role: rooms.RoleHost}
		stop := make(chan struct{})
		posted := make(chan uint64, 1)
		go func() {
			var last uint64
			defer func() { posted <- last }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ack, err := ts.svc.Handle(ts.hub.ctx, host, rooms.Command{Type: "comment", Text: "burst"})
				if err != nil {
					return
				}
				last = ack.Seq
			}
		}()
		c, w, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		c.t = t
		time.Sleep(2 * time.Millisecond)
		close(stop)
		last := <-posted
		for want := w.Seq + 1; want <= last; want++ {
			if ev := c.nextDurable(); ev.Seq != want {
				t.Fatalf("round %d: joined at seq %d, then got %s, want seq %d", round, w.Seq, ev, want)
			}
		}
		c.drop()
	}
}
