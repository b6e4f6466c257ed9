package rooms

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// memoryPolls is the polls state of a memory room, guarded by the room's
// mutex. Its map is made at first use.
type memoryPolls struct {
	polls   map[string]*memoryPoll // id → poll (not deleted)
	nextID  uint64                 // the last poll number
	version uint64                 // the room's results version

	points map[string]map[string]int64 // quiz id → participant → points above 0, of its latest close
	totals map[string]int64            // participant → points above 0 across the quizzes
	names  map[string]string           // participant → name of its latest quiz ballot (absent: anonymous)
}

type memoryPoll struct {
	p       Poll
	ballots map[string]Ballot // participant → ballot
	cast    map[string]uint64 // participant → when its ballot was cast (text polls)
	casts   uint64            // the last cast number
	left    map[string]int64  // participant → ms the quiz timer had left at its ballot (quiz)
	castAt  map[string]int64  // participant → when its quiz ballot was cast, Unix ms
	counts  []int64
	sum     int64
	words   map[string]int64 // word → ballots with it (wordcloud), no zeros
	version uint64           // the results version of the last change of its tally
}

var _ Store = (*MemoryStore)(nil)

// sorted returns the room's polls ordered by poll number.
func (mp *memoryPolls) sorted() []*memoryPoll {
	out := make([]*memoryPoll, 0, len(mp.polls))
	for _, p := range mp.polls {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return pollNumber(out[i].p.ID) < pollNumber(out[j].p.ID) })
	return out
}

// add adds (sign 1) or takes off (sign -1) b's counts.
func (m *memoryPoll) add(b Ballot, sign int64) {
	switch {
	case hasOptions(m.p.Kind):
		for _, c := range b.Choices {
			m.counts[c] += sign
		}
	case m.p.Kind == PollRating:
		m.counts[b.Rating-1] += sign
		m.sum += sign * int64(b.Rating)
	case m.p.Kind == PollWordcloud:
		for _, w := range b.Words {
			if m.words[w] += sign; m.words[w] == 0 {
				delete(m.words, w)
			}
		}
	}
}

// tally returns the poll's current tally.
func (m *memoryPoll) tally() Tally {
	t := Tally{Counts: slices.Clone(m.counts), Total: int64(len(m.ballots)), Sum: m.sum}
	if t.Counts == nil && (hasOptions(m.p.Kind) || m.p.Kind == PollRating) {
		t.Counts = []int64{}
	}
	switch m.p.Kind {
	case PollWordcloud:
		for w, n := range m.words {
			t.Words = append(t.Words, WordCount{Word: w, Count: n})
		}
		sort.Slice(t.Words, func(i, j int) bool {
			a, b := t.Words[i], t.Words[j]
			return a.Count > b.Count || (a.Count == b.Count && a.Word < b.Word)
		})
		if len(t.Words) > MaxCloudWords {
			t.Words = t.Words[:MaxCloudWords]
		}
	case PollText:
		who := make([]string, 0, len(m.ballots))
		for p := range m.ballots {
			who = append(who, p)
		}
		sort.Slice(who, func(i, j int) bool { return m.cast[who[i]] < m.cast[who[j]] })
		if len(who) > MaxTextAnswers {
			who = who[len(who)-MaxTextAnswers:]
		}
		for _, p := range who {
			t.Answers = append(t.Answers, m.ballots[p].Text)
		}
	}
	return t
}

// CreatePoll implements PollStore.
func (s *MemoryStore) CreatePoll(_ context.Context, code string, p Poll) (Poll, Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Poll{}, Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	mp := &r.polls
	if mp.polls == nil {
		mp.polls = make(map[string]*memoryPoll)
	}
	mp.nextID++
	p.ID = "p" + strconv.FormatUint(mp.nextID, 10)
	p.Options = slices.Clone(p.Options)
	p.Correct = slices.Clone(p.Correct)
	m := &memoryPoll{p: p, ballots: make(map[string]Ballot), cast: make(map[string]uint64), words: make(map[string]int64),
		left: make(map[string]int64), castAt: make(map[string]int64)}
	m.counts = emptyTally(p).Counts
	mp.polls[p.ID] = m
	ev := s.appendLocked(r, pollEvent(r.seq+1, p, m.tally()))
	return p, ev, nil
}

// SetPoll implements PollStore.
func (s *MemoryStore) SetPoll(_ context.Context, code, id string, patch PollPatch) (Event, Poll, error) {
	r, err := s.room(code)
	if err != nil {
		return Event{}, Poll{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.polls.polls[id]
	if m == nil {
		return Event{}, Poll{}, ErrPollNotFound
	}
	if patch.At == 0 {
		patch.At = time.Now().UnixMilli()
	}
	p, err := patch.Apply(m.p)
	if err != nil {
		return Event{}, m.p, err
	}
	if p.State == m.p.State && p.Reveal == m.p.Reveal && p.SpeedBonus == m.p.SpeedBonus && p.ClosesAt == m.p.ClosesAt {
		return Event{}, p, nil
	}
	closing := p.State == PollClosed && m.p.State != PollClosed
	m.p = p
	if closing {
		r.polls.score(m)
	}
	return s.appendLocked(r, pollEvent(r.seq+1, p, m.tally())), p, nil
}

// ExpirePoll implements PollStore.
func (s *MemoryStore) ExpirePoll(_ context.Context, code, id string, closesAt int64) (Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.polls.polls[id]
	if m == nil {
		return Event{}, ErrPollNotFound
	}
	if m.p.State != PollOpen || m.p.ClosesAt != closesAt {
		return Event{}, nil
	}
	m.p.State = PollClosed
	r.polls.score(m)
	return s.appendLocked(r, pollEvent(r.seq+1, m.p, m.tally())), nil
}

// score replaces quiz m's points by those of its ballots now (QuizPoints).
func (mp *memoryPolls) score(m *memoryPoll) {
	if m.p.Kind != PollQuiz {
		return
	}
	mp.unscore(m.p.ID)
	points := make(map[string]int64)
	for participant, b := range m.ballots {
		if n := QuizPoints(m.p, b.Choices, m.left[participant]); n > 0 {
			points[participant] = n
			if mp.totals == nil {
				mp.totals = make(map[string]int64)
			}
			mp.totals[participant] += n
		}
	}
	if mp.points == nil {
		mp.points = make(map[string]map[string]int64)
	}
	mp.points[m.p.ID] = points
}

// unscore takes quiz id's points off the room totals.
func (mp *memoryPolls) unscore(id string) {
	for participant, n := range mp.points[id] {
		if mp.totals[participant] -= n; mp.totals[participant] <= 0 {
			delete(mp.totals, participant)
		}
	}
	delete(mp.points, id)
}

// Leaderboard implements PollStore.
func (s *MemoryStore) Leaderboard(_ context.Context, code, id string, n int, who ...string) (Leaderboard, error) {
	r, err := s.room(code)
	if err != nil {
		return Leaderboard{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var quiz *memoryPoll
	if id != "" {
		quiz = r.polls.polls[id]
	} else {
		for _, m := range r.polls.polls {
			if m.p.Kind == PollQuiz && m.p.State == PollClosed && (quiz == nil || pollNumber(m.p.ID) > pollNumber(quiz.p.ID)) {
				quiz = m
			}
		}
	}
	if quiz == nil || quiz.p.Kind != PollQuiz {
		return Leaderboard{}, nil
	}
	scorers := func(points map[string]int64) []LeaderEntry {
		list := make([]Scorer, 0, len(points))
		for participant, p := range points {
			list = append(list, Scorer{Participant: participant, Points: p})
		}
		list = topScorers(list, n)
		for i := range list {
			list[i].Name = r.polls.names[list[i].Participant]
		}
		return rankEntries(list)
	}
	return Leaderboard{
		Poll:     quiz.p.ID,
		Revealed: audienceSeesCorrect(quiz.p),
		Question: scorers(r.polls.points[quiz.p.ID]),
		Room:     scorers(r.polls.totals),
		You:      standings(r.polls.totals, who),
	}, nil
}

// DeletePoll implements PollStore.
func (s *MemoryStore) DeletePoll(_ context.Context, code, id string) (Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.polls.polls[id] == nil {
		return Event{}, ErrPollNotFound
	}
	r.polls.unscore(id)
	delete(r.polls.polls, id)
	seq := r.seq + 1
	return s.appendLocked(r, Event{Seq: seq, Type: EventPollDeleted, Data: pollDeletedEvent(seq, id)}), nil
}

// Poll implements PollStore.
func (s *MemoryStore) Poll(_ context.Context, code, id string) (Poll, error) {
	r, err := s.room(code)
	if err != nil {
		return Poll{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.polls.polls[id]
	if m == nil {
		return Poll{}, ErrPollNotFound
	}
	p := m.p
	p.Options, p.Correct = slices.Clone(p.Options), slices.Clone(p.Correct)
	return p, nil
}

// CastBallot implements PollStore.
func (s *MemoryStore) CastBallot(_ context.Context, code, id, participant string, b Ballot) (bool, error) {
	r, err := s.room(code)
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := postAllowed(r.rec.Room, r.banned[participant]); err != nil {
		return false, err
	}
	m := r.polls.polls[id]
	if m == nil {
		return false, ErrPollNotFound
	}
	if m.p.State != PollOpen {
		return false, ErrPollNotOpen
	}
	if b.At == 0 {
		b.At = time.Now().UnixMilli()
	}
	if m.p.ClosesAt > 0 && b.At >= m.p.ClosesAt {
		return false, ErrQuizTimeUp
	}
	if err := CheckBallot(m.p, b); err != nil {
		return false, err
	}
	old, had := m.ballots[participant]
	if had && old.Equal(b) {
		return false, nil
	}
	if had {
		m.add(old, -1)
	}
	at, name := b.At, strings.Clone(b.Name)
	b = Ballot{Choices: slices.Clone(b.Choices), Rating: b.Rating, Words: slices.Clone(b.Words), Text: strings.Clone(b.Text)}
	m.add(b, 1)
	m.ballots[participant] = b
	m.casts++
	m.cast[participant] = m.casts
	if m.p.Kind == PollQuiz {
		m.castAt[participant] = at
		m.left[participant] = 0
		if m.p.ClosesAt > 0 {
			m.left[participant] = m.p.ClosesAt - at
		}
		if r.polls.names == nil {
			r.polls.names = make(map[string]string)
		}
		if name == "" {
			delete(r.polls.names, participant)
		} else {
			r.polls.names[participant] = name
		}
	}
	r.polls.version++
	m.version = r.polls.version
	return true, nil
}

// ResultsChanges implements PollStore.
func (s *MemoryStore) ResultsChanges(_ context.Context, since map[string]uint64) (map[string]ResultsChanges, error) {
	out := make(map[string]ResultsChanges)
	for code, v := range since {
		r, err := s.room(code)
		if err != nil {
			continue
		}
		r.mu.Lock()
		if r.polls.version > v {
			ch := ResultsChanges{Version: r.polls.version}
			for _, m := range r.polls.sorted() {
				if m.version > v {
					ch.Results = append(ch.Results, PollResult{ID: m.p.ID, Kind: m.p.Kind, Revealed: AudienceSeesResults(m.p), Tally: m.tally()})
				}
			}
			out[code] = ch
		}
		r.mu.Unlock()
	}
	return out, nil
}

// Ballots implements PollStore.
func (s *MemoryStore) Ballots(_ context.Context, code, participant string) (map[string]Ballot, error) {
	r, err := s.room(code)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Ballot)
	for id, m := range r.polls.polls {
		if b, ok := m.ballots[participant]; ok {
			out[id] = b
		}
	}
	return out, nil
}

// StateWithPolls implements PollStore.
func (s *MemoryStore) StateWithPolls(ctx context.Context, code string, comments int) (State, error) {
	r, err := s.room(code)
	if err != nil {
		return State{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := s.stateLocked(r, comments)
	st.Polls = make([]PollState, 0, len(r.polls.polls))
	for _, m := range r.polls.sorted() {
		st.Polls = append(st.Polls, PollState{Poll: m.p, Tally: m.tally()})
	}
	return st, nil
}
