package rooms

import (
	"slices"
	"testing"
)

func TestPollEventBytes(t *testing.T) {
	quiz := Poll{ID: "p3", Kind: PollQuiz, Title: "2+2 <?>", Options: []string{"3", "4"}, Max: 1, State: PollOpen, Correct: []int{1}}
	tally := Tally{Counts: []int64{2, 5}, Total: 7}
	ev := pollEvent(9, quiz, tally)
	wantStaff := `{"type":"poll","seq":9,"id":"p3","kind":"quiz","title":"2+2 <?>","options":["3","4"],"max":1,"seconds":0,"closes_at":0,"state":"open","reveal":false,"speed_bonus":false,"correct":[1],"results":{"counts":[2,5],"total":7}}`
	wantData := `{"type":"poll","seq":9,"id":"p3","kind":"quiz","title":"2+2 <?>","options":["3","4"],"max":1,"seconds":0,"closes_at":0,"state":"open","reveal":false,"speed_bonus":false}`
	if string(ev.Staff) != wantStaff || string(ev.Data) != wantData || ev.Seq != 9 || ev.Type != EventPoll {
		t.Fatalf("quiz event:\n%s\n%s", ev.Staff, ev.Data)
	}
	quiz.Reveal = true
	ev = pollEvent(10, quiz, tally)
	if want := `{"type":"poll","seq":10,"id":"p3","kind":"quiz","title":"2+2 <?>","options":["3","4"],"max":1,"seconds":0,"closes_at":0,"state":"open","reveal":true,"speed_bonus":false,"results":{"counts":[2,5],"total":7}}`; string(ev.Data) != want {
		t.Fatalf("revealed open quiz: %s", ev.Data)
	}
	quiz.State = PollClosed
	ev = pollEvent(11, quiz, tally)
	if string(ev.Data) != string(ev.Staff) {
		t.Fatalf("revealed closed quiz: audience %s, staff %s", ev.Data, ev.Staff)
	}
	draft := Poll{ID: "p4", Kind: PollRating, Title: "How was it?", Options: []string{}, State: PollDraft}
	ev = pollEvent(12, draft, Tally{Counts: []int64{0, 0, 1, 0, 2}, Total: 3, Sum: 13})
	if want := `{"type":"poll_deleted","seq":12,"id":"p4"}`; string(ev.Data) != want {
		t.Fatalf("draft audience: %s", ev.Data)
	}
	if want := `{"type":"poll","seq":12,"id":"p4","kind":"rating","title":"How was it?","options":[],"max":0,"closes_at":0,"state":"draft","reveal":false,"results":{"counts":[0,0,1,0,2],"total":3,"average":4.33}}`; string(ev.Staff) != want {
		t.Fatalf("draft staff: %s", ev.Staff)
	}
}

func TestResultsEvent(t *testing.T) {
	for _, tt := range []struct {
		r    PollResult
		want string
	}{
		{PollResult{ID: "p1", Kind: PollMulti, Tally: Tally{Counts: []int64{1, 0, 3}, Total: 3}}, `{"type":"results","poll":"p1","counts":[1,0,3],"total":3}`},
		{PollResult{ID: "p2", Kind: PollRating, Tally: Tally{Counts: make([]int64, 5)}}, `{"type":"results","poll":"p2","counts":[0,0,0,0,0],"total":0,"average":0.00}`},
		{PollResult{ID: "p2", Kind: PollRating, Tally: Tally{Counts: []int64{0, 1, 0, 0, 1}, Total: 2, Sum: 7}}, `{"type":"results","poll":"p2","counts":[0,1,0,0,1],"total":2,"average":3.50}`},
		{PollResult{ID: "p2", Kind: PollRating, Tally: Tally{Counts: []int64{0, 0, 0, 2, 1}, Total: 3, Sum: 13}}, `{"type":"results","poll":"p2","counts":[0,0,0,2,1],"total":3,"average":4.33}`},
		{PollResult{ID: "p2", Kind: PollRating, Tally: Tally{Counts: []int64{0, 0, 0, 0, 1}, Total: 1, Sum: 5}}, `{"type":"results","poll":"p2","counts":[0,0,0,0,1],"total":1,"average":5.00}`},
		{PollResult{ID: "p5", Kind: PollWordcloud, Tally: Tally{Total: 2, Words: []WordCount{{"fun", 2}, {"été", 1}}}}, `{"type":"results","poll":"p5","counts":[],"total":2,"words":{"fun":2,"été":1}}`},
		{PollResult{ID: "p6", Kind: PollText, Tally: Tally{Total: 1, Answers: []string{`a "b"`}}}, `{"type":"results","poll":"p6","counts":[],"total":1,"answers":["a \"b\""]}`},
	} {
		if got := string(ResultsEvent(tt.r)); got != tt.want {
			t.Errorf("ResultsEvent:\n got %s\nwant %s", got, tt.want)
		}
	}
}

func TestCloudWords(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"  Fast, FUN!  fast a ok extra", []string{"fast", "fun", "ok"}},
		{"ＨＥＬＬＯ wörld", []string{"hello", "wörld"}},
		{"!!! a b", nil},
		{"don't", []string{"dont"}},
	} {
		if got := CloudWords(tt.in, nil); !slices.Equal(got, tt.want) {
			t.Errorf("CloudWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := CloudWords("good bad ugly", func(w string) bool { return w == "bad" }); !slices.Equal(got, []string{"good", "ugly"}) {
		t.Errorf("drop: %q", got)
	}
}

func TestPollTransitions(t *testing.T) {
	ok := [][2]string{{PollDraft, PollOpen}, {PollOpen, PollClosed}, {PollClosed, PollOpen}, {PollOpen, PollOpen}}
	bad := [][2]string{{PollDraft, PollClosed}, {PollOpen, PollDraft}, {PollClosed, PollDraft}, {PollOpen, "x"}}
	for _, m := range ok {
		if !ValidPollTransition(m[0], m[1]) {
			t.Errorf("%s → %s refused", m[0], m[1])
		}
	}
	for _, m := range bad {
		if ValidPollTransition(m[0], m[1]) {
			t.Errorf("%s → %s allowed", m[0], m[1])
		}
	}
}

func TestCheckBallot(t *testing.T) {
	multi := Poll{Kind: PollMulti, Options: []string{"a", "b", "c"}, Max: 2}
	if err := CheckBallot(multi, Ballot{Choices: []int{0, 2}}); err != nil {
		t.Error(err)
	}
	if err := CheckBallot(multi, Ballot{Choices: []int{0, 1, 2}}); err != ErrBallotChoices {
		t.Error("over max:", err)
	}
	if err := CheckBallot(multi, Ballot{Choices: []int{3}}); err != ErrBallotChoices {
		t.Error("out of range:", err)
	}
	if err := CheckBallot(multi, Ballot{Rating: 3}); err != ErrBallotKind {
		t.Error("rating for multi:", err)
	}
	if err := CheckBallot(Poll{Kind: PollRating}, Ballot{Rating: 6}); err != ErrBallotKind {
		t.Error("rating 6:", err)
	}
}
