package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// viewer is an audience member that keeps the room's comments as the
// server shows them: a snapshot replaces its view, events change it by
// seq, and a closed connection resumes on the same instance with since.
// It notes duplicates, gaps and a comment id given to two texts.
type viewer struct {
	url, room string

	mu       sync.Mutex
	cond     *sync.Cond
	token    string
	seq      uint64
	comments map[string]string // id → text
	// ever: every comment id this viewer was shown, with its text, kept
	// across snapshots and sessions: an id given to two comments is a
	// problem even when a snapshot replaced the first.
	ever      map[string]string
	snapshots int
	epochs    []uint64 // each welcome's epoch
	problems  []string
	closed    bool
	done      chan struct{}
}

func watchRoom(t *testing.T, url, room string) *viewer {
	t.Helper()
	return resumeWatching(t, url, room, nil)
}

// resumeWatching starts a viewer where old (closed) left off: its token,
// seq and comments; nil: a new viewer.
func resumeWatching(t *testing.T, url, room string, old *viewer) *viewer {
	t.Helper()
	v := &viewer{url: url, room: room, comments: map[string]string{}, ever: map[string]string{}, done: make(chan struct{})}
	if old != nil {
		old.mu.Lock()
		v.token, v.seq, v.comments, v.snapshots = old.token, old.seq, maps.Clone(old.comments), old.snapshots
		v.ever = maps.Clone(old.ever)
		v.epochs = slices.Clone(old.epochs)
		old.mu.Unlock()
	}
	v.cond = sync.NewCond(&v.mu)
	go v.run()
	t.Cleanup(v.close)
	if !v.waitUntil(func() bool { return v.snapshots > 0 }) {
		t.Fatalf("no snapshot from %s", url)
	}
	return v
}

// close ends the viewer's connection for good.
func (v *viewer) close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	<-v.done
}

func (v *viewer) run() {
	defer close(v.done)
	for {
		v.mu.Lock()
		stop := v.closed
		hello, _ := json.Marshal(map[string]any{"type": "hello", "room": v.room, "token": v.token, "since": v.seq})
		v.mu.Unlock()
		if stop {
			return
		}
		if err := v.session(hello); err != nil {
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// session is one connection: until it ends, or the viewer is closed.
func (v *viewer) session(hello []byte) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, _, err := websocket.Dial(ctx, v.url, &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 24)
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		return err
	}
	go func() { // end the read when the viewer is closed
		for {
			v.mu.Lock()
			stop := v.closed
			v.mu.Unlock()
			if stop || ctx.Err() != nil {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		for line := range bytes.SplitSeq(msg, []byte("\n")) {
			v.apply(line)
		}
	}
}

func (v *viewer) apply(line []byte) {
	var ev struct {
		Type     string
		Seq      uint64
		Token    string
		ID       json.RawMessage
		Text     string
		Comments []struct{ ID, Text string }
		Epoch    uint64
	}
	if len(line) == 0 || json.Unmarshal(line, &ev) != nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	defer v.cond.Broadcast()
	switch ev.Type {
	case "welcome":
		v.token = ev.Token
		v.epochs = append(v.epochs, ev.Epoch)
		return
	case "snapshot":
		v.seq, v.snapshots = ev.Seq, v.snapshots+1
		v.comments = map[string]string{}
		for _, c := range ev.Comments {
			v.comments[c.ID] = c.Text
			v.shown(c.ID, c.Text)
		}
		return
	}
	if ev.Seq == 0 {
		return
	}
	switch {
	case ev.Seq <= v.seq:
		v.problems = append(v.problems, fmt.Sprintf("duplicate %s seq %d after %d", ev.Type, ev.Seq, v.seq))
		return
	case ev.Seq > v.seq+1:
		v.problems = append(v.problems, fmt.Sprintf("gap: %s seq %d after %d", ev.Type, ev.Seq, v.seq))
	}
	v.seq = ev.Seq
	var id string
	_ = json.Unmarshal(ev.ID, &id)
	switch ev.Type {
	case "comment":
		if old, ok := v.comments[id]; ok && old != ev.Text {
			v.problems = append(v.problems, fmt.Sprintf("comment %s was %q and is now %q", id, old, ev.Text))
		}
		v.comments[id] = ev.Text
		v.shown(id, ev.Text)
	case "comment_deleted":
		delete(v.comments, id)
	}
}

// shown records that comment id was shown with text, and a problem when
// the id was shown before with another text.
func (v *viewer) shown(id, text string) {
	if old, ok := v.ever[id]; ok && old != text {
		v.problems = append(v.problems, fmt.Sprintf("comment id %s was given to %q and then to %q", id, old, text))
	}
	v.ever[id] = text
}

func (v *viewer) waitUntil(cond func() bool) bool { return waitCond(v.cond, clusterWait, cond) }

// TestClusterRedisLosesWritesNewEpoch restarts Redis without AOF from an
// older save while two instances serve a room: the log went backwards, so
// the room starts a new epoch. Every client gets a fresh snapshot, and
// ends with exactly the comments the room has (the export), none twice,
// no comment id reused for another text; the acknowledged comments from
// before the save and after the restart are all there.
func TestClusterRedisLosesWritesNewEpoch(t *testing.T) {
	c := startCluster(t, 2)
	rdb := c.redis.Client(t)
	room := c.createRoom(t, c.instances[0])
	var viewers []*viewer
	for i := range 4 {
		viewers = append(viewers, watchRoom(t, c.instances[i%2].wsURL(), room.Code))
	}
	var p poster
	for i := range 20 {
		p.post(c, room, c.instances[i%2], fmt.Sprintf("saved %d", i))
	}
	if err := rdb.Save(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 15 {
		p.post(c, room, c.instances[i%2], fmt.Sprintf("lost %d", i))
	}
	acked, failed := p.result()
	if len(acked) != 35 || len(failed) > 0 {
		t.Fatalf("%d comments acknowledged before the restart, failed: %v", len(acked), failed)
	}
	for _, v := range viewers {
		if !v.waitUntil(func() bool { return len(v.comments) == 35 }) {
			t.Fatalf("a viewer has %d comments before the restart, want 35", len(v.comments))
		}
	}
	// One viewer is away (a phone asleep) from now until the room has
	// more events after the restart than it had before.
	asleep := viewers[3]
	asleep.close()
	viewers = viewers[:3]
	c.redis.Kill()
	c.redis.Start()

	// Comments after the restart, through both instances, until each is
	// acknowledged (the first ones may meet Redis still loading).
	var after []string
	for i := range 20 {
		text := fmt.Sprintf("after %d", i)
		deadline := time.Now().Add(clusterWait)
		for {
			status, body, err := c.tryDo(http.MethodPost, c.instances[i%2].base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
				fmt.Sprintf(`{"type":"comment","text":%q,"cid":%q}`, text, text))
			if err == nil && status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("comment %q after the restart: %d %s %v", text, status, body, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		after = append(after, text)
	}

	// Back with since = the seq of the lost history, which the room has
	// passed again (20 saved and 20 new comments against 35): it must not
	// be taken for a resume of this history.
	viewers = append(viewers, resumeWatching(t, c.instances[0].wsURL(), room.Code, asleep))

	status, body := c.do(t, http.MethodGet, c.instances[1].base+"/api/rooms/"+room.Code+"/export", room.HostKey, "")
	var export struct {
		Seq      uint64
		Comments []struct{ ID, Text string }
	}
	if status != http.StatusOK || json.Unmarshal(body, &export) != nil {
		t.Fatalf("export: %d %.300s", status, body)
	}
	want := map[string]string{}
	texts := map[string]bool{}
	for _, cm := range export.Comments {
		want[cm.ID] = cm.Text
		if texts[cm.Text] {
			t.Errorf("the room has comment %q twice", cm.Text)
		}
		texts[cm.Text] = true
	}
	for i := range 20 {
		if !texts[fmt.Sprintf("saved %d", i)] {
			t.Errorf("comment %q, saved before the restart, is gone", fmt.Sprintf("saved %d", i))
		}
	}
	for _, text := range after {
		if !texts[text] {
			t.Errorf("comment %q, acknowledged after the restart, is gone", text)
		}
	}
	if texts["lost 14"] {
		t.Errorf("the room kept comments Redis lost: the test did not lose writes")
	}
	for i, v := range viewers {
		if !v.waitUntil(func() bool { return v.seq == export.Seq }) {
			t.Fatalf("viewer %d at seq %d, the room at %d", i, v.seq, export.Seq)
		}
		v.mu.Lock()
		if !maps.Equal(v.comments, want) {
			t.Errorf("viewer %d shows %d comments, the room has %d: %v", i, len(v.comments), len(want), v.comments)
		}
		if v.snapshots < 2 {
			t.Errorf("viewer %d got no fresh snapshot after the log went backwards", i)
		}
		if n := len(v.epochs); n < 2 || v.epochs[0] == 0 || v.epochs[n-1] <= v.epochs[0] {
			t.Errorf("viewer %d saw epochs %v: want a new, higher one after the restart", i, v.epochs)
		}
		for _, p := range v.problems {
			t.Errorf("viewer %d: %s", i, p)
		}
		v.mu.Unlock()
	}
	t.Logf("room at seq %d after the new epoch", export.Seq)
}
