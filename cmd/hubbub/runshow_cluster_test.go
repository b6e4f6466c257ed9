package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// runEvent is what the run of show tests read of an event.
type runEvent struct {
	Type       string `json:"type"`
	ID         any    `json:"id"` // a poll's id, or an ack's number
	State      string `json:"state"`
	Poll       string `json:"poll"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	AdvancesAt int64  `json:"advances_at"`
}

// runEvents returns w's events that match accepts.
func runEvents(w *quizWatcher, match func(runEvent) bool) []runEvent {
	w.mu.Lock()
	raws := append([]json.RawMessage(nil), w.events...)
	w.mu.Unlock()
	var out []runEvent
	for _, raw := range raws {
		var e runEvent
		if json.Unmarshal(raw, &e) == nil && match(e) {
			out = append(out, e)
		}
	}
	return out
}

// waitRun waits until w has an event that match accepts.
func waitRun(w *quizWatcher, match func(runEvent) bool) bool {
	deadline := time.Now().Add(clusterWait)
	for len(runEvents(w, match)) == 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

func pollState(id, state string) func(runEvent) bool {
	return func(e runEvent) bool { return e.Type == "poll" && e.ID == id && e.State == state }
}

// TestClusterRunAdvancesOnce: two instances with clients in one room both
// run the timers of a sequence of quizzes that advance on their own; each
// quiz's timer close is followed, after its pause, by exactly one step:
// every client sees each next quiz open once, in turn, and the last one
// close with no step pending.
func TestClusterRunAdvancesOnce(t *testing.T) {
	c := startCluster(t, 2)
	room := c.createRoom(t, c.instances[0])
	var watchers []*quizWatcher
	for _, in := range c.instances {
		watchers = append(watchers,
			dialQuizWatcher(t, in.wsURL(), room.Code, room.HostKey, ""),
			dialQuizWatcher(t, in.wsURL(), room.Code, "", "Player"))
	}
	api := c.instances[0].base + "/api/rooms/" + room.Code + "/commands"
	for _, title := range []string{"Q1", "Q2", "Q3"} {
		status, body := c.do(t, http.MethodPost, api, room.HostKey,
			`{"type":"poll_create","kind":"quiz","title":"`+title+`","options":["no","yes"],"correct":[1],"seconds":1,"advance":3}`)
		if status != http.StatusOK {
			t.Fatalf("poll_create: %d %s", status, body)
		}
	}
	if status, body := c.do(t, http.MethodPost, api, room.HostKey, `{"type":"run_step","dir":"next","from":""}`); status != http.StatusOK {
		t.Fatalf("run_step: %d %s", status, body)
	}
	for i, w := range watchers {
		if !waitRun(w, pollState("p3", "closed")) {
			t.Fatalf("client %d: the run did not reach the end of p3", i)
		}
	}
	time.Sleep(4 * time.Second) // room for a double step, if there were one
	for i, w := range watchers {
		for _, id := range []string{"p1", "p2"} {
			if len(runEvents(w, func(e runEvent) bool { return pollState(id, "closed")(e) && e.AdvancesAt > 0 })) == 0 {
				t.Errorf("client %d: %s closed without advances_at", i, id)
			}
		}
		if n := len(runEvents(w, func(e runEvent) bool { return e.ID == "p3" && e.AdvancesAt > 0 })); n != 0 {
			t.Errorf("client %d: p3, the last of the run, has a step pending", i)
		}
	}
	for i, w := range watchers {
		for _, id := range []string{"p1", "p2", "p3"} {
			if n := len(runEvents(w, pollState(id, "open"))); n != 1 {
				t.Errorf("client %d: %s opened %d times, want once", i, id, n)
			}
		}
		if errs := runEvents(w, func(e runEvent) bool { return e.Type == "error" }); len(errs) > 0 {
			t.Errorf("client %d: %+v", i, errs)
		}
		if w2 := runEvents(w, func(e runEvent) bool { return pollState("p2", "open")(e) || pollState("p1", "closed")(e) }); len(w2) < 2 || w2[0].ID != "p1" {
			t.Errorf("client %d: p2 opened before p1 closed: %+v", i, w2)
		}
	}
}

// TestClusterRunStepOnce: two consoles on two instances press next at the
// same moment, both having seen the same cursor: one is acknowledged, the
// other refused with conflict, and one poll is open.
func TestClusterRunStepOnce(t *testing.T) {
	c := startCluster(t, 2)
	room := c.createRoom(t, c.instances[0])
	api := c.instances[0].base + "/api/rooms/" + room.Code + "/commands"
	for _, title := range []string{"One", "Two", "Three"} {
		if status, body := c.do(t, http.MethodPost, api, room.HostKey,
			`{"type":"poll_create","kind":"single","title":"`+title+`","options":["a","b"]}`); status != http.StatusOK {
			t.Fatalf("poll_create: %d %s", status, body)
		}
	}
	consoles := []*quizWatcher{
		dialQuizWatcher(t, c.instances[0].wsURL(), room.Code, room.HostKey, ""),
		dialQuizWatcher(t, c.instances[1].wsURL(), room.Code, room.HostKey, ""),
	}
	for round, from := range []string{"", "p1"} {
		var wg sync.WaitGroup
		for _, w := range consoles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd, _ := json.Marshal(map[string]any{"type": "run_step", "id": 100 + round, "dir": "next", "from": from})
				if err := w.conn.Write(context.Background(), websocket.MessageText, cmd); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		mine := func(e runEvent) bool { n, ok := e.ID.(float64); return ok && int(n) == 100+round }
		var acks, conflicts int
		for i, w := range consoles {
			if !waitRun(w, func(e runEvent) bool { return (e.Type == "ack" || e.Type == "error") && mine(e) }) {
				t.Fatalf("round %d: console %d got no answer", round, i)
			}
			for _, e := range runEvents(w, mine) {
				switch {
				case e.Type == "ack":
					acks++
				case e.Type == "error" && e.Code == "conflict":
					conflicts++
				default:
					t.Errorf("round %d: console %d got %+v", round, i, e)
				}
			}
		}
		if acks != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d acks and %d conflicts, want one of each", round, acks, conflicts)
		}
	}
	want := map[string]string{"p1": "closed", "p2": "open", "p3": "draft"}
	status, body := c.do(t, http.MethodGet, c.instances[1].base+"/api/rooms/"+room.Code+"/export?format=json", room.HostKey, "")
	var export struct {
		Polls []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"polls"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &export) != nil {
		t.Fatalf("export: %d %.200s", status, body)
	}
	for _, p := range export.Polls {
		if want[p.ID] != p.State {
			t.Errorf("%s is %s, want %s", p.ID, p.State, want[p.ID])
		}
	}
	if len(export.Polls) != 3 {
		t.Errorf("export has %d polls", len(export.Polls))
	}
}
