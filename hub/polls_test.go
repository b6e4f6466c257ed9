package hub

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestPollResultsVisibility: while a poll's results are not revealed, the
// audience's raw frames carry neither its tallies nor a quiz's answers —
// not in events, not in snapshots — while staff get live results; once
// revealed, everyone gets them.
func TestPollResultsVisibility(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Polls")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	voter, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	watcher, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	host.mustAck(1, map[string]any{"type": "poll_create", "kind": "quiz", "title": "Capital of France?",
		"options": []string{"Lyon", "Paris", "Nice"}, "correct": []int{1}, "state": "open"})
	pollEv := watcher.nextOf("poll")
	var p struct {
		ID      string          `json:"id"`
		Correct json.RawMessage `json:"correct"`
		Results json.RawMessage `json:"results"`
	}
	pollEv.decode(t, &p)
	if p.ID == "" || p.Correct != nil || p.Results != nil {
		t.Fatalf("the audience's poll event %s carries answers or results before the reveal", pollEv)
	}

	voter.mustAck(2, map[string]any{"type": "vote", "poll": p.ID, "choices": []int{1}})
	var res struct {
		Poll   string  `json:"poll"`
		Counts []int64 `json:"counts"`
		Total  int64   `json:"total"`
	}
	host.nextOf(rooms.EventResults).decode(t, &res)
	if res.Poll != p.ID || res.Total != 1 || len(res.Counts) != 3 || res.Counts[1] != 1 {
		t.Fatalf("the host's results %+v, want one ballot for option 1", res)
	}
	watcher.expectNo(rooms.EventResults, 800*time.Millisecond)
	_, _, snap := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if bytes.Contains(snap.raw, []byte(`"results"`)) || bytes.Contains(snap.raw, []byte(`"correct"`)) {
		t.Fatalf("an audience snapshot carries unrevealed results or answers: %s", snap)
	}
	for _, ev := range watcher.received() {
		if bytes.Contains(ev.raw, []byte(`"counts"`)) || bytes.Contains(ev.raw, []byte(`"correct"`)) {
			t.Fatalf("the audience received %s before the reveal", ev)
		}
	}

	host.mustAck(3, map[string]any{"type": "poll_set", "poll": p.ID, "state": "closed", "reveal": true})
	revealed := watcher.nextOf("poll")
	if !bytes.Contains(revealed.raw, []byte(`"results"`)) || !bytes.Contains(revealed.raw, []byte(`"correct":[1]`)) {
		t.Fatalf("after the reveal the audience got %s, want results and the answer", revealed)
	}
}

// received returns every event the client has received so far, read or not.
func (c *wsClient) received() []event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]event(nil), c.events...)
}
