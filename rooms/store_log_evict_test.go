package rooms

import (
	"testing"
	"time"
)

// TestEvictIdleRooms: an idle room's replica leaves memory and comes back
// from the log on its next use with nothing lost: its questions, its
// events for a resume, its scheduled deletion, and the vote version a
// caller holds (a vote after the eviction is reported as a change). A
// followed room stays until unfollowed.
func TestEvictIdleRooms(t *testing.T) {
	f := newFixture(t, Config{})
	q := f.must(f.audience, Command{Type: TypeAsk, Text: "Will the slides be shared?"}).Question
	f.must(f.audience, Command{Type: TypeUpvote, Question: q})
	seq, err := f.store.Seq(f.ctx, f.code)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := f.store.VoteChanges(f.ctx, map[string]uint64{f.code: 0})
	if err != nil || changes[f.code].Version == 0 {
		t.Fatalf("vote changes %+v, %v", changes, err)
	}
	version := changes[f.code].Version
	if err := f.store.ScheduleDeletion(f.ctx, f.code, time.Now().UnixMilli(), time.Now().Add(time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}

	if n := f.store.EvictIdle(time.Now().Add(-time.Minute)); n != 0 {
		t.Fatalf("evicted %d rooms used just now", n)
	}
	if n := f.store.EvictIdle(time.Now().Add(time.Second)); n != 1 || f.store.Open() != 0 {
		t.Fatalf("evicted %d, %d open: want the one room evicted", n, f.store.Open())
	}
	due, err := f.store.DueDeletions(f.ctx, time.Now().Add(2*time.Hour).UnixMilli())
	if err != nil || len(due) != 1 || due[0] != f.code {
		t.Fatalf("due deletions after eviction: %v, %v", due, err)
	}

	// A deletion cancelled while the room was out of memory (here: reopened,
	// as another instance would) leaves no stale entry once it is back.
	f.store.EvictIdle(time.Now().Add(time.Second))
	if err := f.store.ScheduleDeletion(f.ctx, f.code, 0, 0); err != nil {
		t.Fatal(err)
	}
	f.store.EvictIdle(time.Now().Add(time.Second))
	f.store.mu.Lock()
	f.store.due[f.code] = time.Now().Add(time.Hour).UnixMilli() // what this instance knew before
	f.store.mu.Unlock()
	if _, err := f.store.Seq(f.ctx, f.code); err != nil {
		t.Fatal(err)
	}
	if due, _ := f.store.DueDeletions(f.ctx, time.Now().Add(2*time.Hour).UnixMilli()); len(due) != 0 {
		t.Fatalf("a cancelled deletion is still due after the room was opened again: %v", due)
	}

	other := f.join("")
	f.must(other, Command{Type: TypeUpvote, Question: q})
	changes, err = f.store.VoteChanges(f.ctx, map[string]uint64{f.code: version})
	if err != nil {
		t.Fatal(err)
	}
	c := changes[f.code]
	if c.Version <= version || len(c.Counts) != 1 || c.Counts[0].ID != q || c.Counts[0].Votes != 2 {
		t.Fatalf("vote changes after version %d across the eviction: %+v", version, c)
	}
	st, err := f.store.StateWithQuestions(f.ctx, f.code, 0)
	if err != nil || len(st.Questions) != 1 || st.Questions[0].Votes != 2 {
		t.Fatalf("state after eviction: %+v, %v", st.Questions, err)
	}
	if _, ok, err := f.store.Since(f.ctx, f.code, seq-1); !ok || err != nil {
		t.Fatalf("resume from seq %d after eviction: ok %v, %v", seq-1, ok, err)
	}

	if err := f.store.Follow(f.ctx, f.code); err != nil {
		t.Fatal(err)
	}
	if n := f.store.EvictIdle(time.Now().Add(time.Second)); n != 0 {
		t.Fatalf("evicted a followed room")
	}
	f.store.Unfollow(f.code)
	if n := f.store.EvictIdle(time.Now().Add(time.Second)); n != 1 {
		t.Fatalf("evicted %d after the last follower left, want 1", n)
	}
}
