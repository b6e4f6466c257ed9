package rooms

import "context"

// CreatePoll implements PollStore.
func (s *LogStore) CreatePoll(ctx context.Context, code string, p Poll) (Poll, Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpPollCreate, Staff: true, Poll: &p, Cap: s.caps.Polls})
	if err != nil {
		return Poll{}, Event{}, err
	}
	return *out.Poll, firstEvent(out.Events), nil
}

// SetPoll implements PollStore.
func (s *LogStore) SetPoll(ctx context.Context, code, id string, patch PollPatch) (Event, Poll, error) {
	out, err := s.apply(ctx, code, Record{Op: OpPollSet, Staff: true, ID: id, PollPatch: &patch})
	if err != nil {
		return Event{}, Poll{}, err
	}
	return firstEvent(out.Events), *out.Poll, nil
}

// DeletePoll implements PollStore.
func (s *LogStore) DeletePoll(ctx context.Context, code, id string) (Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpPollDelete, Staff: true, ID: id})
	return firstEvent(out.Events), err
}

// Poll implements PollStore.
func (s *LogStore) Poll(ctx context.Context, code, id string) (p Poll, err error) {
	found := false
	if err = s.read(ctx, code, func(m *Machine) { p, found = m.Poll(id) }); err != nil {
		return Poll{}, err
	}
	if !found {
		return Poll{}, ErrPollNotFound
	}
	return p, nil
}

// CastBallot implements PollStore. The ballot's time is its entry's: b.At
// is not used.
func (s *LogStore) CastBallot(ctx context.Context, code, id, participant string, b Ballot) (bool, error) {
	rec := Record{Op: OpVote, ID: id, Participant: participant, Ballot: &b}
	if b.Name != "" {
		name := b.Name
		rec.Author = &name
	}
	out, err := s.apply(ctx, code, rec)
	return out.Changed, err
}

// ExpirePoll implements PollStore.
func (s *LogStore) ExpirePoll(ctx context.Context, code, id string, closesAt int64) (Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpPollExpire, ID: id, ClosesAt: closesAt})
	return firstEvent(out.Events), err
}

// RunStep implements PollStore.
func (s *LogStore) RunStep(ctx context.Context, code, dir, from string) (RunStepped, error) {
	out, err := s.apply(ctx, code, Record{Op: OpRunStep, Staff: true, Dir: dir, ID: from})
	return stepped(out), err
}

// AdvanceRun implements PollStore.
func (s *LogStore) AdvanceRun(ctx context.Context, code, id string, advancesAt int64) (RunStepped, error) {
	out, err := s.apply(ctx, code, Record{Op: OpRunAdvance, ID: id, AdvancesAt: advancesAt})
	return stepped(out), err
}

func stepped(out Outcome) RunStepped {
	rs := RunStepped{Opened: out.Poll}
	if n := len(out.Events); n > 0 {
		rs.Seq = out.Events[n-1].Seq
	}
	return rs
}

// Leaderboard implements PollStore.
func (s *LogStore) Leaderboard(ctx context.Context, code, id string, n int, who ...string) (lb Leaderboard, err error) {
	err = s.read(ctx, code, func(m *Machine) { lb = m.Leaderboard(id, n, who...) })
	return lb, err
}

// ResultsChanges implements PollStore from the rooms' change logs.
func (s *LogStore) ResultsChanges(ctx context.Context, since map[string]uint64) (map[string]ResultsChanges, error) {
	out := make(map[string]ResultsChanges)
	err := s.eachSince(ctx, since, func(code string, lr *logRoom, m *Machine, v uint64) {
		rc := ResultsChanges{Version: lr.results.version}
		for _, mp := range m.polls.list {
			if lr.results.changedAfter(mp.p.ID, v) || (v == 0 && len(mp.ballots) > 0) {
				rc.Results = append(rc.Results, PollResult{ID: mp.p.ID, Kind: mp.p.Kind, Revealed: AudienceSeesResults(mp.p), Tally: mp.tally()})
			}
		}
		if (v > 0 && rc.Version > v) || (v == 0 && len(rc.Results) > 0) {
			out[code] = rc
		}
	})
	return out, err
}

// Ballots implements PollStore.
func (s *LogStore) Ballots(ctx context.Context, code, participant string) (b map[string]Ballot, err error) {
	err = s.read(ctx, code, func(m *Machine) { b = m.Ballots(participant) })
	return b, err
}

// AllBallots implements PollBallotsStore.
func (s *LogStore) AllBallots(ctx context.Context, code string) (pb []PollBallots, err error) {
	err = s.read(ctx, code, func(m *Machine) { pb = m.AllBallots() })
	return pb, err
}
