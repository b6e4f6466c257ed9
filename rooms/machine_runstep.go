package rooms

import (
	"cmp"
	"slices"
)

// The run of show's steps, done by the rules in one entry each.
//
// The run is every poll by RunOrder, ties by number. Its cursor is the open
// poll furthest in the run, or, with none open, the last poll that is not
// a draft; none before the first step.
//   - next closes every open poll and opens the first draft after the
//     cursor (at the end of the run it only closes);
//   - previous closes every open poll and reopens the closed poll before
//     the open one (with none open: the last closed one, the cursor
//     itself), its ballots kept.
//
// A step names the cursor its sender saw (Record.ID): when the run is no
// longer there, the step is refused with conflict and changes nothing, so
// two consoles pressing next at once step once.
//
// A timed quiz with Advance > 0 that closes by its timer is revealed and,
// when a draft follows it in the run, gets AdvancesAt (expirePoll); when that time comes every instance with
// clients appends an OpRunAdvance, which steps next from that quiz only if
// the quiz still has that AdvancesAt and is still the cursor: one step
// however many instances try, and none when the host stepped meanwhile.
// Every step clears the pending AdvancesAt of every poll.

// Ops of the run of show.
const (
	OpRunStep    = "run_step"
	OpRunAdvance = "run_advance"
)

// Directions of a run step.
const (
	RunNext     = "next"
	RunPrevious = "previous"
)

// runOrder returns the room's polls in run order.
func (m *Machine) runOrder() []*machinePoll {
	run := slices.Clone(m.polls.list) // by number
	slices.SortStableFunc(run, func(a, b *machinePoll) int { return cmp.Compare(RunOrder(a.p), RunOrder(b.p)) })
	return run
}

// runCursor returns the index in run of the open poll furthest on (open)
// and of the cursor (at); -1 for none.
func runCursor(run []*machinePoll) (open, at int) {
	open, last := -1, -1
	for i, mp := range run {
		if mp.p.State == PollOpen {
			open = i
		}
		if mp.p.State != PollDraft {
			last = i
		}
	}
	if open >= 0 {
		return open, open
	}
	return open, last
}

// RunCursor returns the id of the run's cursor, "" before the first step.
func (m *Machine) RunCursor() string {
	run := m.runOrder()
	if _, at := runCursor(run); at >= 0 {
		return run[at].p.ID
	}
	return ""
}

// runStep applies a run_step from staff.
func (m *Machine) runStep(r Record, at int64) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errorf(CodeForbidden, "only moderators and the host step through the run")}
	}
	if r.Dir != RunNext && r.Dir != RunPrevious {
		return nil, Outcome{Err: errorf(CodeBadRequest, "a run step goes \"next\" or \"previous\", not %q", r.Dir)}
	}
	return m.step(r.Dir, r.ID, at)
}

// runAdvance is a quiz's own step: next from quiz r.ID, only when it still
// has AdvancesAt r.AdvancesAt and is the run's cursor.
func (m *Machine) runAdvance(r Record, at int64) ([]Event, Outcome) {
	mp := m.polls.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	if mp.p.AdvancesAt == 0 || mp.p.AdvancesAt != r.AdvancesAt || m.RunCursor() != r.ID {
		return nil, Outcome{}
	}
	return m.step(RunNext, r.ID, at)
}

// step moves the run one step in dir from the cursor from, or refuses
// with conflict when the cursor is elsewhere. Outcome.Poll is the poll it
// opened, if any.
func (m *Machine) step(dir, from string, at int64) ([]Event, Outcome) {
	run := m.runOrder()
	open, cur := runCursor(run)
	if now := cursorID(run, cur); now != from {
		return nil, Outcome{Err: runMoved(run, cur)}
	}
	var target *machinePoll
	if dir == RunNext {
		for _, mp := range run[cur+1:] {
			if mp.p.State == PollDraft {
				target = mp
				break
			}
		}
	} else {
		end := cur + 1
		if open >= 0 {
			end = open
		}
		for i := end - 1; i >= 0; i-- {
			if run[i].p.State == PollClosed {
				target = run[i]
				break
			}
		}
	}
	// The new version of every poll the step changes, by number (events in
	// a fixed order), each state move made by PollPatch.Apply like a
	// poll_set's; nothing is changed unless every move is valid.
	type change struct {
		mp *machinePoll
		p  Poll
	}
	var changes []change
	for _, mp := range m.polls.list {
		closing := mp.p.State == PollOpen && mp != target
		if !closing && mp != target && mp.p.AdvancesAt == 0 {
			continue
		}
		p := mp.p
		if closing || mp == target {
			state := PollClosed
			if mp == target {
				state = PollOpen
			}
			var err error
			if p, err = (PollPatch{State: &state, At: at}).Apply(p); err != nil {
				return nil, Outcome{Err: AsError(err)}
			}
		}
		p.AdvancesAt = 0
		changes = append(changes, change{mp, p})
	}
	var events []Event
	var out Outcome
	for _, c := range changes {
		m.polls.put(c.mp, c.p)
		events = append(events, pollEvent(m.next(), c.p, c.mp.tally()))
	}
	if target != nil {
		p := target.p
		out.Poll = &p
	}
	return events, out
}

// draftAfter reports whether a draft follows mp in the run.
func (m *Machine) draftAfter(mp *machinePoll) bool {
	run := m.runOrder()
	i := slices.Index(run, mp)
	return slices.ContainsFunc(run[i+1:], func(x *machinePoll) bool { return x.p.State == PollDraft })
}

// cursorID is the id of run[at], "" for none.
func cursorID(run []*machinePoll, at int) string {
	if at < 0 {
		return ""
	}
	return run[at].p.ID
}

// runMoved is the conflict of a step whose sender saw another cursor.
func runMoved(run []*machinePoll, at int) *Error {
	if at < 0 {
		return errorf(CodeConflict, "the run has moved: it has not started")
	}
	p := run[at].p
	return errorf(CodeConflict, "the run has moved: it is now at %s (%q, %s)", p.ID, p.Title, p.State)
}
