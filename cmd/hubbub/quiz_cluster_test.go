package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// quizWatcher is a WebSocket client that keeps every event it receives.
type quizWatcher struct {
	conn *websocket.Conn

	mu     sync.Mutex
	cond   *sync.Cond
	events []json.RawMessage
	done   chan struct{}
}

func dialQuizWatcher(t *testing.T, url, room, token, name string) *quizWatcher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetReadLimit(1 << 24)
	w := &quizWatcher{conn: conn, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": room, "token": token, "name": name})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		defer w.cond.Broadcast()
		for {
			_, msg, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			w.mu.Lock()
			for line := range bytes.SplitSeq(msg, []byte("\n")) {
				w.events = append(w.events, bytes.Clone(line))
			}
			w.mu.Unlock()
			w.cond.Broadcast()
		}
	}()
	t.Cleanup(func() {
		conn.CloseNow()
		<-w.done
	})
	if !w.waitFor(func(e quizEvent) bool { return e.Type == "snapshot" }) {
		t.Fatalf("no snapshot from %s", url)
	}
	return w
}

// quizEvent is what these tests read of an event.
type quizEvent struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	ID    string `json:"id"`
	State string `json:"state"`
	Poll  string `json:"poll"`
	Code  string `json:"code"`
}

// matching returns the events match accepts.
func (w *quizWatcher) matching(match func(quizEvent) bool) []json.RawMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []json.RawMessage
	for _, raw := range w.events {
		var e quizEvent
		if json.Unmarshal(raw, &e) == nil && match(e) {
			out = append(out, raw)
		}
	}
	return out
}

// waitFor waits until an event that match accepts has arrived.
func (w *quizWatcher) waitFor(match func(quizEvent) bool) bool {
	deadline := time.Now().Add(clusterWait)
	timer := time.AfterFunc(clusterWait, w.cond.Broadcast)
	defer timer.Stop()
	for len(w.matching(match)) == 0 {
		w.mu.Lock()
		if time.Now().After(deadline) {
			w.mu.Unlock()
			return false
		}
		w.cond.Wait()
		w.mu.Unlock()
	}
	return true
}

// TestClusterQuizTimerClosesOnce: three instances with clients in one room
// all run the room's quiz timer; when it ends, the quiz is closed by
// exactly one durable `poll` event that every client receives once, in seq
// order, followed by the same leaderboard on every instance.
func TestClusterQuizTimerClosesOnce(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[0])
	var watchers []*quizWatcher
	for i, in := range c.instances {
		watchers = append(watchers,
			dialQuizWatcher(t, in.wsURL(), room.Code, room.HostKey, ""),
			dialQuizWatcher(t, in.wsURL(), room.Code, "", fmt.Sprintf("Player %d", i)))
	}
	status, body := c.do(t, http.MethodPost, c.instances[0].base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		`{"type":"poll_create","kind":"quiz","title":"2+2","options":["3","4"],"correct":[1],"seconds":1,"state":"open","reveal":true}`)
	var ack struct {
		Poll string `json:"poll"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &ack) != nil || ack.Poll == "" {
		t.Fatalf("poll_create: %d %s", status, body)
	}
	for i, w := range watchers {
		if i%2 == 1 {
			vote, _ := json.Marshal(map[string]any{"type": "vote", "id": 1, "poll": ack.Poll, "choices": []int{1}})
			if err := w.conn.Write(context.Background(), websocket.MessageText, vote); err != nil {
				t.Fatal(err)
			}
		}
	}
	closing := func(e quizEvent) bool { return e.Type == "poll" && e.ID == ack.Poll && e.State == "closed" }
	leaderboard := func(e quizEvent) bool { return e.Type == "leaderboard" && e.Poll == ack.Poll }
	for i, w := range watchers {
		if !w.waitFor(closing) || !w.waitFor(leaderboard) {
			t.Fatalf("client %d: no close and leaderboard of %s", i, ack.Poll)
		}
	}
	time.Sleep(300 * time.Millisecond) // room for a second close, if there were one
	var first json.RawMessage
	for i, w := range watchers {
		if got := w.matching(func(e quizEvent) bool { return e.Type == "error" }); len(got) != 0 {
			t.Errorf("client %d: %s", i, got[0])
		}
		closes := w.matching(closing)
		boards := w.matching(leaderboard)
		if len(closes) != 1 || len(boards) != 1 {
			t.Fatalf("client %d got %d closes and %d leaderboards, want one each:\n%s", i, len(closes), len(boards), closes)
		}
		// Every client gets the same board; a player's own standing ("you")
		// is its own, and a player who answered right has one.
		var board map[string]json.RawMessage
		if err := json.Unmarshal(boards[0], &board); err != nil {
			t.Fatal(err)
		}
		you, hasYou := board["you"]
		delete(board, "you")
		shared, _ := json.Marshal(board)
		if first == nil {
			first = shared
		} else if !bytes.Equal(shared, first) {
			t.Errorf("client %d's leaderboard %s differs from %s", i, shared, first)
		}
		if i%2 == 1 && (!hasYou || bytes.Contains(you, []byte(`"rank":0`))) {
			t.Errorf("client %d answered right, and its standing is %s", i, you)
		}
		var last uint64
		for _, raw := range w.matching(func(e quizEvent) bool { return e.Seq > 0 && e.Type != "welcome" }) {
			var e quizEvent
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			if e.Type != "snapshot" && e.Seq != last+1 {
				t.Errorf("client %d: %s seq %d after %d", i, e.Type, e.Seq, last)
			}
			last = e.Seq
		}
	}
	var lb struct {
		Question []struct {
			Name   string `json:"name"`
			Points int64  `json:"points"`
		} `json:"question"`
	}
	if err := json.Unmarshal(first, &lb); err != nil || len(lb.Question) != 3 {
		t.Fatalf("leaderboard %s, want the three players", first)
	}
}
