package rooms

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMachineGeneratorReachesEveryOutcome keeps the property test honest:
// its random logs apply every op, and refuse some of each kind.
func TestMachineGeneratorReachesEveryOutcome(t *testing.T) {
	applied, refused := map[string]int{}, map[string]int{}
	for seed := range uint64(20) {
		rng := newRand(seed)
		m := NewMachine("ROOM42")
		for _, e := range entriesFrom(recordGen{pick: rng.IntN}, 300) {
			r, _ := DecodeRecord(e.Data)
			if _, out := m.Apply(e); out.Err == nil {
				applied[r.Op]++
			} else {
				refused[r.Op]++
			}
		}
	}
	for _, op := range []string{OpAsk, OpUpvote, OpUnvote, OpQuestionSet, OpQuestionDelete, OpComment, OpCommentDelete, OpRoomSet, OpBan, OpReact,
		OpPollCreate, OpPollSet, OpPollExpire, OpPollDelete, OpVote, OpRunStep} {
		if applied[op] == 0 {
			t.Errorf("no %s was applied", op)
		}
	}
	if refused[OpVote] == 0 || refused[OpAsk] == 0 || refused[OpPollSet] == 0 {
		t.Errorf("refusals: %v", refused)
	}
	t.Logf("applied %v; refused %v", applied, refused)
}

func TestMachineQuiz(t *testing.T) {
	f := newFeed(t, openRoom()) // entries come 1 s apart: pos n at t0 + n s
	quiz := Poll{Kind: PollQuiz, Title: "Largest planet?", Options: []string{"Mars", "Jupiter"}, Correct: []int{1}, Max: 1, Seconds: 10, SpeedBonus: true, State: PollOpen}
	evs, out := f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &quiz})
	p := out.Poll
	if p.ID != "p1" || p.ClosesAt != t0+2000+10_000 || len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("created %+v, %d events", p, len(evs))
	}
	f.refused(Record{Op: OpPollCreate, Participant: "p_a", Poll: &quiz}, CodeForbidden)
	// p_a and p_b answer right, p_c wrong, p_d too late.
	f.ok(Record{Op: OpVote, Participant: "p_a", ID: "p1", Ballot: &Ballot{Choices: []int{1}}, Author: name("Ada")})
	f.ok(Record{Op: OpVote, Participant: "p_c", ID: "p1", Ballot: &Ballot{Choices: []int{0}}})
	f.ok(Record{Op: OpVote, Participant: "p_b", ID: "p1", Ballot: &Ballot{Choices: []int{1}}})
	f.refused(Record{Op: OpVote, Participant: "p_b", ID: "p1", Ballot: &Ballot{Rating: 3}}, CodeBadRequest)
	f.refused(Record{Op: OpVote, Participant: "p_b", ID: "p1", Ballot: &Ballot{Choices: []int{2}}}, CodeBadRequest)
	if _, out := f.ok(Record{Op: OpVote, Participant: "p_b", ID: "p1", Ballot: &Ballot{Choices: []int{1}}}); out.Changed {
		t.Fatal("the same ballot again changed the tally")
	}
	if ch := f.m.TakeResultsChanges(); len(ch) != 1 || !slices.Equal(ch[0].Tally.Counts, []int64{1, 2}) || ch[0].Tally.Total != 3 {
		t.Fatalf("results changes %+v", ch)
	}
	for f.m.Pos() < 12 { // the clock of the log moves on to the timer's end
		f.ok(Record{Op: OpComment, Participant: "p_z", Text: "tick " + string(rune('a'+f.m.Pos()))})
	}
	f.refused(Record{Op: OpVote, Participant: "p_d", ID: "p1", Ballot: &Ballot{Choices: []int{1}}}, CodeClosed)
	// A stale timer does nothing; the right one closes and scores.
	if evs, _ := f.ok(Record{Op: OpPollExpire, ID: "p1", ClosesAt: p.ClosesAt - 1}); len(evs) != 0 {
		t.Fatal("a stale timer closed the quiz")
	}
	if evs, out := f.ok(Record{Op: OpPollExpire, ID: "p1", ClosesAt: p.ClosesAt}); len(evs) != 1 || out.Poll.State != PollClosed {
		t.Fatalf("expire: %+v", out.Poll)
	}
	lb := f.m.Leaderboard("", 10)
	// The refused create took position 3: p_a voted at 4 (8 s left): 1000 + 500×8/10 = 1400;
	// p_b at 6 (6 s left): 1300.
	want := []LeaderEntry{{Rank: 1, Participant: "p_a", Name: "Ada", Points: 1400}, {Rank: 2, Participant: "p_b", Name: Pseudonym("p_b"), Points: 1300}}
	if lb.Poll != "p1" || lb.Revealed || !slices.Equal(lb.Question, want) || !slices.Equal(lb.Room, want) {
		t.Fatalf("leaderboard %+v", lb)
	}
	if you := f.m.Leaderboard("p1", 10, "p_b", "p_c").You; you["p_b"] != (Standing{Rank: 2, Points: 1300}) || you["p_c"] != (Standing{}) {
		t.Fatalf("standings %+v", you)
	}
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p1", PollPatch: &PollPatch{Reveal: ptr(true)}})
	if !f.m.Leaderboard("p1", 10).Revealed {
		t.Fatal("a revealed closed quiz's leaderboard is not for the audience")
	}
	// Reopening sets a new timer from the entry's time; closing rescores, not double counts.
	_, out = f.ok(Record{Op: OpPollSet, Staff: true, ID: "p1", PollPatch: &PollPatch{State: ptr(PollOpen)}})
	if out.Poll.ClosesAt != t0+int64(f.m.Pos())*1000+10_000 {
		t.Fatalf("reopened with ClosesAt %d", out.Poll.ClosesAt)
	}
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p1", PollPatch: &PollPatch{State: ptr(PollClosed)}})
	if lb := f.m.Leaderboard("p1", 10); len(lb.Room) != 2 || lb.Room[0].Points > 1400 {
		t.Fatalf("after a second close: %+v", lb.Room)
	}
	f.ok(Record{Op: OpPollDelete, Staff: true, ID: "p1"})
	if lb := f.m.Leaderboard("", 10); lb.Poll != "" || len(f.m.polls.totals) != 0 {
		t.Fatalf("a deleted quiz's points remain: %+v %v", lb, f.m.polls.totals)
	}
	f.refused(Record{Op: OpPollDelete, Staff: true, ID: "p1"}, CodeNotFound)
}

func TestMachinePollKinds(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollRating, Title: "Rate", State: PollOpen}})
	f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollText, Title: "Say", State: PollDraft}})
	f.refused(Record{Op: OpVote, Participant: "p_a", ID: "p2", Ballot: &Ballot{Text: "early"}}, CodeClosed)
	f.ok(Record{Op: OpPollSet, Staff: true, ID: "p2", PollPatch: &PollPatch{State: ptr(PollOpen)}})
	f.refused(Record{Op: OpPollSet, Staff: true, ID: "p2", PollPatch: &PollPatch{State: ptr(PollDraft)}}, CodeConflict)
	for i, who := range []string{"p_a", "p_b", "p_c"} {
		f.ok(Record{Op: OpVote, Participant: who, ID: "p1", Ballot: &Ballot{Rating: 3 + i}})
		f.ok(Record{Op: OpVote, Participant: who, ID: "p2", Ballot: &Ballot{Text: "answer " + who}})
	}
	f.ok(Record{Op: OpVote, Participant: "p_a", ID: "p1", Ballot: &Ballot{Rating: 1}}) // replaces 3
	f.ok(Record{Op: OpVote, Participant: "p_a", ID: "p2", Ballot: &Ballot{Text: "changed"}})
	polls := f.m.Polls()
	if r := polls[0].Tally; !slices.Equal(r.Counts, []int64{1, 0, 0, 1, 1}) || r.Sum != 10 || r.Total != 3 {
		t.Fatalf("rating tally %+v", r)
	}
	if a := polls[1].Tally.Answers; !slices.Equal(a, []string{"answer p_b", "answer p_c", "changed"}) {
		t.Fatalf("text answers %v: a replaced answer counts as new", a)
	}
	if b := f.m.Ballots("p_a"); b["p1"].Rating != 1 || b["p2"].Text != "changed" {
		t.Fatalf("p_a's ballots %+v", b)
	}
	f.ok(Record{Op: OpBan, Staff: true, ID: "p_c"})
	f.refused(Record{Op: OpVote, Participant: "p_c", ID: "p1", Ballot: &Ballot{Rating: 2}}, CodeForbidden)
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

func TestMachineInsight(t *testing.T) {
	f := newFeed(t, openRoom()) // pos n at t0 + n s; t0 is a whole minute
	minute := int64(t0 / 60000)
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_a": minute, "p_b": minute}})
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_a": minute + 5}}) // seen already
	f.ok(Record{Op: OpPresence, Connected: 40})
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Q?"})
	f.refused(Record{Op: OpAsk, Participant: "p_b", Text: "Q?"}, CodeConflict) // refused: not counted
	f.ok(Record{Op: OpUpvote, Participant: "p_b", ID: "q1"})
	f.ok(Record{Op: OpUpvote, Participant: "p_b", ID: "q1"}) // no change: not counted
	f.ok(Record{Op: OpComment, Staff: true, Text: "Welcome"})
	var batch Reactions
	batch[0], batch[1] = 3, 4
	f.ok(Record{Op: OpReact, Reactions: &batch})
	_, out := f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollRating, Title: "Rate", State: PollOpen}})
	f.ok(Record{Op: OpVote, Participant: "p_c", ID: out.Poll.ID, Ballot: &Ballot{Rating: 4}})
	f.ok(Record{Op: OpPresence, Connected: 55})
	f.ok(Record{Op: OpPresence, Connected: 30})
	f.ok(Record{Op: OpSchedule, ClosedAt: t0, DeleteAt: t0 + 86_400_000})
	in := f.m.Insight()
	want := InsightCounts{InsightQuestions: 1, InsightUpvotes: 1, InsightBallots: 1, InsightReactions: 7, InsightComments: 1}
	if in.Minutes[minute].Counts != want || in.Minutes[minute].Joined != 2 || in.Minutes[minute].Connected != 55 {
		t.Fatalf("minute %+v, want counts %v, 2 joined, 55 connected", in.Minutes[minute], want)
	}
	if in.Unique != 2 || in.Active != 3 || in.Connected != 30 || in.Peak != 55 || in.PeakAt != t0+13_000 {
		t.Fatalf("insight %+v", in)
	}
	if in.ReactionSeconds[t0/1000+10] != 7 || in.PollPresent[out.Poll.ID] != 55 || in.DeleteAt != t0+86_400_000 {
		t.Fatalf("reaction seconds %v, poll present %v, delete at %d", in.ReactionSeconds, in.PollPresent, in.DeleteAt)
	}
	f.ok(Record{Op: OpPollDelete, Staff: true, ID: out.Poll.ID})
	f.ok(Record{Op: OpSchedule})
	if in := f.m.Insight(); len(in.PollPresent) != 0 || in.DeleteAt != 0 {
		t.Fatalf("after deleting the poll and cancelling the deletion: %+v", in)
	}
	r, _ := RestoreMachine(f.m.Snapshot())
	if r.Hash() != f.m.Hash() {
		t.Fatal("insight lost in a snapshot")
	}
}
