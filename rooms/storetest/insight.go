package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// testInsight runs the rules of rooms.InsightStore.
func testInsight(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"AddInsight", testAddInsight},
		{"RecordPresence", testRecordPresence},
		{"PollPresent", testPollPresent},
		{"Deletion", testDeletion},
		{"DeleteRoomNow", testDeleteRoomNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newFixture(t, newStore, DefaultRetained))
		})
	}
}

func (f *fixture) insight(code string) rooms.Insight {
	f.t.Helper()
	in, err := f.store.Insight(f.ctx, code)
	if err != nil {
		f.t.Fatalf("Insight: %v", err)
	}
	return in
}

// testAddInsight: a participant is unique once (in the minute first
// seen) however many deltas name it, active ones likewise; unknown rooms
// are skipped. (The store counts interactions itself, from what it
// applies; the rules' counting is tested with them.)
func testAddInsight(t *testing.T, f *fixture) {
	add := func(d *rooms.InsightDelta) {
		t.Helper()
		if err := f.store.AddInsight(f.ctx, map[string]*rooms.InsightDelta{f.code: d, "ZZZZZZ": d}); err != nil {
			t.Fatalf("AddInsight: %v", err)
		}
	}
	add(&rooms.InsightDelta{
		Seen:   map[string]int64{"p_a": 100, "p_b": 101},
		Active: map[string]struct{}{"p_a": {}},
	})
	add(&rooms.InsightDelta{
		Seen:   map[string]int64{"p_a": 101, "p_c": 101},
		Active: map[string]struct{}{"p_a": {}, "p_c": {}},
	})
	add(&rooms.InsightDelta{}) // nothing
	in := f.insight(f.code)
	want := map[int64]rooms.InsightMinute{100: {Joined: 1}, 101: {Joined: 2}}
	if in.Unique != 3 || in.Active != 2 || !mapsEqual(in.Minutes, want) || len(in.ReactionSeconds) != 0 {
		t.Fatalf("Insight: %+v", in)
	}
	if in.Peak != 0 || in.PeakAt != 0 || in.Connected != 0 || in.DeleteAt != 0 || len(in.PollPresent) != 0 {
		t.Fatalf("Insight of a room without presence: %+v", in)
	}
	if _, err := f.store.Insight(f.ctx, "ZZZZZZ"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Insight of an unknown room: %v", err)
	}
	// Another room is untouched.
	other := f.newRoom()
	if in := f.insight(other); in.Unique != 0 || len(in.Minutes) != 0 {
		t.Fatalf("another room's insight: %+v", in)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// testRecordPresence: the current count, the peak with its time, and the
// most of each minute.
func testRecordPresence(t *testing.T, f *fixture) {
	const m = 29000000 // a Unix minute
	at := func(sec int64) int64 { return (m*60 + sec) * 1000 }
	for _, r := range []struct {
		n   int
		sec int64
	}{{3, 1}, {8, 20}, {5, 59}, {2, 61}, {0, 62}} {
		if err := f.store.RecordPresence(f.ctx, map[string]int{f.code: r.n, "ZZZZZZ": 4}, at(r.sec)); err != nil {
			t.Fatal(err)
		}
	}
	in := f.insight(f.code)
	if in.Connected != 0 || in.Peak != 8 || in.PeakAt != at(20) ||
		!mapsEqual(in.Minutes, map[int64]rooms.InsightMinute{m: {Connected: 8}, m + 1: {Connected: 2}}) {
		t.Fatalf("Insight after presence: %+v", in)
	}
}

// testPollPresent: a poll's present starts at the room's count when it
// opens and follows the most while it is open, and stops when it is closed;
// deleting drops it. The store keeps the figure as it applies the polls'
// changes: nothing else tells it.
func testPollPresent(t *testing.T, f *fixture) {
	record := func(n int) {
		t.Helper()
		if err := f.store.RecordPresence(f.ctx, map[string]int{f.code: n}, 1700000000000); err != nil {
			t.Fatal(err)
		}
	}
	poll := func(state string) string {
		t.Helper()
		p, _, err := f.store.CreatePoll(f.ctx, f.code, rooms.Poll{Kind: rooms.PollRating, Title: "t", Options: []string{}, State: state})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	record(4)
	p1, p2 := poll(rooms.PollOpen), poll(rooms.PollOpen)
	if in := f.insight(f.code); !mapsEqual(in.PollPresent, map[string]int64{p1: 4, p2: 4}) {
		t.Fatalf("present at the opening: %+v", in.PollPresent)
	}
	record(9)
	record(6)
	closed := rooms.PollClosed
	for _, id := range []string{p1, p2} {
		if _, _, err := f.store.SetPoll(f.ctx, f.code, id, rooms.PollPatch{State: &closed}); err != nil {
			t.Fatal(err)
		}
	}
	record(12) // neither is open
	if in := f.insight(f.code); !mapsEqual(in.PollPresent, map[string]int64{p1: 9, p2: 9}) {
		t.Fatalf("present after the close: %+v", in.PollPresent)
	}
	if _, err := f.store.DeletePoll(f.ctx, f.code, p2); err != nil {
		t.Fatal(err)
	}
	if in := f.insight(f.code); !mapsEqual(in.PollPresent, map[string]int64{p1: 9}) {
		t.Fatalf("present after the delete: %+v", in.PollPresent)
	}
}

// testDeletion: a scheduled deletion is due at its time and not before,
// deletes that room with all of it and no other; cancelling unschedules.
func testDeletion(t *testing.T, f *fixture) {
	f.comment("p_a", "hello", "")
	other := f.newRoom()
	reopened := f.newRoom()
	// In the future: Redis expires the keys at that time by itself.
	closed := time.Now().UnixMilli()
	at := closed + time.Hour.Milliseconds()
	for _, code := range []string{f.code, reopened} {
		if err := f.store.ScheduleDeletion(f.ctx, code, closed, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.ScheduleDeletion(f.ctx, reopened, 0, 0); err != nil {
		t.Fatal(err)
	}
	if in := f.insight(f.code); in.ClosedAt != closed || in.DeleteAt != at {
		t.Fatalf("Insight after ScheduleDeletion: %+v", in)
	}
	if in := f.insight(reopened); in.ClosedAt != 0 || in.DeleteAt != 0 {
		t.Fatalf("Insight after the cancel: %+v", in)
	}
	due := func(now int64) []string {
		t.Helper()
		codes, err := f.store.DueDeletions(f.ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(codes, func(c string) bool { return c != f.code && c != other && c != reopened })
	}
	if d := due(at - 1); len(d) != 0 {
		t.Fatalf("due before the time: %v", d)
	}
	if d := due(at); !slices.Equal(d, []string{f.code}) {
		t.Fatalf("due at the time: %v", d)
	}
	if ok, err := f.store.DeleteRoom(f.ctx, f.code, at-1); ok || err != nil {
		t.Fatalf("DeleteRoom before due = %v, %v", ok, err)
	}
	if ok, err := f.store.DeleteRoom(f.ctx, reopened, at); ok || err != nil {
		t.Fatalf("DeleteRoom of a reopened room = %v, %v", ok, err)
	}
	if ok, err := f.store.DeleteRoom(f.ctx, f.code, at); !ok || err != nil {
		t.Fatalf("DeleteRoom when due = %v, %v", ok, err)
	}
	if d := due(at + 1); len(d) != 0 {
		t.Fatalf("still due after the delete: %v", d)
	}
	if _, err := f.store.Room(f.ctx, f.code); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Room after the delete: %v", err)
	}
	for _, code := range []string{other, reopened} {
		if _, err := f.store.Room(f.ctx, code); err != nil {
			t.Fatalf("another room went too: %v", err)
		}
	}
	// The code can be made again, empty.
	if err := f.store.CreateRoom(f.ctx, record(f.code)); err != nil {
		t.Fatal(err)
	}
	st, err := f.store.State(f.ctx, f.code, 10)
	if err != nil || st.Seq != 0 || len(st.Comments) != 0 {
		t.Fatalf("the room made again: %+v, %v", st, err)
	}
	if in := f.insight(f.code); in.Unique != 0 || in.DeleteAt != 0 {
		t.Fatalf("the room made again has insight: %+v", in)
	}
}

// testDeleteRoomNow: DeleteRoom without due deletes at once; a second
// time there is nothing to delete.
func testDeleteRoomNow(t *testing.T, f *fixture) {
	f.comment("p_a", "hello", "")
	if err := f.store.AddInsight(f.ctx, map[string]*rooms.InsightDelta{f.code: {Seen: map[string]int64{"p_a": 1}}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := f.store.DeleteRoom(f.ctx, f.code, 0); !ok || err != nil {
		t.Fatalf("DeleteRoom = %v, %v", ok, err)
	}
	if ok, err := f.store.DeleteRoom(f.ctx, f.code, 0); ok || err != nil {
		t.Fatalf("second DeleteRoom = %v, %v", ok, err)
	}
	if _, _, err := f.store.AddComment(f.ctx, f.code, rooms.Comment{Text: "x", Participant: "p_a"}, ""); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("AddComment after delete: %v", err)
	}
	if _, err := f.store.Insight(f.ctx, f.code); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Insight after delete: %v", err)
	}
}
