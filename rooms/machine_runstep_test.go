package rooms

import (
	"slices"
	"strings"
	"testing"
)

// runStates returns every poll's id and state, by number: "p1:open p2:draft".
func runStates(m *Machine) string {
	var out []string
	for _, ps := range m.Polls() {
		out = append(out, ps.Poll.ID+":"+ps.Poll.State)
	}
	return strings.Join(out, " ")
}

func stepRec(dir, from string) Record {
	return Record{Op: OpRunStep, Staff: true, Dir: dir, ID: from}
}

// TestMachineRunStep: next and previous as one entry each, with the
// console's semantics, in run order (p3 is moved first); a step from a
// cursor the run has left is refused with conflict naming where it is now,
// and changes nothing; the end of the run only closes.
func TestMachineRunStep(t *testing.T) {
	f := newFeed(t, openRoom())
	for _, title := range []string{"One", "Two", "Zero"} {
		f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollSingle, Title: title, Options: []string{"a", "b"}, Max: 1, State: PollDraft}})
	}
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p3", PollPatch: &PollPatch{Order: ptr(0 + 1)}})
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p1", PollPatch: &PollPatch{Order: ptr(2)}})
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p2", PollPatch: &PollPatch{Order: ptr(3)}}) // the run: p3, p1, p2

	f.refused(Record{Op: OpRunStep, Participant: "p_a", Dir: RunNext}, CodeForbidden)
	f.refused(stepRec("sideways", ""), CodeBadRequest)
	f.refused(stepRec(RunNext, "p3"), CodeConflict) // the run has not started
	if err := f.refused(stepRec(RunPrevious, "p1"), CodeConflict); !strings.Contains(err.Message, "not started") {
		t.Errorf("conflict before the start: %q", err.Message)
	}

	steps := []struct {
		dir, from, opened, want string
		events                  int
	}{
		{RunNext, "", "p3", "p1:draft p2:draft p3:open", 1},
		{RunNext, "p3", "p1", "p1:open p2:draft p3:closed", 2},
		{RunPrevious, "p1", "p3", "p1:closed p2:draft p3:open", 2},
		{RunNext, "p3", "p2", "p1:closed p2:open p3:closed", 2},     // the first draft after the cursor
		{RunNext, "p2", "", "p1:closed p2:closed p3:closed", 1},     // the end: it only closes
		{RunNext, "p2", "", "p1:closed p2:closed p3:closed", 0},     // past the end: nothing
		{RunPrevious, "p2", "p2", "p1:closed p2:open p3:closed", 1}, // none open: the cursor reopens
		{RunPrevious, "p2", "p1", "p1:open p2:closed p3:closed", 2},
	}
	for i, s := range steps {
		evs, out := f.ok(stepRec(s.dir, s.from))
		opened := ""
		if out.Poll != nil {
			opened = out.Poll.ID
		}
		if opened != s.opened || len(evs) != s.events || runStates(f.m) != s.want {
			t.Fatalf("step %d (%s from %q): opened %q with %d events, polls %s; want %q, %d, %s", i, s.dir, s.from, opened, len(evs), runStates(f.m), s.opened, s.events, s.want)
		}
		for _, ev := range evs {
			if ev.Type != EventPoll {
				t.Fatalf("step %d made a %s event", i, ev.Type)
			}
		}
	}
	// Two consoles saw p1 and press next: the first steps, the second is refused.
	f.ok(stepRec(RunNext, "p1"))
	err := f.refused(stepRec(RunNext, "p1"), CodeConflict)
	if !strings.Contains(err.Message, "p2") {
		t.Errorf("the conflict %q does not say where the run is", err.Message)
	}
	if f.m.RunCursor() != "p2" {
		t.Errorf("cursor %q, want p2", f.m.RunCursor())
	}
}

// TestMachineRunAdvance: a sequence of timed quizzes that advance on their
// own. A timer's close reveals the quiz and sets advances_at = close +
// pause; the advance record steps next from it once (a repeat, a stale
// advances_at, or one after the host stepped by hand does nothing); the
// leaderboard accumulates; the last quiz of the run is revealed with no
// step pending; a replay of the log gives the same state.
func TestMachineRunAdvance(t *testing.T) {
	f := newFeed(t, openRoom())
	for i, title := range []string{"Q1", "Q2", "Q3"} {
		q := Poll{Kind: PollQuiz, Title: title, Options: []string{"no", "yes"}, Correct: []int{1}, Max: 1, Seconds: 5, Advance: 3, State: PollDraft}
		if i == 2 {
			q.Advance = 5 // the last quiz: nothing to step on to
		}
		f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &q})
	}
	if p, _ := f.m.Poll("p1"); p.Advance != 3 || p.AdvancesAt != 0 {
		t.Fatalf("created %+v", p)
	}
	f.ok(stepRec(RunNext, ""))
	vote := func(who, id string) {
		f.ok(Record{Op: OpVote, Participant: who, ID: id, Ballot: &Ballot{Choices: []int{1}}})
	}
	expire := func(id string) Poll {
		p, _ := f.m.Poll(id)
		evs, out := f.ok(Record{Op: OpPollExpire, ID: id, ClosesAt: p.ClosesAt})
		if len(evs) != 1 || out.Poll == nil {
			t.Fatalf("expire %s: %d events", id, len(evs))
		}
		return *out.Poll
	}

	vote("p_a", "p1")
	p1 := expire("p1")
	closedAt := t0 + int64(f.m.Pos())*1000
	if p1.State != PollClosed || !p1.Reveal || p1.AdvancesAt != closedAt+3000 {
		t.Fatalf("p1 after its timer %+v, want closed, revealed, advances_at %d", p1, closedAt+3000)
	}
	if evs := f.entries; !strings.Contains(string(f.m.Snapshot()), "advances_at") || len(evs) == 0 {
		t.Fatal("the snapshot lost advances_at")
	}
	if lb := f.m.Leaderboard("p1", 10); !lb.Revealed {
		t.Fatal("the audience does not see p1's leaderboard")
	}
	if evs, _ := f.ok(Record{Op: OpRunAdvance, ID: "p1", AdvancesAt: p1.AdvancesAt - 1}); len(evs) != 0 {
		t.Fatal("a stale advance stepped")
	}
	f.refused(Record{Op: OpRunAdvance, ID: "p9", AdvancesAt: 1}, CodeNotFound)
	evs, out := f.ok(Record{Op: OpRunAdvance, ID: "p1", AdvancesAt: p1.AdvancesAt})
	if out.Poll == nil || out.Poll.ID != "p2" || len(evs) != 2 || runStates(f.m) != "p1:closed p2:open p3:draft" {
		t.Fatalf("advance: opened %+v with %d events; polls %s", out.Poll, len(evs), runStates(f.m))
	}
	if p, _ := f.m.Poll("p1"); p.AdvancesAt != 0 {
		t.Fatalf("p1 keeps advances_at %d after the step", p.AdvancesAt)
	}
	if evs, _ := f.ok(Record{Op: OpRunAdvance, ID: "p1", AdvancesAt: p1.AdvancesAt}); len(evs) != 0 || runStates(f.m) != "p1:closed p2:open p3:draft" {
		t.Fatal("a second instance's advance stepped again")
	}

	vote("p_a", "p2")
	vote("p_b", "p2")
	p2 := expire("p2")
	if p2.AdvancesAt == 0 {
		t.Fatal("p2 has no pending step")
	}
	// The host steps by hand during the pause: the advance finds the run moved on.
	f.ok(stepRec(RunNext, "p2"))
	if evs, _ := f.ok(Record{Op: OpRunAdvance, ID: "p2", AdvancesAt: p2.AdvancesAt}); len(evs) != 0 || runStates(f.m) != "p1:closed p2:closed p3:open" {
		t.Fatalf("the advance after the host's step: %d events, polls %s", len(evs), runStates(f.m))
	}

	vote("p_b", "p3")
	if p3 := expire("p3"); p3.AdvancesAt != 0 || !p3.Reveal {
		t.Fatalf("p3 (the last of the run) after its timer %+v, want revealed with no step pending", p3)
	}
	lb := f.m.Leaderboard("", 10)
	want := []LeaderEntry{{Rank: 1, Participant: "p_a", Name: Pseudonym("p_a"), Points: 2000}, {Rank: 1, Participant: "p_b", Name: Pseudonym("p_b"), Points: 2000}}
	if lb.Poll != "p3" || !slices.Equal(lb.Room, want) {
		t.Fatalf("room leaderboard %+v, want %+v", lb.Room, want)
	}

	replay := NewMachine("ROOM42")
	for _, e := range f.entries {
		replay.Apply(e)
	}
	if string(replay.Snapshot()) != string(f.m.Snapshot()) {
		t.Fatal("a replay of the log differs")
	}
}

// TestRunAdvanceBounds: "advance" is 0 or 3–60 seconds, on timed quizzes only.
func TestRunAdvanceBounds(t *testing.T) {
	timed := Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("Q"), Options: []string{"a", "b"}, Correct: []int{0}, Seconds: 5}
	for _, c := range []struct {
		cmd     Command
		advance int
		ok      bool
	}{
		{timed, 3, true}, {timed, 60, true}, {timed, 0, true}, {timed, 2, false}, {timed, 61, false},
		{Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("Q"), Options: []string{"a", "b"}, Correct: []int{0}}, 5, false},
		{Command{Type: TypePollCreate, Kind: PollSingle, Title: ptr("Q"), Options: []string{"a", "b"}}, 5, false},
	} {
		c.cmd.Advance = ptr(c.advance)
		p, err := NewPoll(c.cmd)
		if (err == nil) != c.ok || (err == nil && p.Advance != c.advance) {
			t.Errorf("%s seconds %d advance %d: %+v, %v", c.cmd.Kind, c.cmd.Seconds, c.advance, p, err)
		}
		if err != nil && err != ErrBadRunAdvance {
			t.Errorf("refused with %v, want ErrBadRunAdvance", err)
		}
	}
	if _, err := (PollPatch{Advance: ptr(5)}).Apply(Poll{Kind: PollSingle}); err != ErrBadRunAdvance {
		t.Errorf("poll_set advance on a single poll: %v", err)
	}
}
