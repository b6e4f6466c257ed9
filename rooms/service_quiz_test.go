package rooms

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestHandleQuizTimer: the Service's clock sets closes_at when a timed
// quiz opens and reopens, and stamps ballots, so a ballot at or after
// closes_at is refused with "time is up" before any close happened.
func TestHandleQuizTimer(t *testing.T) {
	clock := newTestClock(time.UnixMilli(1_763_890_000_000))
	f := newFixture(t, Config{Now: clock.Now})
	start := clock.Now().UnixMilli()
	p := f.must(f.host, Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("2+2"), Options: []string{"3", "4"}, Correct: []int{1}, Seconds: 10}).Poll
	f.pub.take(EventPoll)
	f.must(f.host, Command{Type: TypePollSet, Poll: p, State: PollOpen})
	opened := f.pub.take(EventPoll)[0]
	if !bytes.Contains(opened.Data, []byte(`"seconds":10,"closes_at":1763890010000,"state":"open","reveal":false,"speed_bonus":true}`)) {
		t.Fatalf("opened timed quiz %s", opened.Data)
	}
	clock.Advance(4 * time.Second)
	f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{1}})
	clock.Advance(6 * time.Second) // exactly closes_at
	_, err := f.handle(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
	wantRefusal(t, "a ballot at closes_at", err, CodeClosed)
	if !strings.Contains(AsError(err).Message, "time is up") {
		t.Fatalf("late ballot message %q, want it to say time is up", AsError(err).Message)
	}
	// The timer's close: once, and not again for the same timer.
	all, err := f.svc.Timers(f.ctx, f.code)
	timers := all.Closes
	if err != nil || len(timers) != 1 || timers[0] != (QuizTimer{Poll: p, ClosesAt: start + 10_000}) || len(all.Advances) != 0 {
		t.Fatalf("Timers = %+v, %v", all, err)
	}
	ev, err := f.svc.ExpireQuiz(f.ctx, f.code, timers[0])
	if err != nil || ev.Seq == 0 || !bytes.Contains(ev.Staff, []byte(`"state":"closed"`)) {
		t.Fatalf("ExpireQuiz: %s, %v", ev.Staff, err)
	}
	if ev, err := f.svc.ExpireQuiz(f.ctx, f.code, timers[0]); err != nil || ev.Seq != 0 {
		t.Fatalf("a second ExpireQuiz made seq %d, %v", ev.Seq, err)
	}
	if all, _ := f.svc.Timers(f.ctx, f.code); len(all.Closes) != 0 {
		t.Fatalf("closed quiz still has a timer: %v", all.Closes)
	}
	// Reopening restarts the timer from the Service's clock.
	clock.Advance(time.Minute)
	f.must(f.host, Command{Type: TypePollSet, Poll: p, State: PollOpen})
	if all, _ := f.svc.Timers(f.ctx, f.code); len(all.Closes) != 1 || all.Closes[0].ClosesAt != clock.Now().UnixMilli()+10_000 {
		t.Fatalf("reopened quiz timers %v", all.Closes)
	}
	f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{0}})
}

// TestHandleQuizSpeedBonus: poll_set speed_bonus is for timed quizzes only.
func TestHandleQuizSpeedBonus(t *testing.T) {
	f := newFixture(t, Config{})
	timed := f.must(f.host, Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("t"), Options: []string{"a", "b"}, Correct: []int{0}, Seconds: 30}).Poll
	untimed := f.must(f.host, Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("t"), Options: []string{"a", "b"}, Correct: []int{0}}).Poll
	single := f.must(f.host, Command{Type: TypePollCreate, Kind: PollSingle, Title: ptr("t"), Options: []string{"a", "b"}}).Poll
	f.pub.take(EventPoll)
	ack := f.must(f.mod, Command{Type: TypePollSet, Poll: timed, SpeedBonus: ptr(false)})
	if ev := f.pub.take(EventPoll); ack.Seq == 0 || len(ev) != 1 || !bytes.Contains(ev[0].Staff, []byte(`"speed_bonus":false`)) {
		t.Fatalf("speed bonus off: ack %+v, events %v", ack, ev)
	}
	if ack := f.must(f.mod, Command{Type: TypePollSet, Poll: timed, SpeedBonus: ptr(false)}); ack.Seq != 0 {
		t.Fatalf("speed bonus off again made seq %d", ack.Seq)
	}
	_, err := f.handle(f.host, Command{Type: TypePollSet, Poll: untimed, SpeedBonus: ptr(true)})
	wantRefusal(t, "speed bonus of an untimed quiz", err, CodeBadRequest)
	_, err = f.handle(f.host, Command{Type: TypePollSet, Poll: single, SpeedBonus: ptr(true)})
	wantRefusal(t, "speed bonus of a single poll", err, CodeBadRequest)
	_, err = f.handle(f.host, Command{Type: TypePollSet, Poll: "p99", SpeedBonus: ptr(true)})
	wantRefusal(t, "speed bonus of an unknown poll", err, CodeNotFound)
}

// TestHandleQuizLeaderboard: names come from the actor (or the HTTP
// command's name), anonymous participants get pseudonyms, and the
// audience's version exists only once the quiz is closed and revealed.
func TestHandleQuizLeaderboard(t *testing.T) {
	clock := newTestClock(time.UnixMilli(1_763_890_000_000))
	f := newFixture(t, Config{Now: clock.Now})
	anon, _, err := f.svc.Join(f.ctx, Hello{Type: TypeHello, Room: f.code})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := f.svc.LeaderboardOf(f.ctx, f.code, ""); ok || err != nil {
		t.Fatalf("a room without quizzes has a leaderboard: %v", err)
	}
	p := f.must(f.host, Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("2+2"), Options: []string{"3", "4"}, Correct: []int{1}, Seconds: 10, State: PollOpen}).Poll
	clock.Advance(2 * time.Second)
	f.must(f.audience, Command{Type: TypeVote, Poll: p, Choices: []int{1}}) // Ada, 8 s left: 1400
	clock.Advance(5 * time.Second)
	f.must(anon, Command{Type: TypeVote, Poll: p, Choices: []int{1}, Name: "Bo"}) // HTTP name, 3 s left: 1150
	f.must(f.host, Command{Type: TypePollSet, Poll: p, State: PollClosed})
	ev, _, ok, err := f.svc.LeaderboardOf(f.ctx, f.code, p)
	if err != nil || !ok || ev.Data != nil || ev.Staff == nil {
		t.Fatalf("unrevealed leaderboard: %+v, %v, %v", ev, ok, err)
	}
	// Lines carry leaderboard handles, never participant ids.
	ha, hb := f.svc.tokens.LeaderHandle(f.code, f.audience.Participant), f.svc.tokens.LeaderHandle(f.code, anon.Participant)
	if !IsHandle(ha) || !IsHandle(hb) || ha == hb {
		t.Fatalf("leaderboard handles %q %q", ha, hb)
	}
	want := `{"type":"leaderboard","poll":"` + p + `","question":[` +
		`{"rank":1,"participant":"` + ha + `","name":"Ada","points":1400,"handle":"` + ha + `"},` +
		`{"rank":2,"participant":"` + hb + `","name":"Bo","points":1150,"handle":"` + hb + `"}],"room":[` +
		`{"rank":1,"participant":"` + ha + `","name":"Ada","points":1400,"handle":"` + ha + `"},` +
		`{"rank":2,"participant":"` + hb + `","name":"Bo","points":1150,"handle":"` + hb + `"}]}`
	if string(ev.Staff) != want {
		t.Fatalf("leaderboard\n got %s\nwant %s", ev.Staff, want)
	}
	// A later anonymous ballot renames the participant to its pseudonym.
	q := f.must(f.host, Command{Type: TypePollCreate, Kind: PollQuiz, Title: ptr("3+3"), Options: []string{"6", "7"}, Correct: []int{0}, State: PollOpen}).Poll
	f.must(anon, Command{Type: TypeVote, Poll: q, Choices: []int{0}})
	f.must(f.host, Command{Type: TypePollSet, Poll: q, State: PollClosed, Reveal: ptr(true)})
	ev, _, ok, err = f.svc.LeaderboardOf(f.ctx, f.code, "")
	if err != nil || !ok || !bytes.Equal(ev.Data, ev.Staff) {
		t.Fatalf("revealed leaderboard: %s / %s, %v", ev.Data, ev.Staff, err)
	}
	var lb struct {
		Poll string        `json:"poll"`
		Room []LeaderEntry `json:"room"`
	}
	if err := json.Unmarshal(ev.Data, &lb); err != nil {
		t.Fatal(err)
	}
	pseudonym := Pseudonym(anon.Participant)
	if lb.Poll != q || len(lb.Room) != 2 || lb.Room[0] != (LeaderEntry{Rank: 1, Participant: hb, Name: pseudonym, Points: 2150, Handle: hb}) {
		t.Fatalf("room leaderboard %+v, want %s first with 2150", lb, pseudonym)
	}
}

func TestPseudonym(t *testing.T) {
	a, b := Pseudonym("p_3f9a01"), Pseudonym("p_3f9a02")
	if a != Pseudonym("p_3f9a01") || !strings.HasPrefix(a, "Guest ") || len(strings.Fields(a)) != 3 {
		t.Fatalf("Pseudonym = %q, want a stable Guest <adjective> <animal>", a)
	}
	seen := map[string]bool{}
	for i := range 200 {
		seen[Pseudonym("p_"+strings.Repeat("x", i))] = true
	}
	if a == b || len(seen) < 100 {
		t.Fatalf("pseudonyms barely vary: %d distinct of 200", len(seen))
	}
}

func TestQuizPoints(t *testing.T) {
	timed := Poll{Kind: PollQuiz, Correct: []int{0, 2}, Seconds: 20, SpeedBonus: true}
	for _, tt := range []struct {
		p       Poll
		choices []int
		left    int64
		want    int64
	}{
		{timed, []int{0, 2}, 20_000, 1500},
		{timed, []int{0, 2}, 30_000, 1500}, // clamped
		{timed, []int{0, 2}, 10_000, 1250},
		{timed, []int{0, 2}, 39, 1000}, // 500*39/20000 rounds down to 0
		{timed, []int{0, 2}, 41, 1001},
		{timed, []int{0, 2}, -5, 1000},
		{timed, []int{0}, 20_000, 0}, // a subset is wrong
		{timed, []int{0, 1, 2}, 20_000, 0},
		{Poll{Kind: PollQuiz, Correct: []int{0, 2}, Seconds: 20}, []int{0, 2}, 20_000, 1000}, // bonus off
		{Poll{Kind: PollQuiz, Correct: []int{1}, SpeedBonus: true}, []int{1}, 5_000, 1000},   // no timer
		{Poll{Kind: PollSingle, Correct: []int{1}}, []int{1}, 0, 0},
	} {
		if got := QuizPoints(tt.p, tt.choices, tt.left); got != tt.want {
			t.Errorf("QuizPoints(%+v, %v, %d) = %d, want %d", tt.p, tt.choices, tt.left, got, tt.want)
		}
	}
}

func TestRankEntries(t *testing.T) {
	got := rankEntries(topScorers([]Scorer{
		{Participant: "p_c", Points: 1000}, {Participant: "p_a", Points: 1500, Name: "Ann"},
		{Participant: "p_b", Points: 1000, Name: "Bea"}, {Participant: "p_d", Points: 900, Name: "Dee"},
		{Participant: "p_e", Points: 1500, Name: "Eve"},
	}, 4))
	want := []LeaderEntry{
		{1, "p_a", "Ann", 1500, ""}, {1, "p_e", "Eve", 1500, ""},
		{3, "p_b", "Bea", 1000, ""}, {3, "p_c", Pseudonym("p_c"), 1000, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("rankEntries = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
