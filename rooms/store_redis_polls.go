package rooms

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The polls of the Redis store. Every change of a poll is one Lua script
// (lua/poll_*.lua, after lua/common.lua and lua/poll_common.lua), like the
// rest of the store: the change, the room's next seq, the stream entry and
// the publication. The scripts build the events by splicing what Go encoded
// at creation (PollHead, PollCorrect) with the tally they read, so they are
// byte for byte pollEvent's. Ballots are no events: one script takes the
// participant's old ballot's counts off, adds the new one's and advances
// the room's results version; ResultsChanges reads what changed past a
// version with one script per room, pipelined. Keys: lua/poll_common.lua.

var _ Store = (*RedisStore)(nil)

var (
	scriptPollCreate  = loadScript("poll_common", "poll_create")
	scriptPollSet     = loadScript("poll_common", "poll_set")
	scriptPollDelete  = loadScript("poll_common", "poll_delete")
	scriptPollBallot  = loadScript("poll_common", "poll_ballot")
	scriptPollChanges = loadScript("poll_common", "poll_changes")
	scriptPollBallots = loadScript("poll_common", "poll_ballots")
	scriptPollState   = loadScript("poll_common", "poll_state")
	scriptPollGet     = loadScript("poll_common", "poll_get")
	scriptPollExpire  = loadScript("poll_common", "poll_expire")
	scriptLeaderboard = loadScript("poll_common", "poll_leaderboard")
)

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// CreatePoll implements PollStore.
func (s *RedisStore) CreatePoll(ctx context.Context, code string, p Poll) (Poll, Event, error) {
	at := time.Now().UnixNano()
	_, res, err := s.run(ctx, scriptPollCreate, code, at, p.State, boolArg(p.Reveal), p.Kind,
		len(p.Options), p.Max, PollHead(p), PollCorrect(p), p.ClosesAt, boolArg(p.SpeedBonus), p.Seconds)
	if err != nil {
		return Poll{}, Event{}, err
	}
	n, err := replyInt(res, 0)
	env, ok := replyString(res, 1)
	if err != nil || !ok {
		return Poll{}, Event{}, errBadReply
	}
	ev, err := DecodeEnvelope([]byte(env))
	if err != nil {
		return Poll{}, Event{}, err
	}
	p.ID = "p" + strconv.FormatInt(n, 10)
	return p, ev, nil
}

// SetPoll implements PollStore.
func (s *RedisStore) SetPoll(ctx context.Context, code, id string, patch PollPatch) (Event, Poll, error) {
	var state, reveal, speed string
	if patch.State != nil {
		state = "=" + *patch.State // "" keeps the state
	}
	if patch.Reveal != nil {
		reveal = boolArg(*patch.Reveal)
	}
	if patch.SpeedBonus != nil {
		speed = boolArg(*patch.SpeedBonus)
	}
	if patch.At == 0 {
		patch.At = time.Now().UnixMilli()
	}
	st, res, err := s.run(ctx, scriptPollSet, code, time.Now().UnixNano(), id, state, reveal, speed, patch.At)
	if st == statusBadMove {
		rec, ok := replyString(res, 0)
		if !ok {
			return Event{}, Poll{}, errBadReply
		}
		p, perr := parsePollRecord(id, rec)
		if perr != nil {
			return Event{}, Poll{}, perr
		}
		return Event{}, p, errorf(CodeConflict, "a %s poll cannot become %s", p.State, *patch.State)
	}
	if err != nil {
		return Event{}, Poll{}, err
	}
	rec, ok := replyString(res, 0)
	if !ok {
		return Event{}, Poll{}, errBadReply
	}
	p, err := parsePollRecord(id, rec)
	if err != nil {
		return Event{}, Poll{}, err
	}
	if len(res) < 2 {
		return Event{}, p, nil // nothing changed
	}
	env, ok := replyString(res, 1)
	if !ok {
		return Event{}, Poll{}, errBadReply
	}
	ev, err := DecodeEnvelope([]byte(env))
	if err != nil {
		return Event{}, Poll{}, err
	}
	return ev, p, nil
}

// DeletePoll implements PollStore.
func (s *RedisStore) DeletePoll(ctx context.Context, code, id string) (Event, error) {
	at := time.Now().UnixNano()
	_, res, err := s.run(ctx, scriptPollDelete, code, at, id)
	if err != nil {
		return Event{}, err
	}
	seq, err := replyInt(res, 0)
	if err != nil {
		return Event{}, err
	}
	return Event{Seq: uint64(seq), Type: EventPollDeleted, Data: pollDeletedEvent(uint64(seq), id), At: at}, nil
}

// Poll implements PollStore.
func (s *RedisStore) Poll(ctx context.Context, code, id string) (Poll, error) {
	_, res, err := s.run(ctx, scriptPollGet, code, 0, id)
	if err != nil {
		return Poll{}, err
	}
	rec, ok := replyString(res, 0)
	if !ok {
		return Poll{}, errBadReply
	}
	return parsePollRecord(id, rec)
}

// ExpirePoll implements PollStore.
func (s *RedisStore) ExpirePoll(ctx context.Context, code, id string, closesAt int64) (Event, error) {
	_, res, err := s.run(ctx, scriptPollExpire, code, time.Now().UnixNano(), id, closesAt)
	if err != nil || len(res) == 0 {
		return Event{}, err
	}
	env, ok := replyString(res, 0)
	if !ok {
		return Event{}, errBadReply
	}
	return DecodeEnvelope([]byte(env))
}

// Leaderboard implements PollStore.
func (s *RedisStore) Leaderboard(ctx context.Context, code, id string, n int, who ...string) (Leaderboard, error) {
	if n <= 0 {
		return Leaderboard{}, nil
	}
	args := make([]any, 0, 2+len(who))
	args = append(args, id, n)
	for _, p := range who {
		args = append(args, p)
	}
	_, res, err := s.run(ctx, scriptLeaderboard, code, 0, args...)
	if err != nil || len(res) == 0 {
		return Leaderboard{}, err
	}
	quiz, ok1 := replyString(res, 0)
	rec, ok2 := replyString(res, 1)
	if !ok1 || !ok2 || len(res) != 5 {
		return Leaderboard{}, errBadReply
	}
	you, ok := res[4].([]any)
	if !ok || len(you) != 2*len(who) {
		return Leaderboard{}, errBadReply
	}
	p, err := parsePollRecord(quiz, rec)
	if err != nil {
		return Leaderboard{}, err
	}
	lb := Leaderboard{Poll: quiz, Revealed: audienceSeesCorrect(p)}
	for i, list := range []*[]LeaderEntry{&lb.Question, &lb.Room} {
		flat, ok := res[2+i].([]any)
		if !ok || len(flat)%3 != 0 {
			return Leaderboard{}, errBadReply
		}
		scorers := make([]Scorer, 0, len(flat)/3)
		for j := 0; j < len(flat); j += 3 {
			participant, ok1 := flat[j].(string)
			points, ok2 := replyNumber(flat[j+1])
			name, ok3 := flat[j+2].(string)
			if !ok1 || !ok2 || !ok3 {
				return Leaderboard{}, errBadReply
			}
			scorers = append(scorers, Scorer{Participant: participant, Name: name, Points: points})
		}
		*list = rankEntries(scorers)
	}
	if len(who) > 0 {
		lb.You = make(map[string]Standing, len(who))
		for i, p := range who {
			rank, ok1 := replyNumber(you[2*i])
			points, ok2 := replyNumber(you[2*i+1])
			if !ok1 || !ok2 {
				return Leaderboard{}, errBadReply
			}
			lb.You[p] = Standing{Rank: int(rank), Points: points}
		}
	}
	return lb, nil
}

// ballotArgs returns a ballot's letter and values for lua/poll_ballot.lua:
// "x" when it has no field or several (the script refuses it as
// ErrBallotKind after the refusals that come first).
func ballotArgs(b Ballot) []any {
	set := 0
	for _, ok := range []bool{len(b.Choices) > 0, b.Rating != 0, len(b.Words) > 0, b.Text != ""} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return []any{"x"}
	}
	switch {
	case len(b.Choices) > 0:
		args := make([]any, 0, 1+len(b.Choices))
		args = append(args, "c")
		for _, c := range b.Choices {
			args = append(args, c)
		}
		return args
	case b.Rating != 0:
		return []any{"r", b.Rating}
	case len(b.Words) > 0:
		args := make([]any, 0, 1+len(b.Words))
		args = append(args, "w")
		for _, w := range b.Words {
			if w == "" || strings.ContainsFunc(w, func(r rune) bool { return r <= ' ' || r == '|' }) {
				return []any{"x"} // not a word of CloudWords
			}
			args = append(args, w)
		}
		return args
	}
	return []any{"t", mustJSON(b.Text)}
}

// CastBallot implements PollStore.
func (s *RedisStore) CastBallot(ctx context.Context, code, id, participant string, b Ballot) (bool, error) {
	if b.At == 0 {
		b.At = time.Now().UnixMilli()
	}
	args := append([]any{id, participant, b.At, b.Name}, ballotArgs(b)...)
	_, res, err := s.run(ctx, scriptPollBallot, code, 0, args...)
	if err != nil {
		return false, err
	}
	changed, err := replyInt(res, 0)
	return changed == 1, err
}

// ResultsChanges implements PollStore: the changes script of every room,
// pipelined, in one round trip. For a room whose version has not moved the
// script reads one hash field.
func (s *RedisStore) ResultsChanges(ctx context.Context, since map[string]uint64) (map[string]ResultsChanges, error) {
	out := make(map[string]ResultsChanges)
	err := s.changesPast(ctx, scriptPollChanges, since, func(code string, ver uint64, res []any) error {
		ch := ResultsChanges{Version: ver}
		for _, v := range res {
			ps, err := parsePollReply(v)
			if err != nil {
				return err
			}
			ch.Results = append(ch.Results, PollResult{ID: ps.Poll.ID, Kind: ps.Poll.Kind, Revealed: AudienceSeesResults(ps.Poll), Tally: ps.Tally})
		}
		sort.Slice(ch.Results, func(a, b int) bool { return pollNumber(ch.Results[a].ID) < pollNumber(ch.Results[b].ID) })
		out[code] = ch
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Ballots implements PollStore.
func (s *RedisStore) Ballots(ctx context.Context, code, participant string) (map[string]Ballot, error) {
	_, res, err := s.run(ctx, scriptPollBallots, code, 0, participant)
	if err != nil {
		return nil, err
	}
	if len(res)%2 != 0 {
		return nil, errBadReply
	}
	out := make(map[string]Ballot, len(res)/2)
	for i := 0; i < len(res); i += 2 {
		n, ok1 := replyString(res, i)
		rec, ok2 := replyString(res, i+1)
		if !ok1 || !ok2 {
			return nil, errBadReply
		}
		b, err := parseBallot(rec)
		if err != nil {
			return nil, err
		}
		out["p"+n] = b
	}
	return out, nil
}

// StateWithPolls implements PollStore: one script, so one consistent
// picture of the room, its questions and its polls.
func (s *RedisStore) StateWithPolls(ctx context.Context, code string, comments int) (State, error) {
	args := make([]any, 0, 1+len(ReactionKinds))
	args = append(args, max(comments, 0))
	for _, k := range ReactionKinds {
		args = append(args, k)
	}
	_, res, err := s.run(ctx, scriptPollState, code, 0, args...)
	if err != nil {
		return State{}, err
	}
	if len(res) != 7 {
		return State{}, errBadReply
	}
	// The reply is state.lua's (with the questions), then the polls.
	st, extra, err := parseState(res[:6], true)
	if err != nil {
		return State{}, err
	}
	if err := fillQuestions(&st, extra); err != nil {
		return State{}, err
	}
	polls, ok := res[6].([]any)
	if !ok {
		return State{}, errBadReply
	}
	st.Polls = make([]PollState, 0, len(polls))
	for _, v := range polls {
		ps, err := parsePollReply(v)
		if err != nil {
			return State{}, err
		}
		st.Polls = append(st.Polls, ps)
	}
	sort.Slice(st.Polls, func(a, b int) bool { return pollNumber(st.Polls[a].Poll.ID) < pollNumber(st.Polls[b].Poll.ID) })
	return st, nil
}

// parsePollRecord reads a poll's record (lua/poll_common.lua).
func parsePollRecord(id, rec string) (Poll, error) {
	bad := func(why string) (Poll, error) {
		return Poll{}, fmt.Errorf("rooms: redis: bad poll record %s: %s", id, why)
	}
	head, body, ok := strings.Cut(rec, "\n")
	f := strings.Split(head, " ")
	if len(f) == 6 {
		f = append(f, "0", "0", "0") // written before quiz timers
	}
	if !ok || len(f) != 9 {
		return bad("header")
	}
	closesAt, err1 := strconv.ParseInt(f[6], 10, 64)
	seconds, err2 := strconv.Atoi(f[8])
	if err1 != nil || err2 != nil {
		return bad("header")
	}
	hlen, err := strconv.Atoi(f[5])
	if err != nil || hlen < 0 || hlen > len(body) {
		return bad("header")
	}
	var h struct {
		Kind    string   `json:"kind"`
		Title   string   `json:"title"`
		Options []string `json:"options"`
		Max     int      `json:"max"`
	}
	if err := json.Unmarshal([]byte("{"+body[:hlen]+"}"), &h); err != nil {
		return bad(err.Error())
	}
	p := Poll{ID: id, Kind: h.Kind, Title: h.Title, Options: h.Options, Max: h.Max, State: f[0], Reveal: f[1] == "1",
		ClosesAt: closesAt, SpeedBonus: f[7] == "1", Seconds: seconds}
	if p.Options == nil {
		p.Options = []string{} // as the Service makes polls without options
	}
	if correct := body[hlen:]; correct != "" {
		if err := json.Unmarshal([]byte(correct), &p.Correct); err != nil {
			return bad(err.Error())
		}
	}
	return p, nil
}

// parseBallot reads a stored ballot (lua/poll_common.lua).
func parseBallot(rec string) (Ballot, error) {
	var b Ballot
	if rec == "" {
		return b, errBadReply
	}
	v := rec[1:]
	switch rec[0] {
	case 'c':
		for _, f := range strings.Fields(v) {
			c, err := strconv.Atoi(f)
			if err != nil {
				return b, errBadReply
			}
			b.Choices = append(b.Choices, c)
		}
	case 'r':
		r, err := strconv.Atoi(v)
		if err != nil {
			return b, errBadReply
		}
		b.Rating = r
	case 'w':
		b.Words = strings.Fields(v)
	case 't':
		_, js, ok := strings.Cut(v, " ")
		if !ok || json.Unmarshal([]byte(js), &b.Text) != nil {
			return b, errBadReply
		}
	default:
		return b, errBadReply
	}
	return b, nil
}

// replyNumber reads an integer reply or a decimal string (nil: 0).
func replyNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case string:
		c, err := strconv.ParseInt(n, 10, 64)
		return c, err == nil
	case nil:
		return 0, true
	}
	return 0, false
}

// parsePollReply reads p_reply's {id, record, total, sum, counts, words,
// answers} (lua/poll_common.lua) as Tally holds it, like the memory store:
// Counts empty but not nil for kinds with counts, nil for the others; Words
// and Answers nil when there are none.
func parsePollReply(v any) (PollState, error) {
	r, ok := v.([]any)
	if !ok || len(r) != 7 {
		return PollState{}, errBadReply
	}
	id, ok1 := r[0].(string)
	rec, ok2 := r[1].(string)
	total, ok3 := replyNumber(r[2])
	sum, ok4 := replyNumber(r[3])
	counts, ok5 := r[4].([]any)
	words, ok6 := r[5].([]any)
	answers, ok7 := r[6].([]any)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 || len(words)%2 != 0 {
		return PollState{}, errBadReply
	}
	p, err := parsePollRecord(id, rec)
	if err != nil {
		return PollState{}, err
	}
	t := Tally{Total: total}
	if p.Kind == PollRating {
		t.Sum = sum
	}
	if hasOptions(p.Kind) || p.Kind == PollRating {
		t.Counts = make([]int64, len(counts))
		for i, c := range counts {
			if t.Counts[i], ok = replyNumber(c); !ok {
				return PollState{}, errBadReply
			}
		}
	}
	for i := 0; i < len(words); i += 2 {
		w, ok1 := words[i].(string)
		n, ok2 := replyNumber(words[i+1])
		if !ok1 || !ok2 {
			return PollState{}, errBadReply
		}
		t.Words = append(t.Words, WordCount{Word: w, Count: n})
	}
	for _, a := range answers {
		js, ok := a.(string)
		var text string
		if !ok || json.Unmarshal([]byte(js), &text) != nil {
			return PollState{}, errBadReply
		}
		t.Answers = append(t.Answers, text)
	}
	return PollState{Poll: p, Tally: t}, nil
}
