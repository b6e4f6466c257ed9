package rooms

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// recordGen makes command records from a byte source: a few participants,
// a few texts (so duplicates and cids repeat), every op. pick(n) returns
// the next choice below n.
type recordGen struct {
	pick  func(n int) int
	kinds *[]string // the kind of each poll created so far: p<n> is kinds[n-1]
}

var genTexts = []string{"Why?", "How?", "When?", "Who?", "Where?", "What now?"}

func (g recordGen) next() Record {
	p := fmt.Sprintf("p_%d", g.pick(5))
	staff := g.pick(4) == 0
	id := fmt.Sprintf("q%d", 1+g.pick(8))
	if g.pick(3) == 0 {
		return g.pollRecord(p)
	}
	switch g.pick(12) {
	case 0, 1:
		return Record{Op: OpAsk, Participant: p, Text: genTexts[g.pick(len(genTexts))], CID: fmt.Sprint(g.pick(3)), Held: g.pick(5) == 0,
			Named: g.pick(2) == 0, Cap: g.pick(2) * 6}
	case 2, 3:
		return Record{Op: OpUpvote, Participant: p, ID: id}
	case 4:
		return Record{Op: OpUnvote, Participant: p, ID: id}
	case 5:
		patch := QuestionPatch{}
		switch g.pick(3) {
		case 0:
			patch.Pinned = ptr(g.pick(2) == 0)
		case 1:
			patch.Status = ptr([]string{QuestionPending, QuestionLive, QuestionAnswered, QuestionHidden}[g.pick(4)])
		default:
			patch.Answer = ptr(genTexts[g.pick(len(genTexts))])
		}
		return Record{Op: OpQuestionSet, Staff: true, ID: id, Question: &patch}
	case 6:
		return Record{Op: OpQuestionDelete, Participant: p, Staff: staff, ID: id}
	case 7, 8:
		return Record{Op: OpComment, Participant: p, Text: genTexts[g.pick(len(genTexts))], CID: fmt.Sprint(g.pick(4))}
	case 9:
		return Record{Op: OpCommentDelete, Participant: p, Staff: staff, ID: fmt.Sprintf("c%d", 1+g.pick(8))}
	case 10:
		patch := RoomPatch{}
		switch g.pick(8) {
		case 5:
			patch.NameRequired = ptr(g.pick(3) == 0)
		case 6:
			patch.HoldNewMinutes = ptr(g.pick(3))
		case 7:
			patch.SlowModeSeconds = ptr(g.pick(3) * 2)
		case 0:
			patch.Moderation = ptr(g.pick(2) == 0)
		case 1:
			patch.QA = ptr(g.pick(4) != 0)
		case 2:
			patch.Closed = ptr(g.pick(4) == 0)
		case 3:
			patch.Comments = ptr(g.pick(4) != 0)
		default:
			patch.Reactions = ptr(g.pick(4) != 0)
		}
		return Record{Op: OpRoomSet, Staff: true, Patch: &patch}
	default:
		switch g.pick(9) {
		case 0:
			return Record{Op: OpBan, Staff: true, ID: p, HidePosts: g.pick(2) == 0, CoverAddress: g.pick(2) == 0}
		case 1:
			return Record{Op: OpSeen, Seen: map[string]int64{p: t0/60000 + int64(g.pick(3)), "p_new": t0 / 60000},
				Addrs: map[string]string{p: fmt.Sprint("addr", g.pick(3))}}
		case 2:
			return Record{Op: OpPresence, Connected: int64(g.pick(100))}
		case 3:
			return Record{Op: OpSchedule, ClosedAt: t0, DeleteAt: int64(g.pick(2)) * (t0 + 1000)}
		}
		var batch Reactions
		batch[g.pick(len(batch))] = int64(1 + g.pick(50))
		return Record{Op: OpReact, Reactions: &batch}
	}
}

var genKinds = []string{PollSingle, PollMulti, PollQuiz, PollRating, PollWordcloud, PollText}

// pollRecord makes a poll record: creates, state changes, timer expiries,
// deletions and (most often) ballots, some of which do not fit.
func (g recordGen) pollRecord(p string) Record {
	id := fmt.Sprintf("p%d", 1+g.pick(4))
	switch g.pick(10) {
	case 0:
		kind := genKinds[g.pick(len(genKinds))]
		poll := Poll{Kind: kind, Title: "Poll", State: []string{PollDraft, PollOpen}[g.pick(2)], Reveal: g.pick(2) == 0}
		switch kind {
		case PollSingle:
			poll.Options, poll.Max = []string{"a", "b", "c"}, 1
		case PollMulti:
			poll.Options, poll.Max = []string{"a", "b", "c", "d"}, 2
		case PollQuiz:
			poll.Options, poll.Correct, poll.Max = []string{"a", "b", "c"}, []int{1}, 1
			if g.pick(2) == 0 {
				poll.Seconds, poll.SpeedBonus = 10+g.pick(20), true
				if g.pick(2) == 0 {
					poll.Advance = MinRunAdvance + g.pick(5)
				}
			}
		}
		if g.kinds != nil {
			*g.kinds = append(*g.kinds, kind)
		}
		return Record{Op: OpPollCreate, Staff: true, Poll: &poll}
	case 1, 2:
		patch := PollPatch{}
		switch g.pick(3) {
		case 0:
			patch.State = ptr([]string{PollDraft, PollOpen, PollClosed}[g.pick(3)])
		case 1:
			patch.Reveal = ptr(g.pick(2) == 0)
		default:
			patch.SpeedBonus = ptr(g.pick(2) == 0)
		}
		return Record{Op: OpPollSet, Staff: true, ID: id, PollPatch: &patch}
	case 3:
		switch g.pick(4) {
		case 0:
			return Record{Op: OpRunStep, Staff: true, Dir: []string{RunNext, RunPrevious}[g.pick(2)], ID: []string{"", id}[g.pick(2)]}
		case 1:
			return Record{Op: OpRunAdvance, ID: id, AdvancesAt: t0 + int64(g.pick(400))*250}
		}
		return Record{Op: OpPollExpire, ID: id, ClosesAt: t0 + int64(g.pick(400))*250}
	case 4:
		if g.pick(3) == 0 {
			return Record{Op: OpPollDelete, Staff: true, ID: id}
		}
		fallthrough
	default:
		b := Ballot{}
		kind := ""
		if n := int(id[1] - '0'); g.kinds != nil && n <= len(*g.kinds) && g.pick(5) != 0 {
			kind = (*g.kinds)[n-1] // mostly a ballot that fits the poll
		}
		shape := g.pick(4)
		switch kind {
		case PollSingle, PollQuiz:
			shape = 0
		case PollMulti:
			shape = g.pick(2)
		case PollRating:
			shape = 2
		case PollWordcloud, PollText:
			shape = 3
		}
		switch shape {
		case 0:
			b.Choices = []int{g.pick(3)}
		case 1:
			b.Choices = []int{0, 1 + g.pick(3)}
		case 2:
			b.Rating = 1 + g.pick(6)
		default:
			if kind == PollWordcloud || (kind == "" && g.pick(2) == 0) {
				b.Words = []string{genTexts[g.pick(3)], "word"}
			} else {
				b.Text = genTexts[g.pick(len(genTexts))]
			}
		}
		var author *string
		if g.pick(2) == 0 {
			author = ptr("Name " + p)
		}
		return Record{Op: OpVote, Participant: p, ID: id, Ballot: &b, Author: author}
	}
}

// entriesFrom returns the create entry and n generated entries.
func entriesFrom(g recordGen, n int) []Entry {
	g.kinds = new([]string)
	room := openRoom()
	es := []Entry{{Pos: 1, Time: t0, Epoch: 3, Rules: RulesVersion, Data: EncodeRecord(Record{Op: OpCreate, Staff: true, Room: &room})}}
	for i := range n {
		pos := uint64(i + 2)
		es = append(es, Entry{Pos: pos, Time: t0 + int64(pos)*250, Epoch: 3, Rules: RulesVersion, Data: EncodeRecord(g.next())})
	}
	return es
}

// applyAll applies es and returns every event's bytes and the outcomes.
func applyAll(t testing.TB, m *Machine, es []Entry) []byte {
	var out bytes.Buffer
	for _, e := range es {
		seq := m.Seq()
		evs, oc := m.Apply(e)
		for _, ev := range evs {
			if ev.Seq != 0 {
				seq++
				if ev.Seq != seq {
					t.Fatalf("entry %d: event seq %d, want %d", e.Pos, ev.Seq, seq)
				}
			}
			out.Write(ev.Data)
			out.Write(ev.Staff)
			out.WriteString(ev.Participant)
		}
		if oc.Err != nil {
			out.WriteString(oc.Err.Code)
		}
		if seq != m.Seq() {
			t.Fatalf("entry %d: seq %d after its events, machine says %d", e.Pos, seq, m.Seq())
		}
		checkMachine(t, m)
	}
	return out.Bytes()
}

// checkMachine fails when the machine breaks an invariant: votes equal
// voters, at most one pinned question (the one it records), only visible
// questions pinned, every text indexed to its question, comments in order.
func checkMachine(t testing.TB, m *Machine) {
	pinned := 0
	for _, mq := range m.questions {
		if mq.q.Votes != int64(len(mq.voters)) {
			t.Fatalf("%s has %d votes and %d voters", mq.q.ID, mq.q.Votes, len(mq.voters))
		}
		if mq.q.Pinned {
			pinned++
			if m.pinned != mq.q.ID || !mq.q.Visible() {
				t.Fatalf("%s pinned (%s) but the room's pin is %q", mq.q.ID, mq.q.Status, m.pinned)
			}
		}
		if m.texts[mq.q.Text] != mq.q.ID || m.byID[mq.q.ID] != mq {
			t.Fatalf("%s is not indexed", mq.q.ID)
		}
	}
	if pinned > 1 || (pinned == 0 && m.pinned != "") {
		t.Fatalf("%d pinned questions, the room's pin %q", pinned, m.pinned)
	}
	if len(m.texts) != len(m.questions) || len(m.byID) != len(m.questions) {
		t.Fatalf("indexes of %d and %d for %d questions", len(m.texts), len(m.byID), len(m.questions))
	}
	checkPolls(t, m)
	for i := 1; i < len(m.comments); i++ {
		a, _ := itemNumber(m.comments[i-1].ID, 'c')
		b, _ := itemNumber(m.comments[i].ID, 'c')
		if a >= b {
			t.Fatalf("comments out of order: %s before %s", m.comments[i-1].ID, m.comments[i].ID)
		}
	}
}

// TestMachineReplicasAgree: two replicas fed the same log reach the same
// state hash and make the same events, and so does a replica that starts
// from a snapshot taken midway, for 200 random logs.
func TestMachineReplicasAgree(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 99))
		es := entriesFrom(recordGen{pick: rng.IntN}, 300)
		a, b := NewMachine("ROOM42"), NewMachine("ROOM42")
		eventsA := applyAll(t, a, es)
		eventsB := applyAll(t, b, es)
		if a.Hash() != b.Hash() || !bytes.Equal(eventsA, eventsB) {
			t.Fatalf("seed %d: two replicas of one log differ", seed)
		}
		mid := 1 + rng.IntN(len(es)-1)
		c := NewMachine("ROOM42")
		applyAll(t, c, es[:mid])
		restored, err := RestoreMachine(c.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		tailC := applyAll(t, restored, es[mid:])
		d := NewMachine("ROOM42")
		applyAll(t, d, es[:mid])
		tailD := applyAll(t, d, es[mid:])
		if restored.Hash() != a.Hash() || !bytes.Equal(tailC, tailD) {
			t.Fatalf("seed %d: the replica from a snapshot at %d differs:\n%s\n%s", seed, mid, restored.Snapshot(), a.Snapshot())
		}
	}
}

// FuzzMachine applies command sequences drawn from the fuzzer's bytes and
// checks the invariants after every entry, and that a replica from a
// snapshot of the end state agrees. It must never panic.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add(bytes.Repeat([]byte{0, 3, 2, 5, 1, 0, 7}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		i := 0
		pick := func(n int) int {
			if i >= len(data) {
				return 0
			}
			i++
			return int(data[i-1]) % n
		}
		es := entriesFrom(recordGen{pick: pick}, min(len(data)/2, 2000))
		m := NewMachine("ROOM42")
		applyAll(t, m, es)
		r, err := RestoreMachine(m.Snapshot())
		if err != nil || r.Hash() != m.Hash() {
			t.Fatalf("restore: %v", err)
		}
	})
}

// checkPolls fails when a tally is not the sum of its poll's ballots, a
// ballot does not fit its poll, or the room's quiz totals are not the sum
// of the quizzes' points.
func checkPolls(t testing.TB, m *Machine) {
	for _, mp := range m.polls.list {
		want := newMachinePoll(mp.p)
		for who, b := range mp.ballots {
			if err := CheckBallot(mp.p, b); err != nil {
				t.Fatalf("%s holds a ballot of %s that does not fit: %+v", mp.p.ID, who, b)
			}
			want.add(b, 1)
		}
		if !slices.Equal(want.counts, mp.counts) || want.sum != mp.sum || !maps.Equal(want.words, mp.words) {
			t.Fatalf("%s tally %v/%d/%v, its ballots make %v/%d/%v", mp.p.ID, mp.counts, mp.sum, mp.words, want.counts, want.sum, want.words)
		}
		if got := mp.tally().Total; got != int64(len(mp.ballots)) {
			t.Fatalf("%s total %d for %d ballots", mp.p.ID, got, len(mp.ballots))
		}
	}
	totals := map[string]int64{}
	for _, pts := range m.polls.points {
		for who, n := range pts {
			totals[who] += n
		}
	}
	if len(totals) != len(m.polls.totals) || !maps.Equal(totals, m.polls.totals) {
		t.Fatalf("quiz totals %v, the points make %v", m.polls.totals, totals)
	}
}

// TestSnapshotStateWhileApplying: the state a snapshot takes under the
// replica's lock shares nothing the machine changes afterwards, so it can
// be encoded while entries are applied (the race detector watches), and
// it encodes to what the machine's own snapshot was at that point.
func TestSnapshotStateWhileApplying(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		es := entriesFrom(recordGen{pick: rng.IntN}, 600)
		m := NewMachine("ROOM42")
		type taken struct {
			st   machineState
			want []byte
		}
		states := make(chan taken, len(es))
		var wg sync.WaitGroup
		wg.Go(func() {
			for st := range states {
				if got := encodeMachineState(st.st); !bytes.Equal(got, st.want) {
					t.Errorf("seed %d: a state encoded while the machine went on differs from its snapshot then", seed)
					return
				}
			}
		})
		for i, e := range es {
			m.Apply(e)
			if i%25 == 0 {
				states <- taken{st: m.state(), want: m.Snapshot()}
			}
		}
		close(states)
		wg.Wait()
	}
}
