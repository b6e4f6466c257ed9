package rooms

import (
	"context"
	"slices"
	"time"
)

// maxPollCache bounds Service.pollKinds; it is emptied when full.
const maxPollCache = 10000

// pollStore returns store as a PollStore, or nil when it is not one.
// handlePoll dispatches poll_create, poll_set, poll_delete and vote.
func (s *Service) handlePoll(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Type == TypeVote {
		return s.vote(ctx, actor, cmd)
	}
	if !actor.Role.Staff() {
		return Ack{}, &Error{Code: CodeForbidden, Message: "only moderators and hosts may manage polls"}
	}
	switch cmd.Type {
	case TypePollCreate:
		return s.pollCreate(ctx, actor, cmd)
	case TypePollSet:
		return s.pollSet(ctx, actor, cmd)
	}
	return s.pollDelete(ctx, actor, cmd)
}

// NewPoll validates a poll_create command and returns the poll to store
// (without id, and without ClosesAt: the Service sets it when a timed quiz
// is made open). A quiz's "seconds" (MinQuizSeconds–MaxQuizSeconds) gives
// it a timer and turns its speed bonus on unless "speed_bonus" is false;
// other kinds take neither field.
func NewPoll(cmd Command) (Poll, error) {
	p := Poll{Kind: cmd.Kind, State: PollDraft, Options: []string{}}
	if !ValidPollKind(p.Kind) {
		return p, errorf(CodeBadRequest, "unknown poll kind %q; use single, multi, rating, wordcloud, text or quiz", p.Kind)
	}
	if cmd.Title == nil {
		return p, errorf(CodeBadRequest, "poll_create needs \"title\"")
	}
	title, n := cleanText(*cmd.Title)
	switch {
	case n == 0:
		return p, errorf(CodeBadRequest, "a poll needs a title")
	case TextTooLong(title, n, MaxPollTitleRunes):
		return p, errorf(CodeTooLarge, "a poll title is at most %s", lengthLimit(MaxPollTitleRunes))
	}
	p.Title = title
	switch cmd.State {
	case "", PollDraft:
	case PollOpen:
		p.State = PollOpen
	default:
		return p, errorf(CodeBadRequest, "a new poll is draft or open, not %q", cmd.State)
	}
	if cmd.Reveal != nil {
		p.Reveal = *cmd.Reveal
	}
	if cmd.Seconds != 0 || cmd.SpeedBonus != nil {
		if p.Kind != PollQuiz {
			return p, errorf(CodeBadRequest, "only a quiz has a timer (\"seconds\") and a \"speed_bonus\"")
		}
		if cmd.Seconds != 0 && (cmd.Seconds < MinQuizSeconds || cmd.Seconds > MaxQuizSeconds) {
			return p, errorf(CodeBadRequest, "\"seconds\" must be %d–%d", MinQuizSeconds, MaxQuizSeconds)
		}
		if cmd.Seconds == 0 && *cmd.SpeedBonus {
			return p, errorf(CodeBadRequest, "a speed bonus needs a timer: set \"seconds\"")
		}
		p.Seconds = cmd.Seconds
		p.SpeedBonus = p.Seconds > 0 && (cmd.SpeedBonus == nil || *cmd.SpeedBonus)
	}
	if cmd.Advance != nil {
		if !ValidRunAdvance(p.Kind, p.Seconds, *cmd.Advance) {
			return p, ErrBadRunAdvance
		}
		p.Advance = *cmd.Advance
	}
	if !hasOptions(p.Kind) {
		switch {
		case len(cmd.Options) > 0:
			return p, errorf(CodeBadRequest, "a %s poll has no options", p.Kind)
		case cmd.Max != 0:
			return p, errorf(CodeBadRequest, "only a multi poll has \"max\"")
		case len(cmd.Correct) > 0:
			return p, errorf(CodeBadRequest, "only a quiz has \"correct\"")
		}
		return p, nil
	}
	if len(cmd.Options) < 2 || len(cmd.Options) > MaxPollOptions {
		return p, errorf(CodeBadRequest, "a %s poll needs 2–%d options", p.Kind, MaxPollOptions)
	}
	for i, o := range cmd.Options {
		o, n := cleanText(o)
		switch {
		case n == 0:
			return p, errorf(CodeBadRequest, "option %d is empty", i)
		case TextTooLong(o, n, MaxPollOptionRunes):
			return p, errorf(CodeTooLarge, "an option is at most %s", lengthLimit(MaxPollOptionRunes))
		case slices.Contains(p.Options, o):
			return p, errorf(CodeBadRequest, "option %d repeats an earlier option", i)
		}
		p.Options = append(p.Options, o)
	}
	switch p.Kind {
	case PollSingle:
		if cmd.Max > 1 {
			return p, errorf(CodeBadRequest, "a single poll takes one choice; use kind multi for \"max\"")
		}
		p.Max = 1
	case PollMulti:
		p.Max = cmd.Max
		if p.Max == 0 {
			p.Max = len(p.Options)
		}
		if p.Max < 1 || p.Max > len(p.Options) {
			return p, errorf(CodeBadRequest, "\"max\" must be 1–%d (the number of options)", len(p.Options))
		}
	case PollQuiz:
		if cmd.Max != 0 {
			return p, errorf(CodeBadRequest, "a quiz takes as many choices as it has correct options; leave out \"max\"")
		}
	}
	if p.Kind != PollQuiz {
		if len(cmd.Correct) > 0 {
			return p, errorf(CodeBadRequest, "only a quiz has \"correct\"")
		}
		return p, nil
	}
	correct, err := canonicalChoices(cmd.Correct, len(p.Options), "correct")
	if err != nil {
		return p, err
	}
	if len(correct) == 0 {
		return p, errorf(CodeBadRequest, "a quiz needs \"correct\": the indexes of its correct options")
	}
	p.Correct, p.Max = correct, len(correct)
	return p, nil
}

// canonicalChoices checks option indexes (distinct, 0 ≤ i < options) and
// returns them ascending.
func canonicalChoices(in []int, options int, field string) ([]int, error) {
	out := slices.Clone(in)
	slices.Sort(out)
	for i, c := range out {
		if c < 0 || (options >= 0 && c >= options) {
			return nil, errorf(CodeBadRequest, "%q holds %d, not an option index (0–%d)", field, c, options-1)
		}
		if i > 0 && out[i-1] == c {
			return nil, errorf(CodeBadRequest, "%q repeats option %d", field, c)
		}
	}
	return out, nil
}

// pollCreate: moderators and the host. The ack carries the poll's id and
// the seq of its `poll` event.
func (s *Service) pollCreate(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	p, err := NewPoll(cmd)
	if err != nil {
		return Ack{}, err
	}
	if p.State == PollOpen && p.Seconds > 0 {
		p.ClosesAt = s.Now().UnixMilli() + int64(p.Seconds)*1000
	}
	made, ev, err := s.store.CreatePoll(ctx, actor.Room, p)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Poll: made.ID}, nil
}

// pollSet: moderators and the host; state and/or reveal. The ack's seq is
// absent when nothing changed.
func (s *Service) pollSet(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Poll == "" {
		return Ack{}, errorf(CodeBadRequest, "poll_set needs \"poll\"")
	}
	patch := PollPatch{Reveal: cmd.Reveal, SpeedBonus: cmd.SpeedBonus, Order: cmd.Order, Advance: cmd.Advance, At: s.Now().UnixMilli()}
	if o := cmd.Order; o != nil && (*o < 1 || *o > MaxPollOrder) {
		return Ack{}, ErrBadPollOrder
	}
	if cmd.State != "" {
		if !ValidPollState(cmd.State) {
			return Ack{}, errorf(CodeBadRequest, "unknown poll state %q; use draft, open or closed", cmd.State)
		}
		patch.State = &cmd.State
	}
	if patch.IsZero() {
		return Ack{}, errorf(CodeBadRequest, "poll_set needs at least one of state, reveal, speed_bonus, order, advance")
	}
	if cmd.Advance != nil {
		p, err := s.pollShape(ctx, actor.Room, cmd.Poll)
		if err != nil {
			return Ack{}, err
		}
		if !ValidRunAdvance(p.Kind, p.Seconds, *cmd.Advance) {
			return Ack{}, ErrBadRunAdvance
		}
	}
	if cmd.SpeedBonus != nil {
		p, err := s.pollShape(ctx, actor.Room, cmd.Poll)
		if err != nil {
			return Ack{}, err
		}
		if p.Kind != PollQuiz || p.Seconds == 0 {
			return Ack{}, errorf(CodeBadRequest, "only a quiz with a timer (\"seconds\") has a speed bonus")
		}
	}
	ev, _, err := s.store.SetPoll(ctx, actor.Room, cmd.Poll, patch)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Poll: cmd.Poll}, nil
}

// pollDelete: moderators and the host.
func (s *Service) pollDelete(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Poll == "" {
		return Ack{}, errorf(CodeBadRequest, "poll_delete needs \"poll\"")
	}
	ev, err := s.store.DeletePoll(ctx, actor.Room, cmd.Poll)
	if err != nil {
		return Ack{}, err
	}
	s.pollMu.Lock()
	delete(s.pollKinds, actor.Room+"|"+cmd.Poll)
	s.pollMu.Unlock()
	return Ack{Seq: ev.Seq, Poll: cmd.Poll}, nil
}

// pollShape returns the fixed part of a poll (kind, options, max, seconds), from a
// cache: it never changes after creation and ids are never reused.
func (s *Service) pollShape(ctx context.Context, room, id string) (Poll, error) {
	key := room + "|" + id
	s.pollMu.Lock()
	p, ok := s.pollKinds[key]
	s.pollMu.Unlock()
	if ok {
		return p, nil
	}
	p, err := s.store.Poll(ctx, room, id)
	if err != nil {
		return Poll{}, err
	}
	p = Poll{ID: p.ID, Kind: p.Kind, Options: p.Options, Max: p.Max, Seconds: p.Seconds}
	s.pollMu.Lock()
	if len(s.pollKinds) >= maxPollCache {
		clear(s.pollKinds)
	}
	s.pollKinds[key] = p
	s.pollMu.Unlock()
	return p, nil
}

// MakeBallot validates a vote command for poll p and returns its canonical
// ballot: choices (single, multi, quiz; distinct option indexes, at most
// p.Max), rating (1–MaxRating), or text (wordcloud: its words by
// CloudWords with the filter's matches dropped; text: cleaned and masked
// by filter), 1–MaxBallotRunes characters. filter may be nil.
func MakeBallot(p Poll, cmd Command, filter *WordFilter) (Ballot, error) {
	var b Ballot
	given := 0
	for _, set := range []bool{cmd.Choices != nil, cmd.Rating != 0, cmd.Text != ""} {
		if set {
			given++
		}
	}
	if given != 1 {
		return b, errorf(CodeBadRequest, "a vote needs exactly one of choices, rating, text")
	}
	switch {
	case hasOptions(p.Kind):
		if cmd.Choices == nil {
			return b, errorf(CodeBadRequest, "a %s poll takes \"choices\" (option indexes)", p.Kind)
		}
		choices, err := canonicalChoices(cmd.Choices, len(p.Options), "choices")
		if err != nil {
			return b, err
		}
		switch {
		case len(choices) == 0:
			return b, errorf(CodeBadRequest, "\"choices\" is empty")
		case len(choices) > p.Max:
			return b, errorf(CodeBadRequest, "this poll takes at most %d choices", p.Max)
		}
		b.Choices = choices
	case p.Kind == PollRating:
		if cmd.Rating < 1 || cmd.Rating > MaxRating {
			return b, errorf(CodeBadRequest, "a rating poll takes \"rating\" 1–%d", MaxRating)
		}
		b.Rating = cmd.Rating
	default: // wordcloud, text
		if cmd.Text == "" {
			return b, errorf(CodeBadRequest, "a %s poll takes \"text\"", p.Kind)
		}
		text, n := cleanText(cmd.Text)
		switch {
		case n == 0:
			return b, errorf(CodeBadRequest, "\"text\" is empty")
		case TextTooLong(text, n, MaxBallotRunes):
			return b, errorf(CodeTooLarge, "a ballot's text is at most %s", lengthLimit(MaxBallotRunes))
		}
		if p.Kind == PollText {
			if filter != nil && filter.Match(text) {
				text = filter.Mask(text)
			}
			b.Text = text
			break
		}
		var drop func(string) bool
		if filter != nil {
			drop = filter.Match
		}
		if b.Words = CloudWords(text, drop); len(b.Words) == 0 {
			return b, errorf(CodeBadRequest, "no word of at least %d letters or digits in \"text\"", MinCloudWordRunes)
		}
	}
	return b, nil
}

// vote: anyone; one ballot per participant per poll, replacing the one cast
// before while the poll is open. Banned participants, closed rooms, polls
// not open and quiz ballots at or after the timer's end are refused by the
// store. A quiz ballot carries its time and the actor's display name (the
// command's "name" through the HTTP API, like comments) for scoring. The ack carries the poll and
// whether the ballot changed anything; everyone gets the tallies in the
// next coalesced `results` event.
func (s *Service) vote(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Poll == "" {
		return Ack{}, errorf(CodeBadRequest, "vote needs \"poll\"")
	}
	p, err := s.pollShape(ctx, actor.Room, cmd.Poll)
	if err != nil {
		return Ack{}, err
	}
	b, err := MakeBallot(p, cmd, s.cfg.WordFilter)
	if err != nil {
		return Ack{}, err
	}
	if p.Kind == PollQuiz {
		b.At, b.Name = s.Now().UnixMilli(), actor.Name
		if cmd.Name != "" {
			b.Name = cleanName(cmd.Name)
		}
	}
	changed, err := s.store.CastBallot(ctx, actor.Room, cmd.Poll, actor.Participant, b)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Poll: cmd.Poll, Changed: &changed}, nil
}

// FlushResults returns, in one round trip to the store, the tallies that
// changed in each room of since after the results version given for it (0:
// the tallies of every poll ever voted in), with each room's version now.
// Rooms without a change are left out; nil when the store has no polls.
// The hub calls it every ResultsFlush for the rooms it serves, keeps each
// room's Version for the next call, and sends ResultsEvent(r) for each
// result to staff, and to everyone else when r.Revealed.
func (s *Service) FlushResults(ctx context.Context, since map[string]uint64) (map[string]ResultsChanges, error) {
	if len(since) == 0 {
		return nil, nil
	}
	return s.store.ResultsChanges(ctx, since)
}

// CurrentResults returns the current tallies of a room's voted polls and
// its results version: what the hub sends (as ResultsEvent) after a
// resume, and after a snapshot, whose tallies may lag by up to
// DefaultSnapshotCacheTTL.
func (s *Service) CurrentResults(ctx context.Context, code string) (ResultsChanges, error) {
	changes, err := s.FlushResults(ctx, map[string]uint64{code: 0})
	return changes[code], err
}

// Now is the Service's clock (Config.Now): quiz timers and ballot times
// are read from it, so every instance should run on synchronized clocks.
func (s *Service) Now() time.Time { return s.cfg.Now() }

// ExpireQuiz is a quiz timer's end: it closes quiz id of the room when it
// is still open with that ClosesAt (see PollStore.ExpirePoll), and returns
// the `poll` event made (zero when it changed nothing, e.g. because
// another instance closed it first or the host reopened it since).
func (s *Service) ExpireQuiz(ctx context.Context, code string, t QuizTimer) (Event, error) {
	return s.store.ExpirePoll(ctx, code, t.Poll, t.ClosesAt)
}

// Timers returns what a hub starts a room's timers from when the room
// gets its first local client, from one read of the room: the open timed
// quizzes to close, and the quizzes whose own step of the run is pending,
// each ordered by poll number.
func (s *Service) Timers(ctx context.Context, code string) (RoomTimers, error) {
	st, err := s.store.StateWithPolls(ctx, code, 0)
	if err != nil {
		return RoomTimers{}, err
	}
	var out RoomTimers
	for _, ps := range st.Polls {
		if ps.Poll.Kind == PollQuiz && ps.Poll.State == PollOpen && ps.Poll.ClosesAt > 0 {
			out.Closes = append(out.Closes, QuizTimer{Poll: ps.Poll.ID, ClosesAt: ps.Poll.ClosesAt})
		}
		if ps.Poll.AdvancesAt > 0 {
			out.Advances = append(out.Advances, RunAdvance{Poll: ps.Poll.ID, At: ps.Poll.AdvancesAt})
		}
	}
	return out, nil
}

// RoomTimers are a room's pending timers (Service.Timers).
type RoomTimers struct {
	Closes   []QuizTimer  // open timed quizzes: close each at its ClosesAt
	Advances []RunAdvance // closed quizzes: step the run on from each at its At
}

// LeaderboardOf returns the `leaderboard` event of quiz id ("": the room's
// closed quiz with the highest number) as an Event for the fan-out: staff
// always receive it, the audience only when the quiz is closed and
// revealed (points tell who answered right). you is the standing in the
// room's totals of each participant in who (the audience clients the
// caller will send the event to: each gets WithYou of its own). ok is
// false when there is no such quiz.
func (s *Service) LeaderboardOf(ctx context.Context, code, id string, who ...string) (ev Event, you map[string]Standing, ok bool, err error) {
	lb, err := s.store.Leaderboard(ctx, code, id, LeaderboardSize, who...)
	if err != nil || lb.Poll == "" {
		return Event{}, nil, false, err
	}
	// Lines carry handles, never participant ids (handles.go).
	for _, list := range [][]LeaderEntry{lb.Question, lb.Room} {
		for i := range list {
			list[i].Handle = s.tokens.LeaderHandle(code, list[i].Participant)
			list[i].Participant = list[i].Handle
		}
	}
	for p, st := range lb.You {
		st.Handle = s.tokens.LeaderHandle(code, p)
		lb.You[p] = st
	}
	b := LeaderboardEvent(lb)
	ev = Event{Type: EventLeaderboard, Staff: b, At: time.Now().UnixNano()}
	if lb.Revealed {
		ev.Data = b
	}
	return ev, lb.You, true, nil
}
