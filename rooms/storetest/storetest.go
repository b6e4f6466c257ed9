// Package storetest tests a rooms.Store through its interface only, so it
// says what the Store does, not how: rooms.TestLogStore runs it against the
// LogStore over the memory and the disk log (store_log_test.go).
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// NewStore makes the Store under test. It publishes every durable event on
// pub and keeps exactly the newest retained events of each room for Since.
// The suite creates its rooms with fresh random codes, so stores made by one
// factory may share a backend (one Redis server); the factory registers any
// cleanup with t.Cleanup.
type NewStore func(t *testing.T, pub rooms.Publisher, retained int) rooms.Store

// DefaultRetained is the retained-events bound the suite asks for, except
// in the tests of the bound itself and of concurrency.
const DefaultRetained = 100

// publishWait bounds how long the suite waits for published events to
// arrive at the Publisher (a store may publish asynchronously).
const publishWait = 5 * time.Second

// Run checks every rule of rooms.Store against the stores newStore makes.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newStore NewStore)
	}{
		{"CreateRoom", testCreateRoom},
		{"UnknownRoom", testUnknownRoom},
		{"UpdateRoom", testUpdateRoom},
		{"AddComment", testAddComment},
		{"AddCommentRefusals", testAddCommentRefusals},
		{"CommentIdempotency", testCommentIdempotency},
		{"DeleteComment", testDeleteComment},
		{"Ban", testBan},
		{"AddReactions", testAddReactions},
		{"Since", testSince},
		{"SinceRetained", testSinceRetained},
		{"State", testState},
		{"RoomsAreIndependent", testRoomsIndependent},
		{"PublishOrder", testPublishOrder},
		{"ConcurrentAddComment", testConcurrentAddComment},
		{"ConcurrentSameCID", testConcurrentSameCID},
		{"Ping", testPing},
		{"AllBallots", testAllBallots},
		{"QA", testQA},
		{"Polls", testPolls},
		{"Quiz", testQuiz},
		{"Insight", testInsight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore) })
	}
}

// Recorder is a Publisher that records what it is given, per room. It is
// safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events map[string][]rooms.Event
	added  chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{events: make(map[string][]rooms.Event), added: make(chan struct{}, 1)}
}

// Publish implements rooms.Publisher.
func (r *Recorder) Publish(room string, ev rooms.Event) {
	if ev.Internal() {
		// A store may tell its instances more (a ban, from a store whose
		// instances each apply the log); the suite is about durable events.
		return
	}
	r.mu.Lock()
	r.events[room] = append(r.events[room], ev)
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
}

// Events returns a copy of what was published for room so far.
func (r *Recorder) Events(room string) []rooms.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rooms.Event(nil), r.events[room]...)
}

// Wait returns the events of room once at least n have arrived, or fails t
// after a few seconds.
func (r *Recorder) Wait(t testing.TB, room string, n int) []rooms.Event {
	t.Helper()
	deadline := time.NewTimer(publishWait)
	defer deadline.Stop()
	for {
		if evs := r.Events(room); len(evs) >= n {
			return evs
		}
		select {
		case <-r.added:
		case <-deadline.C:
			t.Fatalf("room %s: %d events published, want %d", room, len(r.Events(room)), n)
		}
	}
}

// fixture is one store with one fresh room.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store rooms.Store
	pub   *Recorder
	code  string
	// made are the non-zero events the store returned, in call order.
	made []rooms.Event
}

func newFixture(t *testing.T, newStore NewStore, retained int) *fixture {
	t.Helper()
	pub := NewRecorder()
	f := &fixture{t: t, ctx: context.Background(), store: newStore(t, pub, retained), pub: pub}
	f.code = f.newRoom()
	return f
}

// newRoom creates a room with a fresh code and every feature on.
func (f *fixture) newRoom() string {
	f.t.Helper()
	for range 10 {
		code := rooms.NewRoomCode()
		err := f.store.CreateRoom(f.ctx, record(code))
		if errors.Is(err, rooms.ErrRoomExists) {
			continue // another test's room on a shared backend
		}
		if err != nil {
			f.t.Fatalf("CreateRoom: %v", err)
		}
		return code
	}
	f.t.Fatal("CreateRoom: no free code in 10 attempts")
	return ""
}

func record(code string) rooms.RoomRecord {
	return rooms.RoomRecord{
		Room:             rooms.NewRoom(code, "Room "+code, false, 1700000000000),
		HostKeyHash:      rooms.HashKey("hk_" + code),
		ModeratorKeyHash: rooms.HashKey("mk_" + code),
	}
}

func author(name string) *string { return &name }

// comment adds a comment that must succeed and make an event.
func (f *fixture) comment(participant, text, cid string) (rooms.Comment, rooms.Event) {
	f.t.Helper()
	c, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: text, Author: author("Ada"), Participant: participant, At: 1700000000001}, cid)
	if err != nil {
		f.t.Fatalf("AddComment(%q, %q): %v", participant, cid, err)
	}
	if ev.Seq == 0 {
		f.t.Fatalf("AddComment(%q, %q): zero event for a new comment", participant, cid)
	}
	f.made = append(f.made, ev)
	return c, ev
}

func (f *fixture) update(patch rooms.RoomPatch) (rooms.Room, rooms.Event) {
	f.t.Helper()
	r, ev, err := f.store.UpdateRoom(f.ctx, f.code, patch)
	if err != nil {
		f.t.Fatalf("UpdateRoom: %v", err)
	}
	f.made = append(f.made, ev)
	return r, ev
}

func (f *fixture) seq() uint64 {
	f.t.Helper()
	seq, err := f.store.Seq(f.ctx, f.code)
	if err != nil {
		f.t.Fatalf("Seq: %v", err)
	}
	return seq
}

func (f *fixture) wantSeq(want uint64) {
	f.t.Helper()
	if got := f.seq(); got != want {
		f.t.Fatalf("Seq = %d, want %d", got, want)
	}
}

// checkPublished checks that the publisher received exactly the events the
// store returned, in order (and nothing for refusals or duplicates).
func (f *fixture) checkPublished() {
	f.t.Helper()
	got := f.pub.Wait(f.t, f.code, len(f.made))
	if len(got) != len(f.made) {
		f.t.Fatalf("%d events published, want the %d the store returned", len(got), len(f.made))
	}
	for i := range got {
		if err := sameEvent(got[i], f.made[i]); err != nil {
			f.t.Fatalf("published event %d: %v", i, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// sameEvent compares what a client would receive of two events.
func sameEvent(got, want rooms.Event) error {
	switch {
	case got.Seq != want.Seq:
		return fmt.Errorf("seq %d, want %d", got.Seq, want.Seq)
	case got.Type != want.Type:
		return fmt.Errorf("seq %d: type %q, want %q", got.Seq, got.Type, want.Type)
	case !bytes.Equal(got.Data, want.Data):
		return fmt.Errorf("seq %d: data %s, want %s", got.Seq, got.Data, want.Data)
	case !bytes.Equal(got.Staff, want.Staff):
		return fmt.Errorf("seq %d: staff data %s, want %s", got.Seq, got.Staff, want.Staff)
	case got.Owner != want.Owner:
		return fmt.Errorf("seq %d: owner %q, want %q", got.Seq, got.Owner, want.Owner)
	}
	return nil
}

// decode parses an event's Data and checks its type and seq fields.
func decode(t *testing.T, ev rooms.Event, wantType string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Data, &m); err != nil {
		t.Fatalf("event data is not JSON: %v: %s", err, ev.Data)
	}
	if ev.Type != wantType || m["type"] != wantType {
		t.Fatalf("event type %q (data %q), want %q", ev.Type, m["type"], wantType)
	}
	if got, _ := m["seq"].(float64); uint64(got) != ev.Seq {
		t.Fatalf("event data seq %v, want %d", m["seq"], ev.Seq)
	}
	return m
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	e := rooms.AsError(err)
	if e == nil || e.Code != code {
		t.Fatalf("%s: error %v, want a refusal with code %s", what, err, code)
	}
}

func testCreateRoom(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	got, err := f.store.Room(f.ctx, f.code)
	if err != nil {
		t.Fatalf("Room: %v", err)
	}
	if want := record(f.code); got != want {
		t.Fatalf("Room = %+v, want %+v", got, want)
	}
	err = f.store.CreateRoom(f.ctx, rooms.RoomRecord{Room: rooms.NewRoom(f.code, "other", true, 1)})
	wantErr(t, "CreateRoom of a taken code", err, rooms.ErrRoomExists)
	wantCode(t, "CreateRoom of a taken code", err, rooms.CodeConflict)
	if got2, _ := f.store.Room(f.ctx, f.code); got2 != got {
		t.Fatalf("a refused CreateRoom changed the room: %+v", got2)
	}
	f.wantSeq(0)
	evs, ok, err := f.store.Since(f.ctx, f.code, 0)
	if err != nil || !ok || len(evs) != 0 {
		t.Fatalf("Since(0) of a new room = %v, %v, %v; want no events, true", evs, ok, err)
	}
}

func testUnknownRoom(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	const code = "ZZZZZZ" // never made: newRoom's codes come from NewRoomCode
	if code == f.code {
		t.Skip("random code collided")
	}
	ctx, s := f.ctx, f.store
	_, err := s.Room(ctx, code)
	wantErr(t, "Room", err, rooms.ErrRoomNotFound)
	_, _, err = s.UpdateRoom(ctx, code, rooms.RoomPatch{Closed: ptr(true)})
	wantErr(t, "UpdateRoom", err, rooms.ErrRoomNotFound)
	_, _, err = s.AddComment(ctx, code, rooms.Comment{Text: "x", Participant: "p_1"}, "")
	wantErr(t, "AddComment", err, rooms.ErrRoomNotFound)
	_, err = s.DeleteComment(ctx, code, "c1", "")
	wantErr(t, "DeleteComment", err, rooms.ErrRoomNotFound)
	_, err = s.AddReactions(ctx, code, rooms.Reactions{1})
	wantErr(t, "AddReactions", err, rooms.ErrRoomNotFound)
	_, _, err = s.Since(ctx, code, 0)
	wantErr(t, "Since", err, rooms.ErrRoomNotFound)
	_, err = s.State(ctx, code, 10)
	wantErr(t, "State", err, rooms.ErrRoomNotFound)
	_, err = s.Seq(ctx, code)
	wantErr(t, "Seq", err, rooms.ErrRoomNotFound)
	_, err = s.Banned(ctx, code, "p_1")
	wantErr(t, "Banned", err, rooms.ErrRoomNotFound)
	err = s.Ban(ctx, code, "p_1")
	wantErr(t, "Ban", err, rooms.ErrRoomNotFound)
	if evs := f.pub.Events(code); len(evs) != 0 {
		t.Fatalf("published %d events for an unknown room", len(evs))
	}
}

func testUpdateRoom(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	title := "Keynote Q&A"
	r, ev := f.update(rooms.RoomPatch{Title: &title, Moderation: ptr(true)})
	want := record(f.code).Room
	want.Title, want.Moderation = title, true
	if r != want {
		t.Fatalf("UpdateRoom returned %+v, want %+v", r, want)
	}
	if ev.Seq != 1 {
		t.Fatalf("first event seq %d, want 1", ev.Seq)
	}
	m := decode(t, ev, rooms.EventRoom)
	if m["title"] != title || m["moderation"] != true || m["code"] != f.code || m["comments"] != true {
		t.Fatalf("room event %s does not carry the new settings", ev.Data)
	}
	rec, err := f.store.Room(f.ctx, f.code)
	if err != nil || rec.Room != want {
		t.Fatalf("Room after UpdateRoom = %+v, %v; want %+v", rec.Room, err, want)
	}
	if rec.HostKeyHash != record(f.code).HostKeyHash || rec.ModeratorKeyHash != record(f.code).ModeratorKeyHash {
		t.Fatal("UpdateRoom changed the key hashes")
	}

	// Nil fields stay; the next event takes the next seq.
	r, ev = f.update(rooms.RoomPatch{Closed: ptr(true), Moderation: ptr(false)})
	want.Closed, want.Moderation = true, false
	if r != want || ev.Seq != 2 {
		t.Fatalf("second UpdateRoom = %+v seq %d, want %+v seq 2", r, ev.Seq, want)
	}
	decode(t, ev, rooms.EventRoom)
	f.wantSeq(2)
	f.checkPublished()
}

func testAddComment(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	ids := map[string]bool{}
	for i := 1; i <= 3; i++ {
		text := fmt.Sprintf("comment %d ✓", i)
		in := rooms.Comment{Text: text, Author: author("Ada"), Participant: "p_a", At: int64(1700000000000 + i)}
		c, ev, err := f.store.AddComment(f.ctx, f.code, in, "")
		if err != nil {
			t.Fatalf("AddComment: %v", err)
		}
		f.made = append(f.made, ev)
		if c.ID == "" || ids[c.ID] {
			t.Fatalf("comment %d got id %q: empty or reused (%v)", i, c.ID, ids)
		}
		ids[c.ID] = true
		in.ID = c.ID
		if c.Text != in.Text || c.Participant != in.Participant || c.At != in.At || c.Author == nil || *c.Author != "Ada" {
			t.Fatalf("AddComment returned %+v, want %+v", c, in)
		}
		if ev.Seq != uint64(i) {
			t.Fatalf("comment %d: event seq %d, want %d", i, ev.Seq, i)
		}
		m := decode(t, ev, rooms.TypeComment)
		if m["id"] != c.ID || m["text"] != text || m["author"] != "Ada" || m["at"] == nil {
			t.Fatalf("comment event %s does not carry the comment %+v", ev.Data, c)
		}
	}
	// An anonymous comment has a null author.
	c, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "anon", Participant: "p_b", At: 1}, "")
	if err != nil {
		t.Fatalf("AddComment: %v", err)
	}
	f.made = append(f.made, ev)
	if m := decode(t, ev, rooms.TypeComment); m["author"] != nil || c.Author != nil {
		t.Fatalf("anonymous comment: event %s, comment %+v; want a null author", ev.Data, c)
	}
	f.wantSeq(4)
	f.checkPublished()
}

func testAddCommentRefusals(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	add := func(participant string) error {
		_, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "hi", Participant: participant}, "cid-"+participant)
		if err == nil {
			f.made = append(f.made, ev)
		} else if ev.Seq != 0 {
			t.Fatalf("refused AddComment returned an event with seq %d", ev.Seq)
		}
		return err
	}
	if err := f.store.Ban(f.ctx, f.code, "p_banned"); err != nil {
		t.Fatalf("Ban: %v", err)
	}
	err := add("p_banned")
	wantErr(t, "AddComment of a banned participant", err, rooms.ErrBanned)
	wantCode(t, "AddComment of a banned participant", err, rooms.CodeForbidden)
	f.wantSeq(0)

	f.update(rooms.RoomPatch{Comments: ptr(false)})
	wantCode(t, "AddComment with comments off", add("p_ok"), rooms.CodeForbidden)
	f.wantSeq(1)

	f.update(rooms.RoomPatch{Comments: ptr(true), Closed: ptr(true)})
	err = add("p_ok")
	wantErr(t, "AddComment to a closed room", err, rooms.ErrRoomClosed)
	wantCode(t, "AddComment to a closed room", err, rooms.CodeClosed)
	f.wantSeq(2)

	// The refusals made nothing: once reopened, the same cid makes a comment.
	f.update(rooms.RoomPatch{Closed: ptr(false)})
	if err := add("p_ok"); err != nil {
		t.Fatalf("AddComment after reopening: %v", err)
	}
	f.wantSeq(4)
	st, err := f.store.State(f.ctx, f.code, 10)
	if err != nil || len(st.Comments) != 1 {
		t.Fatalf("State: %d comments, %v; want 1", len(st.Comments), err)
	}
	f.checkPublished()
}

func testCommentIdempotency(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	first, _ := f.comment("p_a", "once", "cid-1")

	again, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "once", Participant: "p_a"}, "cid-1")
	if err != nil {
		t.Fatalf("AddComment with a seen cid: %v", err)
	}
	if (ev.Seq != 0 || ev.Type != "" || ev.Data != nil) || again.ID != first.ID || again.Text != first.Text {
		t.Fatalf("AddComment with a seen cid = %+v, event %+v; want comment %+v and a zero event", again, ev, first)
	}
	f.wantSeq(1)

	// Another participant's cid is another comment; so is an empty cid.
	other, _ := f.comment("p_b", "once", "cid-1")
	if other.ID == first.ID {
		t.Fatalf("another participant's comment with the same cid reused id %s", first.ID)
	}
	n1, _ := f.comment("p_a", "no cid", "")
	n2, _ := f.comment("p_a", "no cid", "")
	if n1.ID == n2.ID {
		t.Fatal("two comments without cid got the same id")
	}
	f.wantSeq(4)

	// A cid stays used after its comment is deleted: resending never
	// creates a duplicate.
	ev, err = f.store.DeleteComment(f.ctx, f.code, first.ID, "")
	if err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	f.made = append(f.made, ev)
	again, ev, err = f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "once", Participant: "p_a"}, "cid-1")
	if err != nil || ev.Seq != 0 || again.ID != first.ID {
		t.Fatalf("AddComment with the cid of a deleted comment = %+v, seq %d, %v; want id %s, zero event", again, ev.Seq, err, first.ID)
	}
	st, _ := f.store.State(f.ctx, f.code, 100)
	if len(st.Comments) != 3 {
		t.Fatalf("State has %d comments, want 3", len(st.Comments))
	}
	f.wantSeq(5)
	f.checkPublished()
}

func testDeleteComment(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	a, _ := f.comment("p_a", "by a", "")
	b, _ := f.comment("p_b", "by b", "")
	c, _ := f.comment("p_a", "by a again", "")

	_, err := f.store.DeleteComment(f.ctx, f.code, a.ID, "p_b")
	wantErr(t, "DeleteComment by another participant", err, rooms.ErrNotAuthor)
	wantCode(t, "DeleteComment by another participant", err, rooms.CodeForbidden)
	f.wantSeq(3)

	ev, err := f.store.DeleteComment(f.ctx, f.code, a.ID, "p_a")
	if err != nil {
		t.Fatalf("DeleteComment by the author: %v", err)
	}
	f.made = append(f.made, ev)
	if ev.Seq != 4 {
		t.Fatalf("comment_deleted seq %d, want 4", ev.Seq)
	}
	if m := decode(t, ev, rooms.EventCommentDeleted); m["id"] != a.ID {
		t.Fatalf("comment_deleted event %s, want id %s", ev.Data, a.ID)
	}

	// Staff (author "") may delete anyone's.
	ev, err = f.store.DeleteComment(f.ctx, f.code, b.ID, "")
	if err != nil {
		t.Fatalf("DeleteComment by staff: %v", err)
	}
	f.made = append(f.made, ev)
	decode(t, ev, rooms.EventCommentDeleted)

	_, err = f.store.DeleteComment(f.ctx, f.code, a.ID, "")
	wantErr(t, "DeleteComment of a deleted comment", err, rooms.ErrCommentNotFound)
	_, err = f.store.DeleteComment(f.ctx, f.code, "c999999", "")
	wantErr(t, "DeleteComment of an unknown id", err, rooms.ErrCommentNotFound)
	wantCode(t, "DeleteComment of an unknown id", err, rooms.CodeNotFound)
	f.wantSeq(5)

	st, err := f.store.State(f.ctx, f.code, 100)
	if err != nil || len(st.Comments) != 1 || st.Comments[0].ID != c.ID {
		t.Fatalf("State after deletes = %+v, %v; want only %s", st.Comments, err, c.ID)
	}
	// A new comment never reuses a deleted comment's id.
	d, _ := f.comment("p_a", "new", "")
	if d.ID == a.ID || d.ID == b.ID || d.ID == c.ID {
		t.Fatalf("new comment reused id %s", d.ID)
	}
	f.checkPublished()
}

func testBan(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	banned := func(p string) bool {
		t.Helper()
		b, err := f.store.Banned(f.ctx, f.code, p)
		if err != nil {
			t.Fatalf("Banned: %v", err)
		}
		return b
	}
	if banned("p_x") {
		t.Fatal("a participant is banned before any ban")
	}
	for range 2 { // banning twice is fine
		if err := f.store.Ban(f.ctx, f.code, "p_x"); err != nil {
			t.Fatalf("Ban: %v", err)
		}
	}
	if !banned("p_x") || banned("p_y") {
		t.Fatal("Banned does not report exactly the banned participant")
	}
	other := f.newRoom()
	if b, err := f.store.Banned(f.ctx, other, "p_x"); err != nil || b {
		t.Fatalf("Banned in another room = %v, %v; want false", b, err)
	}
	// A ban is not a durable event.
	f.wantSeq(0)
	f.checkPublished()
}

func testAddReactions(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	add := func(delta rooms.Reactions, want rooms.Reactions) {
		t.Helper()
		got, err := f.store.AddReactions(f.ctx, f.code, delta)
		if err != nil || got != want {
			t.Fatalf("AddReactions(%v) = %v, %v; want %v", delta, got, err, want)
		}
	}
	add(rooms.Reactions{}, rooms.Reactions{})
	add(rooms.Reactions{3, 0, 1}, rooms.Reactions{3, 0, 1})
	add(rooms.Reactions{1, 2, 0, 0, 7}, rooms.Reactions{4, 2, 1, 0, 7})
	add(rooms.Reactions{}, rooms.Reactions{4, 2, 1, 0, 7})

	other := f.newRoom()
	if got, err := f.store.AddReactions(f.ctx, other, rooms.Reactions{}); err != nil || !got.IsZero() {
		t.Fatalf("another room's reactions = %v, %v; want zero", got, err)
	}
	st, err := f.store.State(f.ctx, f.code, 0)
	if err != nil || st.Reactions != (rooms.Reactions{4, 2, 1, 0, 7}) {
		t.Fatalf("State reactions = %v, %v", st.Reactions, err)
	}
	// Reactions are not durable events.
	f.wantSeq(0)
	f.checkPublished()

	// Concurrent additions all count.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, err := f.store.AddReactions(f.ctx, other, rooms.Reactions{1, 0, 0, 0, 2}); err != nil {
				t.Errorf("AddReactions: %v", err)
			}
		})
	}
	wg.Wait()
	if got, _ := f.store.AddReactions(f.ctx, other, rooms.Reactions{}); got != (rooms.Reactions{50, 0, 0, 0, 100}) {
		t.Fatalf("after 50 concurrent additions: %v", got)
	}
}

func testSince(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	for i := range 10 {
		if i%3 == 2 {
			title := fmt.Sprint("title ", i)
			f.update(rooms.RoomPatch{Title: &title})
		} else {
			f.comment("p_a", fmt.Sprint("comment ", i), "")
		}
	}
	ev, err := f.store.DeleteComment(f.ctx, f.code, "c1", "")
	if err != nil {
		t.Fatalf("DeleteComment: %v", err)
	}
	f.made = append(f.made, ev)
	n := uint64(len(f.made))

	for since := uint64(0); since <= n; since++ {
		got, ok, err := f.store.Since(f.ctx, f.code, since)
		if err != nil || !ok {
			t.Fatalf("Since(%d) = ok %v, %v; want the events", since, ok, err)
		}
		want := f.made[since:]
		if len(got) != len(want) {
			t.Fatalf("Since(%d) returned %d events, want %d", since, len(got), len(want))
		}
		for i := range got {
			if err := sameEvent(got[i], want[i]); err != nil {
				t.Fatalf("Since(%d)[%d]: %v", since, i, err)
			}
		}
	}
	for _, future := range []uint64{n + 1, n + 1000, ^uint64(0)} {
		got, ok, err := f.store.Since(f.ctx, f.code, future)
		if err != nil || ok || len(got) != 0 {
			t.Fatalf("Since(%d) with seq %d = %d events, ok %v, %v; want ok false", future, n, len(got), ok, err)
		}
	}
	f.checkPublished()
}

func testSinceRetained(t *testing.T, newStore NewStore) {
	const retained = 5
	f := newFixture(t, newStore, retained)
	for i := range 3 * retained {
		f.comment("p_a", fmt.Sprint("c ", i), "")
		seq := uint64(i + 1)
		oldest := uint64(0) // the oldest since that can still be served
		if seq > retained {
			oldest = seq - retained
		}
		for since := uint64(0); since <= seq+1; since++ {
			got, ok, err := f.store.Since(f.ctx, f.code, since)
			if err != nil {
				t.Fatalf("Since(%d) at seq %d: %v", since, seq, err)
			}
			wantOK := since >= oldest && since <= seq
			if ok != wantOK {
				t.Fatalf("Since(%d) at seq %d with %d retained: ok %v, want %v", since, seq, retained, ok, wantOK)
			}
			if !ok {
				if len(got) != 0 {
					t.Fatalf("Since(%d) not ok but returned %d events", since, len(got))
				}
				continue
			}
			want := f.made[since:]
			if len(got) != len(want) {
				t.Fatalf("Since(%d) at seq %d: %d events, want %d", since, seq, len(got), len(want))
			}
			for i := range got {
				if err := sameEvent(got[i], want[i]); err != nil {
					t.Fatalf("Since(%d)[%d] at seq %d: %v", since, i, seq, err)
				}
			}
		}
	}
	f.checkPublished()
}

func testState(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	st, err := f.store.State(f.ctx, f.code, 10)
	if err != nil || st.Seq != 0 || len(st.Comments) != 0 || st.Room != record(f.code).Room || !st.Reactions.IsZero() {
		t.Fatalf("State of a new room = %+v, %v", st, err)
	}
	var made []rooms.Comment
	for i := range 5 {
		c, _ := f.comment(fmt.Sprint("p_", i), fmt.Sprint("comment ", i), "")
		made = append(made, c)
	}
	title := "changed"
	room, _ := f.update(rooms.RoomPatch{Title: &title})
	if _, err := f.store.AddReactions(f.ctx, f.code, rooms.Reactions{0, 9}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 5, 10} {
		st, err := f.store.State(f.ctx, f.code, n)
		if err != nil {
			t.Fatalf("State(%d): %v", n, err)
		}
		want := made[max(0, len(made)-n):]
		if st.Seq != 6 || st.Room != room || st.Reactions != (rooms.Reactions{0, 9}) {
			t.Fatalf("State(%d) = seq %d room %+v reactions %v; want seq 6, %+v, [0 9 ...]", n, st.Seq, st.Room, st.Reactions, room)
		}
		if len(st.Comments) != len(want) {
			t.Fatalf("State(%d): %d comments, want %d", n, len(st.Comments), len(want))
		}
		for i, c := range st.Comments {
			w := want[i]
			if c.ID != w.ID || c.Text != w.Text || c.Participant != w.Participant || c.At != w.At || c.Author == nil || *c.Author != *w.Author {
				t.Fatalf("State(%d).Comments[%d] = %+v, want %+v (newest, oldest first)", n, i, c, w)
			}
		}
	}
	// The state's comments are a copy: changing them changes nothing stored.
	st, _ = f.store.State(f.ctx, f.code, 10)
	st.Comments[0].Text = "tampered"
	if st2, _ := f.store.State(f.ctx, f.code, 10); st2.Comments[0].Text != made[0].Text {
		t.Fatal("State returned the store's own comment slice")
	}
	f.checkPublished()
}

func testRoomsIndependent(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	other := f.newRoom()
	f.comment("p_a", "here", "cid")
	f.comment("p_a", "here too", "")
	c, ev, err := f.store.AddComment(f.ctx, other, rooms.Comment{Text: "there", Participant: "p_a"}, "cid")
	if err != nil || ev.Seq != 1 {
		t.Fatalf("AddComment in another room = seq %d, %v; want seq 1 (seq is per room, cid per room)", ev.Seq, err)
	}
	if err := f.store.Ban(f.ctx, other, "p_a"); err != nil {
		t.Fatal(err)
	}
	f.comment("p_a", "still allowed here", "")
	f.wantSeq(3)
	if got := f.pub.Wait(t, other, 1); len(got) != 1 || sameEvent(got[0], ev) != nil {
		t.Fatalf("other room's published events = %v", got)
	}
	_ = c
	f.checkPublished()
}

func testPublishOrder(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	for i := range 20 {
		switch i % 4 {
		case 0, 1:
			f.comment("p_a", fmt.Sprint(i), fmt.Sprint("cid", i))
		case 2:
			f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "dup", Participant: "p_a"}, fmt.Sprint("cid", i-1)) // duplicate: nothing
		case 3:
			title := fmt.Sprint("t", i)
			f.update(rooms.RoomPatch{Title: &title})
		}
	}
	f.checkPublished()
	for i, ev := range f.pub.Events(f.code) {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("published event %d has seq %d, want %d", i, ev.Seq, i+1)
		}
	}
}

func testConcurrentAddComment(t *testing.T, newStore NewStore) {
	const n = 1000
	f := newFixture(t, newStore, n)
	type result struct {
		c  rooms.Comment
		ev rooms.Event
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: fmt.Sprint("c", i), Participant: fmt.Sprint("p_", i%10)}, fmt.Sprint("cid", i))
			if err != nil {
				t.Errorf("AddComment %d: %v", i, err)
			}
			results[i] = result{c, ev}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	ids := make(map[string]bool, n)
	seqs := make([]bool, n+1)
	for i, r := range results {
		if r.c.ID == "" || ids[r.c.ID] {
			t.Fatalf("comment %d: id %q empty or not unique", i, r.c.ID)
		}
		ids[r.c.ID] = true
		if r.ev.Seq < 1 || r.ev.Seq > n || seqs[r.ev.Seq] {
			t.Fatalf("comment %d: seq %d out of 1..%d or repeated", i, r.ev.Seq, n)
		}
		seqs[r.ev.Seq] = true
		if m := decode(t, r.ev, rooms.TypeComment); m["id"] != r.c.ID || m["text"] != r.c.Text {
			t.Fatalf("comment %d: event %s does not match comment %+v", i, r.ev.Data, r.c)
		}
	}
	f.wantSeq(n)

	bySeq := make([]rooms.Event, n)
	for _, r := range results {
		bySeq[r.ev.Seq-1] = r.ev
	}
	published := f.pub.Wait(t, f.code, n)
	if len(published) != n {
		t.Fatalf("%d events published, want %d", len(published), n)
	}
	for i, ev := range published {
		if err := sameEvent(ev, bySeq[i]); err != nil {
			t.Fatalf("published event %d (publish order must be seq order): %v", i, err)
		}
	}
	replay, ok, err := f.store.Since(f.ctx, f.code, 0)
	if err != nil || !ok || len(replay) != n {
		t.Fatalf("Since(0) = %d events, ok %v, %v; want %d", len(replay), ok, err, n)
	}
	for i := range replay {
		if err := sameEvent(replay[i], bySeq[i]); err != nil {
			t.Fatalf("Since(0)[%d]: %v", i, err)
		}
	}
	st, err := f.store.State(f.ctx, f.code, n)
	if err != nil || len(st.Comments) != n || st.Seq != n {
		t.Fatalf("State: %d comments at seq %d, %v; want %d at %d", len(st.Comments), st.Seq, err, n, n)
	}
}

func testConcurrentSameCID(t *testing.T, newStore NewStore) {
	const n = 50
	f := newFixture(t, newStore, DefaultRetained)
	ids := make([]string, n)
	made := make([]rooms.Event, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, ev, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "retry", Participant: "p_a"}, "same")
			if err != nil {
				t.Errorf("AddComment: %v", err)
			}
			ids[i], made[i] = c.ID, ev
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("retries of one cid got ids %s and %s", ids[0], ids[i])
		}
		if made[i].Seq != 0 {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d concurrent retries of one cid made an event, want 1", created, n)
	}
	f.wantSeq(1)
}

func testPing(t *testing.T, newStore NewStore) {
	f := newFixture(t, newStore, DefaultRetained)
	if err := f.store.Ping(f.ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
