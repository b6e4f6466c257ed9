package rooms

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Ops of the poll records.
const (
	OpPollCreate = "poll_create"
	OpPollSet    = "poll_set"
	OpPollExpire = "poll_expire"
	OpPollDelete = "poll_delete"
	OpVote       = "vote"
)

// machinePoll is a poll with its ballots; the tally (counts, sum, words)
// is kept equal to the sum of the ballots.
type machinePoll struct {
	p       Poll
	ballots map[string]Ballot // participant → ballot (At and Name zero)
	cast    map[string]uint64 // participant → cast number of its ballot (text answers' order)
	casts   uint64
	left    map[string]int64 // quiz: participant → ms its timer had left at the ballot
	counts  []int64
	sum     int64
	words   map[string]int64 // word → ballots with it, no zeros
}

// machinePolls is a room's polls and quiz scores.
type machinePolls struct {
	list   []*machinePoll // by number; deleted ones removed
	byID   map[string]*machinePoll
	nextP  uint64
	points map[string]map[string]int64 // quiz id → participant → points (> 0) of its latest close
	totals map[string]int64            // participant → points (> 0) across quizzes
	names  map[string]string           // participant → name of its latest quiz ballot; absent: anonymous
	// dirty are the polls whose tally changed since TakeResultsChanges.
	dirty map[string]bool
}

func newMachinePoll(p Poll) *machinePoll {
	return &machinePoll{p: p, ballots: make(map[string]Ballot), cast: make(map[string]uint64), left: make(map[string]int64),
		counts: emptyTally(p).Counts, words: make(map[string]int64)}
}

// add counts ballot b into the tally (sign 1) or out of it (-1).
func (mp *machinePoll) add(b Ballot, sign int64) {
	switch {
	case hasOptions(mp.p.Kind):
		for _, c := range b.Choices {
			mp.counts[c] += sign
		}
	case mp.p.Kind == PollRating:
		mp.counts[b.Rating-1] += sign
		mp.sum += sign * int64(b.Rating)
	case mp.p.Kind == PollWordcloud:
		for _, w := range b.Words {
			if mp.words[w] += sign; mp.words[w] == 0 {
				delete(mp.words, w)
			}
		}
	}
}

// tally returns the poll's results, in the order the protocol fixes
// (words by count then bytes, text answers by cast).
func (mp *machinePoll) tally() Tally {
	t := Tally{Counts: slices.Clone(mp.counts), Total: int64(len(mp.ballots)), Sum: mp.sum}
	if t.Counts == nil && (hasOptions(mp.p.Kind) || mp.p.Kind == PollRating) {
		t.Counts = []int64{}
	}
	switch mp.p.Kind {
	case PollWordcloud:
		for w, n := range mp.words {
			t.Words = append(t.Words, WordCount{Word: w, Count: n})
		}
		slices.SortFunc(t.Words, func(a, b WordCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Word, b.Word))
		})
		if len(t.Words) > MaxCloudWords {
			t.Words = t.Words[:MaxCloudWords]
		}
	case PollText:
		who := make([]string, 0, len(mp.ballots))
		for p := range mp.ballots {
			who = append(who, p)
		}
		slices.SortFunc(who, func(a, b string) int { return cmp.Compare(mp.cast[a], mp.cast[b]) })
		if len(who) > MaxTextAnswers {
			who = who[len(who)-MaxTextAnswers:]
		}
		for _, p := range who {
			t.Answers = append(t.Answers, mp.ballots[p].Text)
		}
	}
	return t
}

// createPoll adds a poll (checked by the Service). A timed quiz created
// open closes Seconds after the entry's time.
func (m *Machine) createPoll(r Record, at int64) ([]Event, Outcome) {
	if !r.Staff || r.Poll == nil {
		return nil, Outcome{Err: errorf(CodeForbidden, "only moderators and the host make polls")}
	}
	ps := &m.polls
	if err := roomFull(r, len(ps.list), "polls"); err != nil {
		return nil, Outcome{Err: err}
	}
	if ps.byID == nil {
		ps.byID = make(map[string]*machinePoll)
	}
	ps.nextP++
	p := *r.Poll
	p.ID = "p" + strconv.FormatUint(ps.nextP, 10)
	p.Options, p.Correct = slices.Clone(p.Options), slices.Clone(p.Correct)
	p.ClosesAt, p.AdvancesAt = 0, 0
	if p.State == PollOpen && p.Kind == PollQuiz && p.Seconds > 0 {
		p.ClosesAt = at + int64(p.Seconds)*1000
	}
	mp := newMachinePoll(p)
	ps.list = append(ps.list, mp)
	ps.byID[p.ID] = mp
	return []Event{pollEvent(m.next(), p, mp.tally())}, Outcome{Poll: &p}
}

// setPoll opens, closes, reveals, sets the speed bonus of or moves (its
// run order) a poll; a quiz that closes is scored.
func (m *Machine) setPoll(r Record, at int64) ([]Event, Outcome) {
	if !r.Staff || r.PollPatch == nil {
		return nil, Outcome{Err: errorf(CodeForbidden, "only moderators and the host change polls")}
	}
	mp := m.polls.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	patch := *r.PollPatch
	patch.At = at
	p, err := patch.Apply(mp.p)
	if err != nil {
		return nil, Outcome{Err: AsError(err)}
	}
	if p.State == mp.p.State && p.Reveal == mp.p.Reveal && p.SpeedBonus == mp.p.SpeedBonus && p.ClosesAt == mp.p.ClosesAt && p.Order == mp.p.Order &&
		p.Advance == mp.p.Advance && p.AdvancesAt == mp.p.AdvancesAt {
		return nil, Outcome{Poll: &p}
	}
	m.polls.put(mp, p)
	return []Event{pollEvent(m.next(), p, mp.tally())}, Outcome{Poll: &p}
}

// put replaces mp's poll by p, its new version, and scores a quiz that p
// closes: every change of a poll's state goes through it.
func (ps *machinePolls) put(mp *machinePoll, p Poll) {
	closing := p.State == PollClosed && mp.p.State != PollClosed
	mp.p = p
	if closing {
		ps.score(mp)
	}
}

// expirePoll closes a timed quiz whose timer ran out: an instance's timer
// appends it, and it does nothing unless the quiz is still open with the
// ClosesAt the timer was set for (it may have been closed, or reopened
// with a new timer, in between). A quiz that advances on its own is also
// revealed, and, when a draft follows it in the run, its AdvancesAt set
// Advance seconds after the entry's time (machine_runstep.go).
func (m *Machine) expirePoll(r Record, at int64) ([]Event, Outcome) {
	mp := m.polls.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	if mp.p.State != PollOpen || mp.p.ClosesAt != r.ClosesAt {
		return nil, Outcome{}
	}
	p := mp.p
	p.State = PollClosed
	if p.Advance > 0 {
		p.Reveal = true
		if m.draftAfter(mp) {
			p.AdvancesAt = at + int64(p.Advance)*1000
		}
	}
	m.polls.put(mp, p)
	return []Event{pollEvent(m.next(), p, mp.tally())}, Outcome{Poll: &p}
}

func (m *Machine) deletePoll(r Record) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errorf(CodeForbidden, "only moderators and the host delete polls")}
	}
	ps := &m.polls
	mp := ps.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	ps.unscore(r.ID)
	ps.list = slices.DeleteFunc(ps.list, func(x *machinePoll) bool { return x == mp })
	delete(ps.byID, r.ID)
	delete(ps.dirty, r.ID)
	seq := m.next()
	return []Event{{Seq: seq, Type: EventPollDeleted, Data: pollDeletedEvent(seq, r.ID)}}, Outcome{}
}

// castBallot records a participant's ballot, replacing its earlier one.
// The tally changes without a durable event: it is marked for
// TakeResultsChanges.
func (m *Machine) castBallot(r Record, at int64) ([]Event, Outcome) {
	if err := m.postAllowed(r); err != nil {
		return nil, Outcome{Err: err}
	}
	if r.Participant == "" || r.Ballot == nil {
		return nil, Outcome{Err: errorf(CodeBadRequest, "a ballot needs a participant and an answer")}
	}
	mp := m.polls.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	if mp.p.State != PollOpen {
		return nil, Outcome{Err: ErrPollNotOpen}
	}
	if mp.p.ClosesAt > 0 && at >= mp.p.ClosesAt {
		return nil, Outcome{Err: ErrQuizTimeUp}
	}
	b := Ballot{Choices: slices.Clone(r.Ballot.Choices), Rating: r.Ballot.Rating, Words: slices.Clone(r.Ballot.Words), Text: r.Ballot.Text}
	if err := CheckBallot(mp.p, b); err != nil {
		return nil, Outcome{Err: AsError(err)}
	}
	who := r.Participant
	if old, had := mp.ballots[who]; had {
		if old.Equal(b) {
			return nil, Outcome{}
		}
		mp.add(old, -1)
	}
	mp.add(b, 1)
	mp.ballots[who] = b
	mp.casts++
	mp.cast[who] = mp.casts
	if mp.p.Kind == PollQuiz {
		mp.left[who] = 0
		if mp.p.ClosesAt > 0 {
			mp.left[who] = mp.p.ClosesAt - at
		}
		ps := &m.polls
		if ps.names == nil {
			ps.names = make(map[string]string)
		}
		if r.Author == nil || *r.Author == "" {
			delete(ps.names, who)
		} else {
			ps.names[who] = *r.Author
		}
	}
	if m.polls.dirty == nil {
		m.polls.dirty = make(map[string]bool)
	}
	m.polls.dirty[mp.p.ID] = true
	return nil, Outcome{Changed: true}
}

// score sets a closing quiz's points from its ballots, replacing those of
// an earlier close, and the room totals with them.
func (ps *machinePolls) score(mp *machinePoll) {
	if mp.p.Kind != PollQuiz {
		return
	}
	ps.unscore(mp.p.ID)
	points := make(map[string]int64)
	for who, b := range mp.ballots {
		if n := QuizPoints(mp.p, b.Choices, mp.left[who]); n > 0 {
			points[who] = n
			if ps.totals == nil {
				ps.totals = make(map[string]int64)
			}
			ps.totals[who] += n
		}
	}
	if ps.points == nil {
		ps.points = make(map[string]map[string]int64)
	}
	ps.points[mp.p.ID] = points
}

func (ps *machinePolls) unscore(id string) {
	for who, n := range ps.points[id] {
		if ps.totals[who] -= n; ps.totals[who] <= 0 {
			delete(ps.totals, who)
		}
	}
	delete(ps.points, id)
}

// Leaderboard returns quiz id's leaderboard (id "": the room's closed quiz
// with the highest number), the top n of the quiz and of the room, and the
// standing in the room's totals of each participant of who.
func (m *Machine) Leaderboard(id string, n int, who ...string) Leaderboard {
	ps := &m.polls
	var quiz *machinePoll
	if id != "" {
		quiz = ps.byID[id]
	} else {
		for _, mp := range ps.list {
			if mp.p.Kind == PollQuiz && mp.p.State == PollClosed {
				quiz = mp
			}
		}
	}
	if quiz == nil || quiz.p.Kind != PollQuiz {
		return Leaderboard{}
	}
	scorers := func(points map[string]int64) []LeaderEntry {
		list := make([]Scorer, 0, len(points))
		for who, p := range points {
			list = append(list, Scorer{Participant: who, Points: p})
		}
		list = topScorers(list, n)
		for i := range list {
			list[i].Name = ps.names[list[i].Participant]
		}
		return rankEntries(list)
	}
	lb := Leaderboard{Poll: quiz.p.ID, Revealed: audienceSeesCorrect(quiz.p), Question: scorers(ps.points[quiz.p.ID]), Room: scorers(ps.totals)}
	if len(who) > 0 {
		lb.You = standings(ps.totals, who)
	}
	return lb
}

// TakeResultsChanges returns the results of the polls whose tally changed
// since the last call, in poll order, and forgets them.
func (m *Machine) TakeResultsChanges() []PollResult {
	if len(m.polls.dirty) == 0 {
		return nil
	}
	var out []PollResult
	for _, mp := range m.polls.list {
		if m.polls.dirty[mp.p.ID] {
			out = append(out, PollResult{ID: mp.p.ID, Kind: mp.p.Kind, Revealed: AudienceSeesResults(mp.p), Tally: mp.tally()})
		}
	}
	clear(m.polls.dirty)
	return out
}

// Polls returns the room's polls with their results, in poll order.
func (m *Machine) Polls() []PollState {
	out := make([]PollState, len(m.polls.list))
	for i, mp := range m.polls.list {
		out[i] = PollState{Poll: mp.p, Tally: mp.tally()}
	}
	return out
}

// Ballots returns participant's ballots by poll id.
func (m *Machine) Ballots(participant string) map[string]Ballot {
	out := make(map[string]Ballot)
	for _, mp := range m.polls.list {
		if b, ok := mp.ballots[participant]; ok {
			out[mp.p.ID] = b
		}
	}
	return out
}

// Poll returns poll id as kept (with Correct); ok is false when there is
// no such poll.
func (m *Machine) Poll(id string) (p Poll, ok bool) {
	mp := m.polls.byID[id]
	if mp == nil {
		return Poll{}, false
	}
	p = mp.p
	p.Options, p.Correct = slices.Clone(p.Options), slices.Clone(p.Correct)
	return p, true
}

// AllBallots returns every poll in poll order with every ballot cast in
// it: a text poll's in the order they were cast, the others' by
// participant id.
func (m *Machine) AllBallots() []PollBallots {
	out := make([]PollBallots, 0, len(m.polls.list))
	for _, mp := range m.polls.list {
		p, _ := m.Poll(mp.p.ID)
		pb := PollBallots{Poll: p, Ballots: make([]VoterBallot, 0, len(mp.ballots))}
		for who, b := range mp.ballots {
			b = Ballot{Choices: slices.Clone(b.Choices), Rating: b.Rating, Words: slices.Clone(b.Words), Text: b.Text}
			pb.Ballots = append(pb.Ballots, VoterBallot{Participant: who, Ballot: b})
		}
		if p.Kind == PollText {
			slices.SortFunc(pb.Ballots, func(a, b VoterBallot) int { return cmp.Compare(mp.cast[a.Participant], mp.cast[b.Participant]) })
		} else {
			slices.SortFunc(pb.Ballots, func(a, b VoterBallot) int { return strings.Compare(a.Participant, b.Participant) })
		}
		out = append(out, pb)
	}
	return out
}
