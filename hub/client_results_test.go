package hub

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hubbubhq/hubbub/rooms"
)

// lockedConn keeps a copy of every frame written to it, safely for a
// reader in another goroutine.
type lockedConn struct {
	benchConn
	mu     sync.Mutex
	frames []string
}

func (c *lockedConn) Write(_ context.Context, _ websocket.MessageType, p []byte) error {
	c.mu.Lock()
	c.frames = append(c.frames, string(p))
	c.mu.Unlock()
	return nil
}

func (c *lockedConn) CloseNow() error { return nil }

func (c *lockedConn) written() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.frames...)
}

// TestResultsSupersededInQueue: results of a poll still waiting in a
// client's queue are replaced by newer results of that poll, which go at
// the end of the queue; other events, and results of other polls, stay as
// they were, in order.
func TestResultsSupersededInQueue(t *testing.T) {
	// Long intervals: every event below is queued before the writer runs,
	// however slow the machine.
	h := New(Config{FlushInterval: 500 * time.Millisecond, CounterDelay: 500 * time.Millisecond}, nil, NewMemoryBroker(), nil, nil)
	fc := &lockedConn{}
	c := newClient(h, fc, "127.0.0.1")
	results := func(poll string, total int) *rooms.Event {
		b := rooms.ResultsEvent(rooms.PollResult{ID: poll, Kind: rooms.PollSingle, Revealed: true, Tally: rooms.Tally{Counts: []int64{int64(total)}, Total: int64(total)}})
		return &rooms.Event{Type: rooms.EventResults, Data: b, Staff: b}
	}
	comment := func(seq uint64) *rooms.Event {
		b := []byte(`{"type":"comment","seq":` + string(rune('0'+seq)) + `}`)
		return &rooms.Event{Seq: seq, Type: "comment", Data: b}
	}
	now := time.Now()
	c.mu.Lock()
	c.lastWrite = now // a frame was just written: what follows waits
	c.mu.Unlock()
	for _, ev := range []*rooms.Event{
		results("p1", 1), comment(1), results("p2", 1), results("p1", 2), comment(2), results("p1", 3), results("p10", 1),
	} {
		if !c.deliver(ev, now) {
			t.Fatalf("%s not queued", ev.Data)
		}
	}
	eventually(t, 5*time.Second, "the queued frame", func() bool { return len(fc.written()) > 0 })
	got := fc.written()
	want := strings.Join([]string{
		`{"type":"comment","seq":1}`,
		`{"type":"results","poll":"p2","counts":[1],"total":1}`,
		`{"type":"comment","seq":2}`,
		`{"type":"results","poll":"p1","counts":[3],"total":3}`,
		`{"type":"results","poll":"p10","counts":[1],"total":1}`,
	}, "\n")
	if len(got) != 1 || got[0] != want {
		t.Fatalf("frames %q\nwant one frame\n%s", got, want)
	}

	// The only event superseded: the frame holds the newer one alone.
	c.mu.Lock()
	c.lastWrite = time.Now()
	c.mu.Unlock()
	c.deliver(results("p1", 4), time.Now())
	c.deliver(results("p1", 5), time.Now())
	eventually(t, 5*time.Second, "the second frame", func() bool { return len(fc.written()) > 1 })
	if got := fc.written()[1]; got != `{"type":"results","poll":"p1","counts":[5],"total":5}` {
		t.Fatalf("second frame %q", got)
	}
	c.finish()
}

func TestResultsPoll(t *testing.T) {
	for in, want := range map[string]string{
		`{"type":"results","poll":"p3","counts":[],"total":0}`: "p3",
		`{"type":"votes","questions":{}}`:                      "",
		`{"type":"results","poll":"`:                           "",
	} {
		if got := resultsPoll([]byte(in)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("resultsPoll(%s) = %q, want %q", in, got, want)
		}
	}
}
