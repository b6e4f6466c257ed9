package rooms

import (
	"slices"
	"testing"
)

// TestMachineRemoveAnswer: staff take an offensive answer out of a text
// poll (every ballot with the same answer, whatever its case and spacing,
// and no other) and a word out of a word cloud (from every ballot; a
// ballot left with no word goes), and the tallies follow; a participant,
// an unknown poll, a poll of another kind and an answer nobody gave are
// refused with their named errors and change nothing.
func TestMachineRemoveAnswer(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollText, Title: "One word for today?", State: PollOpen}})      // p1
	f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollWordcloud, Title: "What comes to mind?", State: PollOpen}}) // p2
	f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollSingle, Title: "Lunch?", Options: []string{"a", "b"}, Max: 1, State: PollOpen}})
	for who, text := range map[string]string{"p_a": "Inspiring", "p_b": "rubbish  talk", "p_c": "Rubbish talk", "p_d": "Long"} {
		f.ok(Record{Op: OpVote, Participant: who, ID: "p1", Ballot: &Ballot{Text: text}})
	}
	for who, words := range map[string][]string{"p_a": {"growth", "idiots"}, "p_b": {"idiots"}, "p_c": {"growth", "focus"}} {
		f.ok(Record{Op: OpVote, Participant: who, ID: "p2", Ballot: &Ballot{Words: words}})
	}
	f.m.TakeResultsChanges()

	remove := func(poll, text string) Record {
		return Record{Op: OpPollAnswerRemove, Staff: true, ID: poll, Text: text}
	}
	for _, r := range []struct {
		name string
		rec  Record
		want *Error
	}{
		{"by a participant", Record{Op: OpPollAnswerRemove, Participant: "p_a", ID: "p1", Text: "Inspiring"}, errRemoveStaffOnly},
		{"unknown poll", remove("p9", "Inspiring"), ErrPollNotFound},
		{"a poll with options", remove("p3", "a"), ErrNotTextPoll},
		{"an answer nobody gave", remove("p1", "Brilliant"), ErrAnswerNotFound},
		{"a word nobody gave", remove("p2", "synergy"), ErrAnswerNotFound},
	} {
		if err := f.refused(r.rec, r.want.Code); err != r.want {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}

	// Text: both spellings of the answer go, the others stay.
	_, out := f.ok(remove("p1", "RUBBISH talk"))
	if out.Votes != 2 {
		t.Errorf("the text answer touched %d ballots, want 2", out.Votes)
	}
	ch := f.m.TakeResultsChanges()
	if len(ch) != 1 || ch[0].ID != "p1" || ch[0].Tally.Total != 2 {
		t.Fatalf("after removing a text answer: changes %+v, want p1 with 2 ballots", ch)
	}
	got := slices.Clone(ch[0].Tally.Answers)
	slices.Sort(got)
	if !slices.Equal(got, []string{"Inspiring", "Long"}) {
		t.Errorf("text answers left %v, want Inspiring and Long", got)
	}

	// Word cloud: the word goes from every ballot; p_b's ballot had only it.
	_, out = f.ok(remove("p2", "idiots"))
	if out.Votes != 2 {
		t.Errorf("the word touched %d ballots, want 2", out.Votes)
	}
	ch = f.m.TakeResultsChanges()
	if len(ch) != 1 || ch[0].ID != "p2" || ch[0].Tally.Total != 2 {
		t.Fatalf("after removing a word: changes %+v, want p2 with 2 ballots", ch)
	}
	if w := ch[0].Tally.Words; len(w) != 2 || w[0] != (WordCount{Word: "growth", Count: 2}) || w[1] != (WordCount{Word: "focus", Count: 1}) {
		t.Errorf("words left %+v, want growth 2, focus 1", w)
	}
	// The snapshot keeps the removal.
	restored, err := RestoreMachine(f.m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range restored.Polls() {
		if ps.Poll.ID == "p2" && (ps.Tally.Total != 2 || len(ps.Tally.Words) != 2) {
			t.Errorf("restored word cloud %+v", ps.Tally)
		}
	}
}
