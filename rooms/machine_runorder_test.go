package rooms

import (
	"slices"
	"strings"
	"testing"
)

// TestMachinePollOrder: a poll's place in the run of show. Polls start in
// the order of creation (RunOrder is their number, no order in events);
// poll_set order moves one (staff only, any state, 1–MaxPollOrder, sent in
// the poll event and kept in snapshots); a bad order is refused with
// ErrBadPollOrder and changes nothing.
func TestMachinePollOrder(t *testing.T) {
	f := newFeed(t, openRoom())
	for _, title := range []string{"Warm-up", "Main question", "Quiz round"} {
		f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollSingle, Title: title, Options: []string{"a", "b"}, Max: 1, State: PollDraft}})
	}
	run := func() []string {
		ps := f.m.Polls()
		slices.SortStableFunc(ps, func(a, b PollState) int { return RunOrder(a.Poll) - RunOrder(b.Poll) })
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.Poll.ID)
		}
		return ids
	}
	if got := run(); !slices.Equal(got, []string{"p1", "p2", "p3"}) {
		t.Fatalf("the run starts %v, want the order of creation", got)
	}
	steps := []struct {
		name    string
		rec     Record
		wantErr *Error
		wantRun []string
	}{
		{"p3 first", Record{Op: OpPollSet, Staff: true, ID: "p3", PollPatch: &PollPatch{Order: ptr(0)}}, ErrBadPollOrder, []string{"p1", "p2", "p3"}},
		{"negative", Record{Op: OpPollSet, Staff: true, ID: "p3", PollPatch: &PollPatch{Order: ptr(-4)}}, ErrBadPollOrder, []string{"p1", "p2", "p3"}},
		{"too far", Record{Op: OpPollSet, Staff: true, ID: "p3", PollPatch: &PollPatch{Order: ptr(MaxPollOrder + 1)}}, ErrBadPollOrder, []string{"p1", "p2", "p3"}},
		{"by a participant", Record{Op: OpPollSet, Participant: "p_a", ID: "p3", PollPatch: &PollPatch{Order: ptr(1)}}, &Error{Code: CodeForbidden}, []string{"p1", "p2", "p3"}},
		{"swap p2 and p3 (p3 takes 2)", Record{Op: OpPollSet, Staff: true, ID: "p3", PollPatch: &PollPatch{Order: ptr(2)}}, nil, []string{"p1", "p2", "p3"}},
		{"swap p2 and p3 (p2 takes 3)", Record{Op: OpPollSet, Staff: true, ID: "p2", PollPatch: &PollPatch{Order: ptr(3)}}, nil, []string{"p1", "p3", "p2"}},
		{"an open poll moves too", Record{Op: OpPollSet, Staff: true, ID: "p1", PollPatch: &PollPatch{State: ptr(PollOpen), Order: ptr(MaxPollOrder)}}, nil, []string{"p3", "p2", "p1"}},
	}
	for _, s := range steps {
		if s.wantErr != nil {
			err := f.refused(s.rec, s.wantErr.Code)
			if s.wantErr == ErrBadPollOrder && err != ErrBadPollOrder {
				t.Errorf("%s: refused with %v, want ErrBadPollOrder", s.name, err)
			}
		} else {
			evs, _ := f.ok(s.rec)
			if len(evs) == 0 || evs[0].Type != EventPoll || !strings.Contains(string(evs[0].Staff), `"order":`) {
				t.Errorf("%s: events %+v, want a poll event with its order (staff see drafts)", s.name, evs)
			}
		}
		if got := run(); !slices.Equal(got, s.wantRun) {
			t.Errorf("%s: the run is %v, want %v", s.name, got, s.wantRun)
		}
	}
	restored, err := RestoreMachine(f.m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := restored.Poll("p1"); p.Order != MaxPollOrder || p.State != PollOpen {
		t.Errorf("restored p1 %+v, want order %d and open", p, MaxPollOrder)
	}
}
