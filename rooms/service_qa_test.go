package rooms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestHandleAsk(t *testing.T) {
	f := newFixture(t, Config{})
	ack, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "  What\nnext?\u0007 "})
	if err != nil || ack.Question != "q1" || ack.Seq != 1 || ack.Duplicate {
		t.Fatalf("ask = %+v, %v; want q1 at seq 1", ack, err)
	}
	evs := f.pub.take(EventQuestion)
	if len(evs) != 1 || !bytes.Contains(evs[0].Data, []byte(`"text":"What next?","author":"Ada"`)) || bytes.Contains(evs[0].Data, []byte(f.audience.Participant)) {
		t.Fatalf("ask event %s", evs[0].Data)
	}
	// Only the author gets its participant id; staff get the handle.
	own, staff := evs[0].For(false, f.audience.Participant), evs[0].For(true, HostParticipant)
	if !bytes.Contains(own, []byte(`"participant":"`+f.audience.Participant+`"`)) || evs[0].Owner != f.audience.Participant ||
		bytes.Contains(staff, []byte(f.audience.Participant)) || !bytes.Contains(staff, []byte(`"handle":"h_`)) {
		t.Fatalf("ask event: author's version %s, staff's %s, owner %q", own, staff, evs[0].Owner)
	}
	// Anonymous hides the hello name; "name" (HTTP) replaces it.
	f.handle(f.audience, Command{Type: TypeAsk, Text: "anon", Anonymous: true})
	f.handle(f.audience, Command{Type: TypeAsk, Text: "named", Name: "Bob"})
	evs = f.pub.take(EventQuestion)
	if !bytes.Contains(evs[0].Data, []byte(`"author":null`)) || !bytes.Contains(evs[1].Data, []byte(`"author":"Bob"`)) {
		t.Fatalf("anonymous and named: %s %s", evs[0].Data, evs[1].Data)
	}

	g := newFixture(t, Config{})
	_, err = g.handle(g.audience, Command{Type: TypeAsk, Text: " \n\t"})
	wantRefusal(t, "empty question", err, CodeBadRequest)
	_, err = g.handle(g.audience, Command{Type: TypeAsk, Text: strings.Repeat("é", MaxQuestionRunes+1)})
	wantRefusal(t, "long question", err, CodeTooLarge)
	if _, err := g.handle(g.audience, Command{Type: TypeAsk, Text: strings.Repeat("é", MaxQuestionRunes)}); err != nil {
		t.Fatalf("question of %d characters: %v", MaxQuestionRunes, err)
	}
	// Exact duplicate: conflict carrying the existing id.
	_, err = g.handle(g.host, Command{Type: TypeAsk, Text: strings.Repeat("é", MaxQuestionRunes)})
	wantRefusal(t, "duplicate", err, CodeConflict)
	if AsError(err).Question != "q1" {
		t.Fatalf("duplicate error %+v: want question q1", AsError(err))
	}
	// cid: a resend is acked as a duplicate with the original id.
	a1, _ := g.handle(g.audience, Command{Type: TypeAsk, Text: "idem", CID: "k"})
	a2, err := g.handle(g.audience, Command{Type: TypeAsk, Text: "idem", CID: "k"})
	if err != nil || a2.Question != a1.Question || !a2.Duplicate || a2.Seq != 0 {
		t.Fatalf("resend = %+v, %v; want duplicate of %s", a2, err, a1.Question)
	}
}

func TestHandleAskModeration(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Moderation: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "secret text"}); err != nil {
		t.Fatal(err)
	}
	ev := f.pub.take(EventQuestion)[0]
	if bytes.Contains(ev.Data, []byte("secret")) || !bytes.HasPrefix(ev.Data, []byte(`{"type":"question_deleted","seq":2,`)) {
		t.Fatalf("pending question's audience version: %s", ev.Data)
	}
	if !bytes.Contains(ev.For(false, f.audience.Participant), []byte(`"status":"pending"`)) || !bytes.Contains(ev.For(true, ""), []byte("secret")) {
		t.Fatal("the author and staff must receive the pending question")
	}
}

func TestHandleAskRateLimit(t *testing.T) {
	f := newFixture(t, Config{AskRate: 0.001, AskBurst: 3})
	ask := func(text, cid string) error {
		_, err := f.handle(f.audience, Command{Type: TypeAsk, Text: text, CID: cid})
		return err
	}
	if err := ask("one", "c1"); err != nil {
		t.Fatal(err)
	}
	// Resends and refusals do not count against the limit.
	for range 3 {
		if err := ask("one", "c1"); err != nil {
			t.Fatal(err)
		}
		wantRefusal(t, "duplicate", ask("one", "c9"), CodeConflict)
	}
	for _, text := range []string{"two", "three"} {
		if err := ask(text, ""); err != nil {
			t.Fatalf("ask %s: %v", text, err)
		}
	}
	wantRefusal(t, "fourth question", ask("four", ""), CodeRateLimited)
	// The limit is per participant.
	if _, err := f.handle(f.host, Command{Type: TypeAsk, Text: "four"}); err != nil {
		t.Fatalf("another participant: %v", err)
	}
	if DefaultAskRate*60 != 3 || DefaultAskBurst != 3 {
		t.Fatal("the default ask limit is 3 per minute, burst 3")
	}
}

func TestHandleVotes(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.handle(f.host, Command{Type: TypeAsk, Text: "q"}); err != nil {
		t.Fatal(err)
	}
	other := f.join("")
	for _, step := range []struct {
		actor Actor
		typ   string
		want  int64
	}{{f.audience, TypeUpvote, 1}, {f.audience, TypeUpvote, 1}, {other, TypeUpvote, 2}, {f.audience, TypeUnvote, 1}, {f.audience, TypeUnvote, 1}} {
		ack, err := f.handle(step.actor, Command{Type: step.typ, Question: "q1"})
		if err != nil || ack.Votes == nil || *ack.Votes != step.want || ack.Question != "q1" || ack.Seq != 0 {
			t.Fatalf("%s: %+v, %v; want votes %d", step.typ, ack, err, step.want)
		}
	}
	b, _ := json.Marshal(Ack{Question: "q1", Votes: ptr(int64(0))})
	if string(b) != `{"question":"q1","votes":0}` {
		t.Fatalf("ack encoding %s", b)
	}
	_, err := f.handle(f.audience, Command{Type: TypeUpvote})
	wantRefusal(t, "upvote without question", err, CodeBadRequest)
	_, err = f.handle(f.audience, Command{Type: TypeUpvote, Question: "q9"})
	wantRefusal(t, "upvote unknown", err, CodeNotFound)
	if _, err := f.handle(f.mod, Command{Type: TypeBan, Participant: other.Participant}); err != nil {
		t.Fatal(err)
	}
	_, err = f.handle(other, Command{Type: TypeUnvote, Question: "q1"})
	wantRefusal(t, "banned unvote", err, CodeForbidden)
	_, err = f.handle(other, Command{Type: TypeAsk, Text: "banned"})
	wantRefusal(t, "banned ask", err, CodeForbidden)

	// FlushVotes reports what changed since the version the hub passes.
	ch, err := f.svc.FlushVotes(f.ctx, map[string]uint64{f.code: 0})
	if err != nil || len(ch[f.code].Counts) != 1 || ch[f.code].Counts[0] != (VoteCount{ID: "q1", Votes: 1, Visible: true}) {
		t.Fatalf("FlushVotes = %+v, %v", ch, err)
	}
	if again, _ := f.svc.FlushVotes(f.ctx, map[string]uint64{f.code: ch[f.code].Version}); len(again) != 0 {
		t.Fatalf("FlushVotes without changes = %+v", again)
	}
	cur, err := f.svc.CurrentVotes(f.ctx, f.code)
	if err != nil || cur.Version != ch[f.code].Version {
		t.Fatalf("CurrentVotes = %+v, %v", cur, err)
	}
	if f.svc.VoteFlush() != DefaultVoteFlush {
		t.Fatal("VoteFlush default")
	}
}

func TestVotesEvent(t *testing.T) {
	counts := []VoteCount{{"q1", 3, true}, {"q2", 1, false}}
	if got := string(VotesEvent(counts, true)); got != `{"type":"votes","questions":{"q1":3,"q2":1}}` {
		t.Fatalf("staff votes event %s", got)
	}
	if got := string(VotesEvent(counts, false)); got != `{"type":"votes","questions":{"q1":3}}` {
		t.Fatalf("audience votes event %s", got)
	}
	if VotesEvent(counts[1:], false) != nil {
		t.Fatal("an audience votes event with nothing visible must be nil")
	}
}

func TestHandleQuestionSetAndDelete(t *testing.T) {
	f := newFixture(t, Config{})
	for _, text := range []string{"first", "second", "third"} {
		if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	other := f.join("")
	tests := []struct {
		name  string
		actor Actor
		cmd   Command
		code  string // "" means allowed
	}{
		{"set by audience", f.audience, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr(QuestionAnswered)}, CodeForbidden},
		{"set without question", f.mod, Command{Type: TypeQuestionSet, Status: ptr(QuestionAnswered)}, CodeBadRequest},
		{"set nothing", f.mod, Command{Type: TypeQuestionSet, Question: "q1"}, CodeBadRequest},
		{"set bad status", f.mod, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr("done")}, CodeBadRequest},
		{"set long answer", f.host, Command{Type: TypeQuestionSet, Question: "q1", Answer: ptr(strings.Repeat("a", MaxAnswerRunes+1))}, CodeTooLarge},
		{"set bad move", f.mod, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr(QuestionPending)}, CodeConflict},
		{"set unknown", f.mod, Command{Type: TypeQuestionSet, Question: "q9", Pinned: ptr(true)}, CodeNotFound},
		{"set by moderator", f.mod, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr(QuestionAnswered)}, ""},
		{"answer by host", f.host, Command{Type: TypeQuestionSet, Question: "q1", Answer: ptr(strings.Repeat("a", MaxAnswerRunes))}, ""},
		{"delete without question", f.audience, Command{Type: TypeQuestionDelete}, CodeBadRequest},
		{"delete by another", other, Command{Type: TypeQuestionDelete, Question: "q2"}, CodeForbidden},
		{"delete by author", f.audience, Command{Type: TypeQuestionDelete, Question: "q2"}, ""},
		{"delete by moderator", f.mod, Command{Type: TypeQuestionDelete, Question: "q3"}, ""},
		{"delete again", f.host, Command{Type: TypeQuestionDelete, Question: "q3"}, CodeNotFound},
	}
	for _, tt := range tests {
		ack, err := f.handle(tt.actor, tt.cmd)
		if tt.code != "" {
			wantRefusal(t, tt.name, err, tt.code)
			continue
		}
		if err != nil || ack.Seq == 0 || ack.Question != tt.cmd.Question {
			t.Fatalf("%s: %+v, %v", tt.name, ack, err)
		}
	}
	// Pinning over a pinned question: two events; the ack has the last seq.
	if _, err := f.handle(other, Command{Type: TypeAsk, Text: "fourth"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(f.host, Command{Type: TypeQuestionSet, Question: "q1", Pinned: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	seq, _ := f.svc.Seq(f.ctx, f.code)
	ack, err := f.handle(f.host, Command{Type: TypeQuestionSet, Question: "q4", Pinned: ptr(true)})
	if err != nil || ack.Seq != seq+2 {
		t.Fatalf("pin over a pinned question: %+v, %v; want seq %d", ack, err, seq+2)
	}
	// Nothing to change: an ack without seq.
	ack, err = f.handle(f.host, Command{Type: TypeQuestionSet, Question: "q4", Pinned: ptr(true)})
	if err != nil || ack.Seq != 0 {
		t.Fatalf("no-op set: %+v, %v", ack, err)
	}
}

func TestSnapshotQuestions(t *testing.T) {
	f := newFixture(t, Config{})
	other := f.join("")
	f.handle(f.host, Command{Type: TypeRoomSet, Moderation: ptr(true)})
	for _, c := range []struct {
		actor Actor
		text  string
	}{{f.audience, "mine pending"}, {other, "theirs pending"}, {other, "theirs live"}, {f.audience, "mine live"}} {
		if _, err := f.handle(c.actor, Command{Type: TypeAsk, Text: c.text}); err != nil {
			t.Fatal(err)
		}
	}
	f.handle(f.mod, Command{Type: TypeQuestionSet, Question: "q3", Status: ptr(QuestionLive)})
	f.handle(f.mod, Command{Type: TypeQuestionSet, Question: "q4", Status: ptr(QuestionLive)})
	f.handle(f.audience, Command{Type: TypeUpvote, Question: "q3"})
	type snap struct {
		Questions []Question
		You       struct{ Upvoted []string }
	}
	get := func(a Actor) (snap, []byte) {
		t.Helper()
		b, _, err := f.svc.Snapshot(f.ctx, a, 1)
		if err != nil {
			t.Fatal(err)
		}
		var s snap
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return s, b
	}
	ids := func(qs []Question) string {
		var out []string
		for _, q := range qs {
			p := "-"
			if q.Participant != "" {
				p = "p"
			}
			out = append(out, q.ID+":"+q.Status+":"+p)
		}
		return strings.Join(out, " ")
	}
	// The author: its own questions with participant, others' live ones without.
	s, b := get(f.audience)
	if got := ids(s.Questions); got != "q1:pending:p q3:live:- q4:live:p" {
		t.Fatalf("author's snapshot questions %s", got)
	}
	if strings.Join(s.You.Upvoted, ",") != "q3" || s.Questions[1].Votes != 1 {
		t.Fatalf("you.upvoted %v, votes %d", s.You.Upvoted, s.Questions[1].Votes)
	}
	if bytes.Contains(b, []byte("theirs pending")) {
		t.Fatalf("another's pending text in a snapshot: %s", b)
	}
	// Same cached body, another participant.
	s, b = get(other)
	if got := ids(s.Questions); got != "q2:pending:p q3:live:p q4:live:-" || bytes.Contains(b, []byte("mine pending")) {
		t.Fatalf("other's snapshot questions %s", got)
	}
	if s.You.Upvoted == nil || len(s.You.Upvoted) != 0 {
		t.Fatalf("you.upvoted %v, want []", s.You.Upvoted)
	}
	// Staff: everything, with handles and without participant ids.
	s, _ = get(f.mod)
	if got := ids(s.Questions); got != "q1:pending:- q2:pending:- q3:live:- q4:live:-" {
		t.Fatalf("staff snapshot questions %s", got)
	}
	for _, q := range s.Questions {
		if !IsHandle(q.Handle) {
			t.Fatalf("staff snapshot question %s without a handle: %+v", q.ID, q)
		}
	}
	// A fresh audience member sees only the live ones.
	s, _ = get(f.join(""))
	if got := ids(s.Questions); got != "q3:live:- q4:live:-" {
		t.Fatalf("fresh participant's snapshot questions %s", got)
	}
}

// TestRoomAskRate: fresh identities each within their own limit cannot
// flood a room: past the room's burst their questions are refused with
// rate_limited, staff still ask, and a refused question (a duplicate)
// takes nothing from the room's budget.
func TestRoomAskRate(t *testing.T) {
	f := newFixture(t, Config{RoomAskRate: 0.001, RoomAskBurst: 5})
	if _, err := f.handle(f.join(""), Command{Type: TypeAsk, Text: "q0"}); err != nil {
		t.Fatal(err)
	}
	for range 3 { // duplicates are refused and give their room token back
		_, err := f.handle(f.join(""), Command{Type: TypeAsk, Text: "q0"})
		wantRefusal(t, "duplicate", err, CodeConflict)
	}
	for i := 1; i < 5; i++ {
		if _, err := f.handle(f.join(""), Command{Type: TypeAsk, Text: fmt.Sprint("q", i)}); err != nil {
			t.Fatalf("question %d of the burst: %v", i, err)
		}
	}
	_, err := f.handle(f.join(""), Command{Type: TypeAsk, Text: "one too many"})
	wantRefusal(t, "past the room's burst", err, CodeRateLimited)
	if !strings.Contains(AsError(err).Message, "room") {
		t.Fatalf("the refusal does not say the room is the limit: %v", err)
	}
	if _, err := f.handle(f.host, Command{Type: TypeAsk, Text: "from the host"}); err != nil {
		t.Fatalf("staff past the room's burst: %v", err)
	}
}
