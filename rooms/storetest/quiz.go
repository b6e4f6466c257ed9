package storetest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// testQuiz runs the quiz rules of rooms.PollStore: timers, late ballots,
// scoring, the leaderboard.
func testQuiz(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *pollFixture)
	}{
		{"TimerAtOpen", testQuizTimerAtOpen},
		{"TimerAtReopen", testQuizTimerAtReopen},
		{"LateBallot", testQuizLateBallot},
		{"ExpirePoll", testQuizExpire},
		{"ScoringWithSpeedBonus", testQuizScoringBonus},
		{"ScoringWithoutSpeedBonus", testQuizScoringNoBonus},
		{"ReplacementMovesBallotTime", testQuizReplacementTime},
		{"RecloseDoesNotDoubleCount", testQuizReclose},
		{"DeleteRemovesPoints", testQuizDelete},
		{"TieRanks", testQuizTies},
		{"Standings", testQuizStandings},
		{"Names", testQuizNames},
		{"ConcurrentExpire", testQuizConcurrentExpire},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newStore, DefaultRetained)
			tt.fn(t, &pollFixture{fixture: f, ps: f.store})
		})
	}
}

// quizT0 is the suite's clock origin, Unix ms.
const quizT0 int64 = 1_763_890_000_000

// timedQuiz is a 20-second quiz with its speed bonus, answer "4".
var timedQuiz = rooms.Poll{Kind: rooms.PollQuiz, Title: "2+2", Options: []string{"3", "4", "5"}, Max: 1,
	State: rooms.PollDraft, Correct: []int{1}, Seconds: 20, SpeedBonus: true}

// openAt opens (or reopens) poll id at time at and returns the poll.
func (f *pollFixture) openAt(id string, at int64) rooms.Poll {
	f.t.Helper()
	_, p := f.set(id, rooms.PollPatch{State: ptr(rooms.PollOpen), At: at})
	return p
}

// closeQuiz closes poll id by SetPoll.
func (f *pollFixture) closeQuiz(id string) {
	f.t.Helper()
	f.set(id, rooms.PollPatch{State: ptr(rooms.PollClosed), At: quizT0})
}

// castAt casts participant's choices at time at, under name.
func (f *pollFixture) castAt(id, participant, name string, at int64, c ...int) bool {
	f.t.Helper()
	return f.cast(id, participant, rooms.Ballot{Choices: c, At: at, Name: name})
}

// board returns the leaderboard of quiz id with entries of n at most.
func (f *pollFixture) board(id string, n int) rooms.Leaderboard {
	f.t.Helper()
	lb, err := f.ps.Leaderboard(f.ctx, f.code, id, n)
	if err != nil {
		f.t.Fatalf("Leaderboard(%q): %v", id, err)
	}
	return lb
}

// entries formats entries as "rank participant name points; ...".
func entries(list []rooms.LeaderEntry) string {
	var parts []string
	for _, e := range list {
		parts = append(parts, fmt.Sprintf("%d %s %s %d", e.Rank, e.Participant, e.Name, e.Points))
	}
	return strings.Join(parts, "; ")
}

func testQuizTimerAtOpen(t *testing.T, f *pollFixture) {
	// Made open: the store keeps the ClosesAt the Service computed.
	open := timedQuiz
	open.State, open.ClosesAt = rooms.PollOpen, quizT0+20_000
	p1, ev := f.create(open)
	want := `{"type":"poll","seq":1,"id":"p1","kind":"quiz","title":"2+2","options":["3","4","5"],"max":1,"seconds":20,"closes_at":1763890020000,"state":"open","reveal":false,"speed_bonus":true}`
	if string(ev.Data) != want {
		t.Fatalf("timed quiz event:\n got %s\nwant %s", ev.Data, want)
	}
	if got, err := f.ps.Poll(f.ctx, f.code, p1.ID); err != nil || fmt.Sprint(got) != fmt.Sprint(p1) {
		t.Fatalf("Poll(%s) = %+v, %v; want %+v", p1.ID, got, err, p1)
	}
	// Made a draft: no timer until draft → open, which sets it from patch.At.
	p2, ev := f.create(timedQuiz)
	if !strings.Contains(string(ev.Staff), `"seconds":20,"closes_at":0,"state":"draft"`) {
		t.Fatalf("timed draft %s", ev.Staff)
	}
	ev, got := f.set(p2.ID, rooms.PollPatch{State: ptr(rooms.PollOpen), At: quizT0 + 1234})
	if got.ClosesAt != quizT0+21_234 || got.State != rooms.PollOpen || !got.SpeedBonus || got.Seconds != 20 {
		t.Fatalf("opened draft %+v", got)
	}
	want = `{"type":"poll","seq":3,"id":"p2","kind":"quiz","title":"2+2","options":["3","4","5"],"max":1,"seconds":20,"closes_at":1763890021234,"state":"open","reveal":false,"speed_bonus":true,"correct":[1],"results":{"counts":[0,0,0],"total":0}}`
	if string(ev.Staff) != want {
		t.Fatalf("opened timed quiz, staff:\n got %s\nwant %s", ev.Staff, want)
	}
	if stored := f.poll(p2.ID).Poll; stored.ClosesAt != got.ClosesAt || stored.Seconds != 20 || !stored.SpeedBonus {
		t.Fatalf("StateWithPolls has %+v", stored)
	}
	// Untimed polls never get a timer.
	plain, _ := f.create(quiz)
	if _, p := f.set(plain.ID, rooms.PollPatch{State: ptr(rooms.PollClosed), At: quizT0}); p.ClosesAt != 0 {
		t.Fatalf("untimed quiz got closes_at %d", p.ClosesAt)
	}
	if _, p := f.set(plain.ID, rooms.PollPatch{State: ptr(rooms.PollOpen), At: quizT0}); p.ClosesAt != 0 {
		t.Fatalf("reopened untimed quiz got closes_at %d", p.ClosesAt)
	}
	f.checkPublished()
}

func testQuizTimerAtReopen(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	f.openAt(p.ID, quizT0)
	ev, closed := f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollClosed), At: quizT0 + 5000})
	if closed.ClosesAt != quizT0+20_000 || !strings.Contains(string(ev.Staff), `"closes_at":1763890020000,"state":"closed"`) {
		t.Fatalf("a closed quiz keeps its closes_at: %+v %s", closed, ev.Staff)
	}
	// Reveal of a closed quiz leaves the timer alone.
	if _, p := f.set(p.ID, rooms.PollPatch{Reveal: ptr(true), At: quizT0 + 9000}); p.ClosesAt != quizT0+20_000 {
		t.Fatalf("reveal moved closes_at to %d", p.ClosesAt)
	}
	reopened := f.openAt(p.ID, quizT0+60_000)
	if reopened.ClosesAt != quizT0+80_000 {
		t.Fatalf("reopened quiz closes at %d, want %d", reopened.ClosesAt, quizT0+80_000)
	}
	// Open again while open: nothing changes, not even the timer.
	if ev, p := f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen), At: quizT0 + 70_000}); ev.Seq != 0 || p.ClosesAt != quizT0+80_000 {
		t.Fatalf("open again: seq %d, closes_at %d", ev.Seq, p.ClosesAt)
	}
	if got, _ := f.ps.Poll(f.ctx, f.code, p.ID); got.ClosesAt != quizT0+80_000 {
		t.Fatalf("Poll has closes_at %d", got.ClosesAt)
	}
	f.checkPublished()
}

func testQuizLateBallot(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	f.openAt(p.ID, quizT0)
	closesAt := quizT0 + 20_000
	if !f.castAt(p.ID, "p_a", "", closesAt-1, 1) {
		t.Fatal("a ballot 1 ms before the end did not count")
	}
	for _, at := range []int64{closesAt, closesAt + 1, closesAt + 3_600_000} {
		_, err := f.ps.CastBallot(f.ctx, f.code, p.ID, "p_b", rooms.Ballot{Choices: []int{1}, At: at})
		wantErr(t, "ballot at "+strconv.FormatInt(at-closesAt, 10)+" ms past the end", err, rooms.ErrQuizTimeUp)
		_, err = f.ps.CastBallot(f.ctx, f.code, p.ID, "p_a", rooms.Ballot{Choices: []int{0}, At: at})
		wantErr(t, "replacement past the end", err, rooms.ErrQuizTimeUp)
	}
	// A closed quiz refuses as closed, whatever the time.
	f.closeQuiz(p.ID)
	_, err := f.ps.CastBallot(f.ctx, f.code, p.ID, "p_b", rooms.Ballot{Choices: []int{1}, At: closesAt + 1})
	wantErr(t, "ballot for the closed quiz", err, rooms.ErrPollNotOpen)
	// The refusals left the tally alone.
	if ps := f.poll(p.ID); fmt.Sprint(ps.Tally.Counts) != "[0 1 0]" || ps.Tally.Total != 1 {
		t.Fatalf("tally %+v", ps.Tally)
	}
	// Reopened: the new timer counts.
	f.openAt(p.ID, closesAt+100_000)
	if !f.castAt(p.ID, "p_b", "", closesAt+100_000+19_999, 1) {
		t.Fatal("a ballot within the reopened quiz's timer did not count")
	}
}

func testQuizExpire(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	closesAt := f.openAt(p.ID, quizT0).ClosesAt
	f.castAt(p.ID, "p_a", "Ada", quizT0+10_000, 1)
	if ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt+1); err != nil || ev.Seq != 0 {
		t.Fatalf("ExpirePoll with another closes_at: seq %d, %v", ev.Seq, err)
	}
	ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt)
	if err != nil || ev.Seq != 3 {
		t.Fatalf("ExpirePoll: seq %d, %v", ev.Seq, err)
	}
	f.made = append(f.made, ev)
	want := `{"type":"poll","seq":3,"id":"p1","kind":"quiz","title":"2+2","options":["3","4","5"],"max":1,"seconds":20,"closes_at":1763890020000,"state":"closed","reveal":false,"speed_bonus":true,"correct":[1],"results":{"counts":[0,1,0],"total":1}}`
	if string(ev.Staff) != want || strings.Contains(string(ev.Data), "correct") || ev.Type != rooms.EventPoll {
		t.Fatalf("expired quiz:\n got %s\n     %s\nwant %s", ev.Staff, ev.Data, want)
	}
	if got := entries(f.board(p.ID, 10).Question); got != "1 p_a Ada 1250" {
		t.Fatalf("scored at expiry: %s", got)
	}
	// Instances racing: only the first close makes an event.
	if ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt); err != nil || ev.Seq != 0 {
		t.Fatalf("second ExpirePoll: seq %d, %v", ev.Seq, err)
	}
	// A stale timer never closes the reopened quiz.
	f.openAt(p.ID, quizT0+60_000)
	if ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt); err != nil || ev.Seq != 0 {
		t.Fatalf("stale ExpirePoll: seq %d, %v", ev.Seq, err)
	}
	if got := f.poll(p.ID).Poll; got.State != rooms.PollOpen {
		t.Fatalf("stale timer closed the reopened quiz: %+v", got)
	}
	// A draft, an untimed quiz (closes_at 0) and unknown polls or rooms.
	d, _ := f.create(timedQuiz)
	if ev, err := f.ps.ExpirePoll(f.ctx, f.code, d.ID, 0); err != nil || ev.Seq != 0 {
		t.Fatalf("ExpirePoll of a draft: seq %d, %v", ev.Seq, err)
	}
	_, err = f.ps.ExpirePoll(f.ctx, f.code, "p99", closesAt)
	wantErr(t, "ExpirePoll(p99)", err, rooms.ErrPollNotFound)
	_, err = f.ps.ExpirePoll(f.ctx, "NOROOM", p.ID, closesAt)
	wantErr(t, "ExpirePoll in an unknown room", err, rooms.ErrRoomNotFound)
	f.checkPublished()
}

func testQuizScoringBonus(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	f.openAt(p.ID, quizT0)
	f.castAt(p.ID, "p_fast", "Fay", quizT0+1, 1)     // 19999 ms left: 1000 + 499
	f.castAt(p.ID, "p_mid", "Mo", quizT0+10_000, 1)  // 10000 ms left: 1000 + 250
	f.castAt(p.ID, "p_late", "Lu", quizT0+19_999, 1) // 1 ms left: 1000 + 0
	f.castAt(p.ID, "p_wrong", "Wu", quizT0+1, 0)     // wrong: no points
	lb := f.board(p.ID, 10)
	if lb.Poll != p.ID || len(lb.Question) != 0 || len(lb.Room) != 0 || lb.Revealed {
		t.Fatalf("an open quiz has points: %+v", lb)
	}
	f.closeQuiz(p.ID)
	lb = f.board(p.ID, 10)
	want := "1 p_fast Fay 1499; 2 p_mid Mo 1250; 3 p_late Lu 1000"
	if got := entries(lb.Question); got != want {
		t.Fatalf("question board %s, want %s", got, want)
	}
	if got := entries(lb.Room); got != want {
		t.Fatalf("room board %s, want %s", got, want)
	}
	if lb.Revealed {
		t.Fatal("an unrevealed quiz's board is revealed")
	}
	f.set(p.ID, rooms.PollPatch{Reveal: ptr(true)})
	if lb := f.board("", 10); !lb.Revealed || lb.Poll != p.ID {
		t.Fatalf("revealed closed quiz's board: %+v", lb)
	}
}

func testQuizScoringNoBonus(t *testing.T, f *pollFixture) {
	off := timedQuiz
	off.SpeedBonus = false
	p, _ := f.create(off)
	f.openAt(p.ID, quizT0)
	f.castAt(p.ID, "p_fast", "", quizT0+1, 1)
	f.castAt(p.ID, "p_late", "", quizT0+19_000, 1)
	f.closeQuiz(p.ID)
	if got, want := entries(f.board(p.ID, 10).Question), "1 p_fast "+rooms.Pseudonym("p_fast")+" 1000; 1 p_late "+rooms.Pseudonym("p_late")+" 1000"; got != want {
		t.Fatalf("without bonus %s, want %s", got, want)
	}
	// Turning the bonus on counts at the next close; an untimed quiz never
	// gets one.
	f.openAt(p.ID, quizT0+60_000)
	if _, got := f.set(p.ID, rooms.PollPatch{SpeedBonus: ptr(true)}); !got.SpeedBonus {
		t.Fatalf("speed bonus not on: %+v", got)
	}
	f.closeQuiz(p.ID)
	if got := entries(f.board(p.ID, 10).Question); !strings.HasPrefix(got, "1 p_fast "+rooms.Pseudonym("p_fast")+" 1499; 2 p_late") {
		t.Fatalf("with the bonus turned on: %s", got)
	}
	u, _ := f.create(quiz)
	if ev, got := f.set(u.ID, rooms.PollPatch{SpeedBonus: ptr(true)}); got.SpeedBonus || ev.Seq != 0 {
		t.Fatalf("untimed quiz took a speed bonus: %+v (seq %d)", got, ev.Seq)
	}
	f.castAt(u.ID, "p_fast", "", quizT0, 1)
	f.closeQuiz(u.ID)
	if got := entries(f.board(u.ID, 10).Question); got != "1 p_fast "+rooms.Pseudonym("p_fast")+" 1000" {
		t.Fatalf("untimed quiz: %s", got)
	}
}

func testQuizReplacementTime(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	f.openAt(p.ID, quizT0)
	f.castAt(p.ID, "p_a", "", quizT0+2000, 1) // 18 s left
	// The same ballot again changes nothing, not even its time.
	if f.castAt(p.ID, "p_a", "", quizT0+12_000, 1) {
		t.Fatal("a repeated ballot changed")
	}
	f.castAt(p.ID, "p_b", "", quizT0+2000, 0)   // wrong,
	f.castAt(p.ID, "p_b", "", quizT0+16_000, 1) // then right with 4 s left
	f.closeQuiz(p.ID)
	want := "1 p_a " + rooms.Pseudonym("p_a") + " 1450; 2 p_b " + rooms.Pseudonym("p_b") + " 1100"
	if got := entries(f.board(p.ID, 10).Question); got != want {
		t.Fatalf("board %s, want %s", got, want)
	}
}

func testQuizReclose(t *testing.T, f *pollFixture) {
	p, _ := f.create(timedQuiz)
	f.openAt(p.ID, quizT0)
	f.castAt(p.ID, "p_a", "", quizT0+10_000, 1) // 1250
	f.castAt(p.ID, "p_b", "", quizT0+10_000, 1) // 1250
	f.closeQuiz(p.ID)
	q, _ := f.create(quiz)
	f.castAt(q.ID, "p_a", "", quizT0, 1) // 1000
	f.closeQuiz(q.ID)
	room := "1 p_a " + rooms.Pseudonym("p_a") + " 2250; 2 p_b " + rooms.Pseudonym("p_b") + " 1250"
	if got := entries(f.board("", 10).Room); got != room {
		t.Fatalf("room board %s, want %s", got, room)
	}
	// Reopened and closed again with the same ballots: the same points.
	f.openAt(p.ID, quizT0+100_000)
	if got := entries(f.board("", 10).Room); got != room {
		t.Fatalf("reopening changed the room board: %s", got)
	}
	f.closeQuiz(p.ID)
	if got := entries(f.board("", 10).Room); got != room {
		t.Fatalf("after closing again %s, want %s", got, room)
	}
	// Expired after a reopen: still replaces.
	closesAt := f.openAt(p.ID, quizT0+200_000).ClosesAt
	f.castAt(p.ID, "p_b", "", quizT0+201_000, 2) // now wrong
	if ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt); err != nil || ev.Seq == 0 {
		t.Fatalf("ExpirePoll: %v", err)
	}
	if got, want := entries(f.board(p.ID, 10).Question), "1 p_a "+rooms.Pseudonym("p_a")+" 1250"; got != want {
		t.Fatalf("question board %s, want %s", got, want)
	}
	if got, want := entries(f.board(p.ID, 10).Room), "1 p_a "+rooms.Pseudonym("p_a")+" 2250"; got != want {
		t.Fatalf("room board %s, want %s", got, want)
	}
}

func testQuizDelete(t *testing.T, f *pollFixture) {
	p, _ := f.create(quiz)
	f.castAt(p.ID, "p_a", "Ada", quizT0, 1)
	f.castAt(p.ID, "p_b", "Bo", quizT0, 1)
	f.closeQuiz(p.ID)
	q, _ := f.create(quiz)
	f.castAt(q.ID, "p_a", "Ada", quizT0, 1)
	f.closeQuiz(q.ID)
	if got := entries(f.board("", 10).Room); got != "1 p_a Ada 2000; 2 p_b Bo 1000" {
		t.Fatalf("room board %s", got)
	}
	ev, err := f.ps.DeletePoll(f.ctx, f.code, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.made = append(f.made, ev)
	lb := f.board("", 10)
	if lb.Poll != q.ID || entries(lb.Room) != "1 p_a Ada 1000" || entries(lb.Question) != "1 p_a Ada 1000" {
		t.Fatalf("after deleting %s: %+v", p.ID, lb)
	}
	if lb := f.board(p.ID, 10); lb.Poll != "" {
		t.Fatalf("a deleted quiz has a board: %+v", lb)
	}
	ev, err = f.ps.DeletePoll(f.ctx, f.code, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.made = append(f.made, ev)
	if lb := f.board("", 10); lb.Poll != "" || len(lb.Room) != 0 {
		t.Fatalf("no quiz left, board %+v", lb)
	}
	// Points start again from nothing.
	r, _ := f.create(quiz)
	f.castAt(r.ID, "p_b", "Bo", quizT0, 1)
	f.closeQuiz(r.ID)
	if got := entries(f.board("", 10).Room); got != "1 p_b Bo 1000" {
		t.Fatalf("room board after new quiz %s", got)
	}
	f.checkPublished()
}

func testQuizTies(t *testing.T, f *pollFixture) {
	if lb := f.board("", 10); lb.Poll != "" {
		t.Fatalf("a room without quizzes has a board: %+v", lb)
	}
	p, _ := f.create(quiz)
	// Participant ids chosen so that byte order differs from insertion order.
	for _, who := range []string{"p_d", "p_b", "p_a", "p_c"} {
		f.castAt(p.ID, who, strings.ToUpper(who[2:]), quizT0, 1)
	}
	f.castAt(p.ID, "p_e", "E", quizT0, 0)
	f.closeQuiz(p.ID)
	q, _ := f.create(quiz)
	for _, who := range []string{"p_c", "p_d", "p_e"} {
		f.castAt(q.ID, who, strings.ToUpper(who[2:]), quizT0, 1)
	}
	f.closeQuiz(q.ID)
	lb := f.board(q.ID, 10)
	if got, want := entries(lb.Question), "1 p_c C 1000; 1 p_d D 1000; 1 p_e E 1000"; got != want {
		t.Fatalf("question ties %s, want %s", got, want)
	}
	if got, want := entries(lb.Room), "1 p_c C 2000; 1 p_d D 2000; 3 p_a A 1000; 3 p_b B 1000; 3 p_e E 1000"; got != want {
		t.Fatalf("room ties %s, want %s", got, want)
	}
	// The list is cut after n entries, ties or not; ranks stay.
	if got, want := entries(f.board(q.ID, 4).Room), "1 p_c C 2000; 1 p_d D 2000; 3 p_a A 1000; 3 p_b B 1000"; got != want {
		t.Fatalf("top 4 %s, want %s", got, want)
	}
	// "" is the closed quiz with the highest number.
	if lb := f.board("", 1); lb.Poll != q.ID || entries(lb.Question) != "1 p_c C 1000" {
		t.Fatalf("latest closed quiz board %+v", lb)
	}
	f.openAt(q.ID, quizT0)
	if lb := f.board("", 1); lb.Poll != p.ID {
		t.Fatalf("with %s reopened, the latest closed quiz is %q", q.ID, lb.Poll)
	}
	// Not a quiz, or unknown: no board.
	s, _ := f.create(single)
	for _, id := range []string{s.ID, "p99"} {
		if lb := f.board(id, 10); lb.Poll != "" {
			t.Fatalf("board of %s: %+v", id, lb)
		}
	}
	_, err := f.ps.Leaderboard(f.ctx, "NOROOM", "", 10)
	wantErr(t, "Leaderboard of an unknown room", err, rooms.ErrRoomNotFound)
}

// testQuizStandings: the leaderboard gives each participant asked about
// its rank and points in the room's totals, outside the lists too; one
// without points is not ranked.
func testQuizStandings(t *testing.T, f *pollFixture) {
	p, _ := f.create(quiz)
	for _, who := range []string{"p_d", "p_b", "p_a", "p_c"} {
		f.castAt(p.ID, who, "", quizT0, 1)
	}
	f.castAt(p.ID, "p_e", "", quizT0, 0)
	f.closeQuiz(p.ID)
	q, _ := f.create(quiz)
	for _, who := range []string{"p_c", "p_d"} {
		f.castAt(q.ID, who, "", quizT0, 1)
	}
	f.closeQuiz(q.ID)
	lb, err := f.ps.Leaderboard(f.ctx, f.code, q.ID, 2, "p_a", "p_d", "p_e", "p_zz", "p_b")
	if err != nil {
		t.Fatalf("Leaderboard: %v", err)
	}
	if got, want := entries(lb.Room), "1 p_c "+rooms.Pseudonym("p_c")+" 2000; 1 p_d "+rooms.Pseudonym("p_d")+" 2000"; got != want {
		t.Fatalf("room list %s, want %s", got, want)
	}
	want := map[string]rooms.Standing{"p_a": {Rank: 3, Points: 1000}, "p_b": {Rank: 3, Points: 1000}, "p_d": {Rank: 1, Points: 2000},
		"p_e": {}, "p_zz": {}}
	if fmt.Sprint(lb.You) != fmt.Sprint(want) {
		t.Fatalf("standings %v, want %v", lb.You, want)
	}
	// One asked about (a client joining) gets the same standing.
	one, err := f.ps.Leaderboard(f.ctx, f.code, q.ID, 2, "p_b")
	if err != nil || fmt.Sprint(one.You) != fmt.Sprint(map[string]rooms.Standing{"p_b": {Rank: 3, Points: 1000}}) {
		t.Fatalf("standing of p_b alone: %v, %v", one.You, err)
	}
	// Nobody asked about: no standings.
	if lb := f.board(q.ID, 2); len(lb.You) != 0 {
		t.Fatalf("standings nobody asked for: %v", lb.You)
	}
	// Deleting a quiz takes its points off the standings.
	if _, err := f.ps.DeletePoll(f.ctx, f.code, q.ID); err != nil {
		t.Fatal(err)
	}
	lb, err = f.ps.Leaderboard(f.ctx, f.code, p.ID, 2, "p_d", "p_a")
	if err != nil || fmt.Sprint(lb.You) != fmt.Sprint(map[string]rooms.Standing{"p_a": {Rank: 1, Points: 1000}, "p_d": {Rank: 1, Points: 1000}}) {
		t.Fatalf("standings after deleting %s: %v, %v", q.ID, lb.You, err)
	}
}

func testQuizNames(t *testing.T, f *pollFixture) {
	p, _ := f.create(quiz)
	f.castAt(p.ID, "p_a", `Ada "the" ☃`, quizT0, 1)
	f.castAt(p.ID, "p_b", "", quizT0, 1)
	f.closeQuiz(p.ID)
	want := `1 p_a Ada "the" ☃ 1000; 1 p_b ` + rooms.Pseudonym("p_b") + " 1000"
	if got := entries(f.board(p.ID, 10).Question); got != want {
		t.Fatalf("names %s, want %s", got, want)
	}
	// The name of the latest quiz ballot counts, in every list.
	q, _ := f.create(quiz)
	f.castAt(q.ID, "p_a", "", quizT0, 0)
	f.castAt(q.ID, "p_b", "Bo", quizT0, 0)
	want = "1 p_a " + rooms.Pseudonym("p_a") + " 1000; 1 p_b Bo 1000"
	if got := entries(f.board(p.ID, 10).Question); got != want {
		t.Fatalf("renamed %s, want %s", got, want)
	}
	// Ballots of other kinds never rename.
	s, _ := f.create(single)
	f.castAt(s.ID, "p_b", "Other", quizT0, 0)
	if got := entries(f.board(p.ID, 10).Room); got != want {
		t.Fatalf("after a single ballot %s, want %s", got, want)
	}
	if b, err := f.ps.Ballots(f.ctx, f.code, "p_a"); err != nil || b[p.ID].At != 0 || b[p.ID].Name != "" || !b[p.ID].Equal(choices(1)) {
		t.Fatalf("Ballots(p_a) = %+v, %v", b, err)
	}
}

// testQuizConcurrentExpire: many timers firing at once (one per instance)
// close the quiz with one event and score it once.
func testQuizConcurrentExpire(t *testing.T, f *pollFixture) {
	const timers = 16
	p, _ := f.create(timedQuiz)
	closesAt := f.openAt(p.ID, quizT0).ClosesAt
	f.castAt(p.ID, "p_a", "Ada", quizT0+10_000, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var made []rooms.Event
	start := make(chan struct{})
	for range timers {
		wg.Go(func() {
			<-start
			ev, err := f.ps.ExpirePoll(f.ctx, f.code, p.ID, closesAt)
			if err != nil {
				t.Errorf("ExpirePoll: %v", err)
			}
			if ev.Seq != 0 {
				mu.Lock()
				made = append(made, ev)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(made) != 1 || made[0].Seq != 3 {
		t.Fatalf("%d racing timers made %d events, want one at seq 3", timers, len(made))
	}
	f.made = append(f.made, made...)
	f.wantSeq(3)
	if got := entries(f.board(p.ID, 10).Room); got != "1 p_a Ada 1250" {
		t.Fatalf("room board %s, want Ada once with 1250", got)
	}
	f.checkPublished()
}
