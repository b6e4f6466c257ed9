package rooms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHandlePollCreate(t *testing.T) {
	f := newFixture(t, Config{Now: func() time.Time { return time.UnixMilli(1_000_000) }})
	opts := []string{"a", "b", "c"}
	tests := []struct {
		name  string
		actor Actor
		cmd   Command
		code  string // "" means allowed
		want  string // with code "": the staff event must contain it
	}{
		{"audience", f.audience, Command{Kind: PollSingle, Title: ptr("t"), Options: opts}, CodeForbidden, ""},
		{"single by moderator", f.mod, Command{Kind: PollSingle, Title: ptr(" Lunch?\n"), Options: []string{" pizza ", "soup"}}, "", `"kind":"single","title":"Lunch?","options":["pizza","soup"],"max":1,"closes_at":0,"state":"draft","reveal":false,"results":{"counts":[0,0],"total":0}}`},
		{"multi default max", f.host, Command{Kind: PollMulti, Title: ptr("t"), Options: opts}, "", `"max":3`},
		{"multi max 2, open", f.host, Command{Kind: PollMulti, Title: ptr("t"), Options: opts, Max: 2, State: PollOpen}, "", `"max":2,"closes_at":0,"state":"open"`},
		{"rating", f.host, Command{Kind: PollRating, Title: ptr("t"), Reveal: ptr(true)}, "", `"options":[],"max":0,"closes_at":0,"state":"draft","reveal":true,"results":{"counts":[0,0,0,0,0],"total":0,"average":0.00}`},
		{"wordcloud", f.host, Command{Kind: PollWordcloud, Title: ptr("t")}, "", `"words":{}`},
		{"text", f.host, Command{Kind: PollText, Title: ptr("t")}, "", `"answers":[]`},
		{"quiz", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{2, 0}}, "", `"max":2,"seconds":0,"closes_at":0,"state":"draft","reveal":false,"speed_bonus":false,"correct":[0,2]`},
		{"timed quiz, open", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, Seconds: 20, State: PollOpen}, "", `"max":1,"seconds":20,"closes_at":1020000,"state":"open","reveal":false,"speed_bonus":true,"correct":[1]`},
		{"timed quiz, draft, no bonus", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, Seconds: MaxQuizSeconds, SpeedBonus: ptr(false)}, "", `"seconds":3600,"closes_at":0,"state":"draft","reveal":false,"speed_bonus":false`},
		{"shortest timer", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, Seconds: MinQuizSeconds, State: PollOpen}, "", `"seconds":1,"closes_at":1001000,`},
		{"unknown kind", f.host, Command{Kind: "poll", Title: ptr("t")}, CodeBadRequest, ""},
		{"no title", f.host, Command{Kind: PollRating}, CodeBadRequest, ""},
		{"blank title", f.host, Command{Kind: PollRating, Title: ptr(" \t")}, CodeBadRequest, ""},
		{"long title", f.host, Command{Kind: PollRating, Title: ptr(strings.Repeat("t", MaxPollTitleRunes+1))}, CodeTooLarge, ""},
		{"closed state", f.host, Command{Kind: PollRating, Title: ptr("t"), State: PollClosed}, CodeBadRequest, ""},
		{"timer too long", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, Seconds: MaxQuizSeconds + 1}, CodeBadRequest, ""},
		{"negative timer", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, Seconds: -5}, CodeBadRequest, ""},
		{"timer for single", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: opts, Seconds: 20}, CodeBadRequest, ""},
		{"timer for rating", f.host, Command{Kind: PollRating, Title: ptr("t"), Seconds: 20}, CodeBadRequest, ""},
		{"speed bonus for multi", f.host, Command{Kind: PollMulti, Title: ptr("t"), Options: opts, SpeedBonus: ptr(false)}, CodeBadRequest, ""},
		{"speed bonus without timer", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1}, SpeedBonus: ptr(true)}, CodeBadRequest, ""},
		{"one option", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: []string{"a"}}, CodeBadRequest, ""},
		{"too many options", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: strings.Split(strings.Repeat("x,", MaxPollOptions)+"y", ",")}, CodeBadRequest, ""},
		{"repeated option", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: []string{"a", " a"}}, CodeBadRequest, ""},
		{"empty option", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: []string{"a", " "}}, CodeBadRequest, ""},
		{"long option", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: []string{"a", strings.Repeat("o", MaxPollOptionRunes+1)}}, CodeTooLarge, ""},
		{"options for rating", f.host, Command{Kind: PollRating, Title: ptr("t"), Options: opts}, CodeBadRequest, ""},
		{"max for single", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: opts, Max: 2}, CodeBadRequest, ""},
		{"max over options", f.host, Command{Kind: PollMulti, Title: ptr("t"), Options: opts, Max: 4}, CodeBadRequest, ""},
		{"negative max", f.host, Command{Kind: PollMulti, Title: ptr("t"), Options: opts, Max: -1}, CodeBadRequest, ""},
		{"correct for single", f.host, Command{Kind: PollSingle, Title: ptr("t"), Options: opts, Correct: []int{1}}, CodeBadRequest, ""},
		{"quiz without correct", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts}, CodeBadRequest, ""},
		{"quiz correct out of range", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{3}}, CodeBadRequest, ""},
		{"quiz correct repeated", f.host, Command{Kind: PollQuiz, Title: ptr("t"), Options: opts, Correct: []int{1, 1}}, CodeBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cmd.Type = TypePollCreate
			ack, err := f.handle(tt.actor, tt.cmd)
			if tt.code != "" {
				wantRefusal(t, tt.name, err, tt.code)
				return
			}
			if err != nil || ack.Seq == 0 || ack.Poll == "" {
				t.Fatalf("ack %+v, %v", ack, err)
			}
			ev := f.pub.take(EventPoll)
			if len(ev) != 1 || !bytes.Contains(ev[0].Staff, []byte(tt.want)) {
				t.Fatalf("event %s, want it to contain %s", ev[0].Staff, tt.want)
			}
		})
	}
}

// must runs a command that must succeed.
func (f *fixture) must(a Actor, cmd Command) Ack {
	f.t.Helper()
	ack, err := f.handle(a, cmd)
	if err != nil {
		f.t.Fatalf("%s: %v", cmd.Type, err)
	}
	return ack
}

func TestHandlePollLifecycle(t *testing.T) {
	f := newFixture(t, Config{})
	other := f.join("")
	p := f.must(f.host, Command{Type: TypePollCreate, Kind: PollSingle, Title: ptr("Lunch?"), Options: []string{"pizza", "soup"}}).Poll
	ev := f.pub.take(EventPoll)[0]
	if !bytes.HasPrefix(ev.For(false, f.audience.Participant), []byte(`{"type":"poll_deleted"`)) {
		t.Fatalf("a draft went to the audience: %s", ev.Data)
	}
	_, err := f.handle(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	wantRefusal(t, "vote in a draft", err, CodeClosed)
	_, err = f.handle(f.audience, Command{Type: TypePollSet, Poll: p, State: PollOpen})
	wantRefusal(t, "poll_set by the audience", err, CodeForbidden)
	_, err = f.handle(f.host, Command{Type: TypePollSet, Poll: p})
	wantRefusal(t, "poll_set without a change", err, CodeBadRequest)
	_, err = f.handle(f.host, Command{Type: TypePollSet, Poll: p, State: "done"})
	wantRefusal(t, "poll_set unknown state", err, CodeBadRequest)
	_, err = f.handle(f.host, Command{Type: TypePollSet, State: PollOpen})
	wantRefusal(t, "poll_set without poll", err, CodeBadRequest)
	ack := f.must(f.mod, Command{Type: TypePollSet, Poll: p, State: PollOpen})
	if ack.Seq != 2 || ack.Poll != p {
		t.Fatalf("open ack %+v", ack)
	}
	if ack := f.must(f.mod, Command{Type: TypePollSet, Poll: p, State: PollOpen}); ack.Seq != 0 {
		t.Fatalf("no-op poll_set ack %+v", ack)
	}
	ack = f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	if ack.Poll != p || ack.Changed == nil || !*ack.Changed || ack.Seq != 0 {
		t.Fatalf("vote ack %+v", ack)
	}
	if ack := f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}}); *ack.Changed {
		t.Fatal("the same ballot again changed")
	}
	f.must(other, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{1}}) // replaces
	cur, err := f.svc.CurrentResults(f.ctx, f.code)
	if err != nil || len(cur.Results) != 1 || cur.Results[0].Revealed {
		t.Fatalf("CurrentResults %+v, %v", cur, err)
	}
	if got, want := string(ResultsEvent(cur.Results[0])), `{"type":"results","poll":"p1","counts":[1,1],"total":2}`; got != want {
		t.Fatalf("results event %s, want %s", got, want)
	}
	if c, _ := f.svc.FlushResults(f.ctx, map[string]uint64{f.code: cur.Version}); len(c) != 0 {
		t.Fatalf("FlushResults without a change: %+v", c)
	}
	if c, _ := f.svc.FlushResults(f.ctx, nil); c != nil {
		t.Fatalf("FlushResults of no rooms: %+v", c)
	}
	// Banned participants may not vote.
	f.must(f.host, Command{Type: TypeBan, Participant: other.Participant})
	_, err = f.handle(other, Command{Type: TypeVote, Poll: p, Choices: []int{1}})
	wantRefusal(t, "banned voter", err, CodeForbidden)
	f.must(f.host, Command{Type: TypePollSet, Poll: p, State: PollClosed, Reveal: ptr(true)})
	ev = f.pub.take(EventPoll)[1]
	if !bytes.HasSuffix(ev.Data, []byte(`"state":"closed","reveal":true,"results":{"counts":[1,1],"total":2}}`)) {
		t.Fatalf("closed revealed poll %s", ev.Data)
	}
	_, err = f.handle(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	wantRefusal(t, "vote in a closed poll", err, CodeClosed)
	_, err = f.handle(f.audience, Command{Type: TypePollDelete, Poll: p})
	wantRefusal(t, "poll_delete by the audience", err, CodeForbidden)
	_, err = f.handle(f.host, Command{Type: TypePollDelete})
	wantRefusal(t, "poll_delete without poll", err, CodeBadRequest)
	if ack := f.must(f.host, Command{Type: TypePollDelete, Poll: p}); ack.Seq != 4 {
		t.Fatalf("delete ack %+v", ack)
	}
	_, err = f.handle(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	wantRefusal(t, "vote in a deleted poll", err, CodeNotFound)
	_, err = f.handle(f.host, Command{Type: TypePollDelete, Poll: p})
	wantRefusal(t, "deleting again", err, CodeNotFound)
}

func TestHandleVoteValidation(t *testing.T) {
	f := newFixture(t, Config{WordFilter: NewWordFilter([]string{"darn"})})
	mk := func(cmd Command) string {
		cmd.Type, cmd.Title, cmd.State = TypePollCreate, ptr("t"), PollOpen
		return f.must(f.host, cmd).Poll
	}
	single := mk(Command{Kind: PollSingle, Options: []string{"a", "b"}})
	multi := mk(Command{Kind: PollMulti, Options: []string{"a", "b", "c"}, Max: 2})
	rating := mk(Command{Kind: PollRating})
	cloud := mk(Command{Kind: PollWordcloud})
	text := mk(Command{Kind: PollText})
	quiz := mk(Command{Kind: PollQuiz, Options: []string{"a", "b", "c"}, Correct: []int{0}})
	tests := []struct {
		name string
		cmd  Command
		code string
	}{
		{"no poll", Command{Choices: []int{0}}, CodeBadRequest},
		{"unknown poll", Command{Poll: "p99", Choices: []int{0}}, CodeNotFound},
		{"nothing", Command{Poll: single}, CodeBadRequest},
		{"two fields", Command{Poll: single, Choices: []int{0}, Rating: 2}, CodeBadRequest},
		{"single", Command{Poll: single, Choices: []int{1}}, ""},
		{"single, two choices", Command{Poll: single, Choices: []int{0, 1}}, CodeBadRequest},
		{"single, out of range", Command{Poll: single, Choices: []int{2}}, CodeBadRequest},
		{"single, negative", Command{Poll: single, Choices: []int{-1}}, CodeBadRequest},
		{"single, empty choices", Command{Poll: single, Choices: []int{}}, CodeBadRequest},
		{"single, rating", Command{Poll: single, Rating: 3}, CodeBadRequest},
		{"multi", Command{Poll: multi, Choices: []int{2, 0}}, ""},
		{"multi, repeated", Command{Poll: multi, Choices: []int{1, 1}}, CodeBadRequest},
		{"multi, over max", Command{Poll: multi, Choices: []int{0, 1, 2}}, CodeBadRequest},
		{"quiz", Command{Poll: quiz, Choices: []int{2}}, ""},
		{"quiz, over max", Command{Poll: quiz, Choices: []int{0, 2}}, CodeBadRequest},
		{"rating", Command{Poll: rating, Rating: 5}, ""},
		{"rating 6", Command{Poll: rating, Rating: 6}, CodeBadRequest},
		{"rating -1", Command{Poll: rating, Rating: -1}, CodeBadRequest},
		{"rating, text", Command{Poll: rating, Text: "5"}, CodeBadRequest},
		{"wordcloud", Command{Poll: cloud, Text: "Fast, FUN darn fun a ＦＡＳＴ extra more"}, ""},
		{"wordcloud, no word", Command{Poll: cloud, Text: "a ! darn"}, CodeBadRequest},
		{"wordcloud, long", Command{Poll: cloud, Text: strings.Repeat("w", MaxBallotRunes+1)}, CodeTooLarge},
		{"wordcloud, choices", Command{Poll: cloud, Choices: []int{0}}, CodeBadRequest},
		{"text", Command{Poll: text, Text: " Great talk, darn good\n"}, ""},
		{"text, blank", Command{Poll: text, Text: " \n "}, CodeBadRequest},
		{"text, long", Command{Poll: text, Text: strings.Repeat("é", MaxBallotRunes+1)}, CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cmd.Type = TypeVote
			_, err := f.handle(f.audience, tt.cmd)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantRefusal(t, tt.name, err, tt.code)
		})
	}
	b, err := f.store.Ballots(f.ctx, f.code, f.audience.Participant)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(b[single], b[multi], b[quiz], b[rating], b[cloud], b[text])
	want := fmt.Sprint(Ballot{Choices: []int{1}}, Ballot{Choices: []int{0, 2}}, Ballot{Choices: []int{2}}, Ballot{Rating: 5},
		Ballot{Words: []string{"fast", "fun", "extra"}}, Ballot{Text: "Great talk, **** good"})
	if got != want {
		t.Fatalf("ballots\n got %s\nwant %s", got, want)
	}
}

func TestSnapshotPolls(t *testing.T) {
	f := newFixture(t, Config{})
	mk := func(cmd Command) string {
		cmd.Type, cmd.Title = TypePollCreate, ptr("t")
		return f.must(f.host, cmd).Poll
	}
	draft := mk(Command{Kind: PollText})
	quiz := mk(Command{Kind: PollQuiz, Options: []string{"3", "4"}, Correct: []int{1}, State: PollOpen})
	rating := mk(Command{Kind: PollRating, State: PollOpen, Reveal: ptr(true)})
	cloud := mk(Command{Kind: PollWordcloud, State: PollOpen})
	f.must(f.audience, Command{Type: TypeVote, Poll: quiz, Choices: []int{0}})
	f.must(f.audience, Command{Type: TypeVote, Poll: rating, Rating: 4})
	f.must(f.audience, Command{Type: TypeVote, Poll: cloud, Text: "so cool"})
	snap := func(a Actor) (polls []map[string]json.RawMessage, votes map[string]json.RawMessage, raw string) {
		t.Helper()
		f.svc.snapMu.Lock()
		clear(f.svc.snapshots) // tallies are cached with the seq
		f.svc.snapMu.Unlock()
		b, _, err := f.svc.Snapshot(f.ctx, a, 0)
		if err != nil || !json.Valid(b) {
			t.Fatalf("snapshot: %v %s", err, b)
		}
		var s struct {
			Polls []map[string]json.RawMessage
			You   struct{ Votes map[string]json.RawMessage }
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		return s.Polls, s.You.Votes, string(b)
	}
	polls, votes, raw := snap(f.audience)
	if len(polls) != 3 || string(polls[0]["id"]) != `"`+quiz+`"` || polls[0]["correct"] != nil || polls[0]["results"] != nil {
		t.Fatalf("audience polls: %s", raw)
	}
	if string(polls[1]["results"]) != `{"counts":[0,0,0,1,0],"total":1,"average":4.00}` || polls[2]["results"] != nil {
		t.Fatalf("audience results: %s", raw)
	}
	if len(votes) != 3 || string(votes[quiz]) != "[0]" || string(votes[rating]) != "4" || string(votes[cloud]) != `["so","cool"]` {
		t.Fatalf("you.votes: %s", raw)
	}
	if !strings.Contains(raw, `"votes":{"p2":[0],"p3":4,"p4":["so","cool"]}}`) {
		t.Fatalf("you.votes order: %s", raw)
	}
	polls, votes, raw = snap(f.host)
	if len(polls) != 4 || string(polls[0]["id"]) != `"`+draft+`"` || string(polls[1]["correct"]) != "[1]" || string(polls[1]["results"]) != `{"counts":[1,0],"total":1}` || len(votes) != 0 {
		t.Fatalf("staff polls: %s", raw)
	}
}
