package rooms

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// recordGen makes command records from a byte source: a few participants,
// a few texts (so duplicates and cids repeat), every op. pick(n) returns
// the next choice below n.
type recordGen struct{ pick func(n int) int }

var genTexts = []string{"Why?", "How?", "When?", "Who?", "Where?", "What now?"}

func (g recordGen) next() Record {
	p := fmt.Sprintf("p_%d", g.pick(5))
	staff := g.pick(4) == 0
	id := fmt.Sprintf("q%d", 1+g.pick(8))
	switch g.pick(12) {
	case 0, 1:
		return Record{Op: OpAsk, Participant: p, Text: genTexts[g.pick(len(genTexts))], CID: fmt.Sprint(g.pick(3)), Held: g.pick(5) == 0}
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
		switch g.pick(5) {
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
		if g.pick(6) == 0 {
			return Record{Op: OpBan, Staff: true, ID: p}
		}
		var batch Reactions
		batch[g.pick(len(batch))] = int64(1 + g.pick(50))
		return Record{Op: OpReact, Reactions: &batch}
	}
}

// entriesFrom returns the create entry and n generated entries.
func entriesFrom(g recordGen, n int) []Entry {
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
