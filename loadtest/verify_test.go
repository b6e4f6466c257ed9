package loadtest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestVerifyChurnAndDelete runs a short soak wave against the real server:
// clients are dropped and leave and come back, every acknowledged comment,
// question and ballot is found in the export, and the room is deleted.
func TestVerifyChurnAndDelete(t *testing.T) {
	target := startHub(t, rooms.Config{CommentRate: 1000, CommentBurst: 1000, AskRate: 1000, AskBurst: 1000})
	sc, err := Preset("soak")
	if err != nil {
		t.Fatal(err)
	}
	sc.Targets = []string{target}
	sc.ClientsPerRoom = 20
	sc.Ramp = 200
	sc.Duration = 4 * time.Second
	sc.CommentRate, sc.QuestionRate, sc.VoteRate, sc.DropRate = 10, 4, 10, 2
	sc.QuestionsPerClient = 1
	rep, err := Run(context.Background(), sc, Options{Assert: "lost_acked=0,verify_errors=0"})
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Verify
	if v == nil {
		t.Fatal("no verify report")
	}
	t.Logf("verify %+v; clients %+v", *v, rep.Clients)
	if v.Rooms != 1 || v.Deleted != 1 {
		t.Errorf("rooms verified %d, deleted %d; want 1, 1", v.Rooms, v.Deleted)
	}
	if v.CommentsAcked < 10 || v.QuestionsAcked < 3 || v.BallotsAcked < 10 {
		t.Errorf("acked %d comments, %d questions, %d ballots: too few for the rates", v.CommentsAcked, v.QuestionsAcked, v.BallotsAcked)
	}
	if rep.Clients.Dropped < 3 || rep.Clients.Left < 3 || rep.Clients.Reconnects < 3 {
		t.Errorf("churn: %d dropped, %d left, %d reconnects; want ≥ 3 each", rep.Clients.Dropped, rep.Clients.Left, rep.Clients.Reconnects)
	}
	if rep.Clients.CloseCodes["1000"] == 0 {
		t.Errorf("no leave (1000) seen by the clients: %v", rep.Clients.CloseCodes)
	}
}

// TestCheckExportFindsLoss: an export without an acked comment, question or
// ballot reads as missing; a ballot no client cast as unexpected.
func TestCheckExportFindsLoss(t *testing.T) {
	r := &room{code: "R", verify: &ackLog{}}
	ids := []string{"p1", "p2"}
	r.polls.ids.Store(&ids)
	for i := range 3 {
		c := &client{idx: i, room: r}
		r.clients = append(r.clients, c)
	}
	r.verify.comments = []ackKey{{0, 1}, {1, 1}, {2, 1}}
	r.verify.questions = []ackKey{{0, 1}}
	// Client i's first ballot in poll 0 (n=1) is option i mod 4, acked.
	for _, c := range r.clients {
		c.polls.sentN[0].Store(1)
		c.polls.ackedN[0].Store(1)
	}
	// Client 2 wrote its second single-choice ballot (n=3: option 3), unanswered.
	r.clients[2].polls.sentN[0].Store(3)

	full := func() *roomExport {
		ex := &roomExport{}
		for _, k := range r.verify.comments {
			ex.Comments = append(ex.Comments, exportText{Text: "lt 1 " + itoa(k.pub) + " " + itoa(int(k.n))})
		}
		ex.Questions = append(ex.Questions, exportText{Text: "lt 5 0 1"})
		ex.Polls = make([]exportPoll, 1)
		ex.Polls[0].ID = "p1"
		ex.Polls[0].Results.Counts = []int64{1, 1, 1, 0}
		ex.Polls[0].Results.Total = 3
		return ex
	}
	check := func(ex *roomExport) VerifyReport {
		var v VerifyReport
		checkExport(r, ex, &v)
		return v
	}
	if v := check(full()); v.Lost() != 0 || v.Failures() != 0 || v.CommentsAcked != 3 || v.QuestionsAcked != 1 || v.BallotsAcked != 3 {
		t.Fatalf("complete export: %+v", v)
	}
	// Client 2's unanswered second ballot applied: option 3 instead of 2. Not a loss.
	ex := full()
	ex.Polls[0].Results.Counts = []int64{1, 1, 0, 1}
	if v := check(ex); v.Lost() != 0 || v.Failures() != 0 {
		t.Fatalf("a later unanswered ballot applied: %+v", v)
	}
	ex = full()
	ex.Comments = ex.Comments[1:]
	ex.Questions = nil
	if v := check(ex); v.CommentsMissing != 1 || v.QuestionsMissing != 1 || v.Lost() != 2 {
		t.Fatalf("comment and question left out: %+v", v)
	}
	ex = full()
	ex.Polls[0].Results.Counts = []int64{0, 1, 1, 0}
	ex.Polls[0].Results.Total = 2
	if v := check(ex); v.BallotsMissing != 2 { // option 0's ballot, and one below the total
		t.Fatalf("client 0's ballot left out: %+v", v)
	}
	ex = full()
	ex.Polls[0].Results.Counts = []int64{2, 1, 1, 0}
	ex.Polls[0].Results.Total = 4
	if v := check(ex); v.BallotsUnexpected != 2 || v.Failures() != 2 {
		t.Fatalf("a ballot nobody cast: %+v", v)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
