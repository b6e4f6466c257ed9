package rooms_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestRedisPollRecordBeforeQuizTimers: a poll stored before quiz timers
// existed (a record header of six fields, closes_at inside the head) is
// still read, changed and sent with the same bytes as a new one.
func TestRedisPollRecordBeforeQuizTimers(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rdb := redisClient(t, srv)
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	head := `"kind":"quiz","title":"2+2","options":["3","4"],"max":1,"closes_at":0`
	old := "open 0 quiz 2 1 " + strconv.Itoa(len(head)) + "\n" + head + "[1]"
	prefix := "{room:" + code + "}:"
	if err := rdb.HSet(ctx, prefix+"polls", "p1", old).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, prefix+"pmeta", "n", 1).Err(); err != nil {
		t.Fatal(err)
	}
	p, err := s.Poll(ctx, code, "p1")
	if err != nil || p.Kind != rooms.PollQuiz || p.Max != 1 || p.ClosesAt != 0 || p.Seconds != 0 || len(p.Correct) != 1 {
		t.Fatalf("old record read as %+v, %v", p, err)
	}
	if _, err := s.CastBallot(ctx, code, "p1", "p_a", rooms.Ballot{Choices: []int{1}, Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	ev, _, err := s.SetPoll(ctx, code, "p1", rooms.PollPatch{State: new(rooms.PollClosed), Reveal: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := `"max":1,"seconds":0,"closes_at":0,"state":"closed","reveal":true,"speed_bonus":false,"correct":[1],"results":{"counts":[0,1],"total":1}}`
	if !strings.HasSuffix(string(ev.Data), want) || strings.Count(string(ev.Data), "closes_at") != 1 {
		t.Fatalf("old quiz closed: %s", ev.Data)
	}
	if lb, err := s.Leaderboard(ctx, code, "", 10); err != nil || len(lb.Question) != 1 || lb.Question[0].Points != rooms.QuizBasePoints || !lb.Revealed {
		t.Fatalf("old quiz leaderboard %+v, %v", lb, err)
	}
}

// BenchmarkRedisQuizClose measures closing a timed quiz with 10,000
// ballots: one script that closes it, scores every ballot (replacing the
// scores of the previous close) and makes the `poll` event; each iteration
// also reopens it (one more script, which scores nothing).
func BenchmarkRedisQuizClose(b *testing.B) {
	const players = 10_000
	srv := redistest.Start(b)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(b, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(b, s)
	const t0 = 1_763_890_000_000
	p, _, err := s.CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollQuiz, Title: "bench", Options: []string{"a", "b", "c", "d"},
		Max: 1, Correct: []int{1}, Seconds: 30, SpeedBonus: true, State: rooms.PollOpen, ClosesAt: t0 + 30_000})
	if err != nil {
		b.Fatal(err)
	}
	for i := range players {
		ballot := rooms.Ballot{Choices: []int{i % 4}, At: t0 + int64(i), Name: "Player " + strconv.Itoa(i)}
		if _, err := s.CastBallot(ctx, code, p.ID, "p_"+strconv.Itoa(i), ballot); err != nil {
			b.Fatal(err)
		}
	}
	closed, open := rooms.PollClosed, rooms.PollOpen
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.SetPoll(ctx, code, p.ID, rooms.PollPatch{State: &closed, At: t0}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.SetPoll(ctx, code, p.ID, rooms.PollPatch{State: &open, At: t0}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lb, err := s.Leaderboard(ctx, code, p.ID, rooms.LeaderboardSize)
	if err != nil || len(lb.Room) != rooms.LeaderboardSize || lb.Room[0].Points != 1499 {
		b.Fatalf("leaderboard after the closes: %+v, %v", lb, err)
	}
}

// BenchmarkRedisLeaderboard measures reading the leaderboard (what every
// joining client and every instance after a close costs) of a room whose
// 10,000 players answered 10 quizzes.
func BenchmarkRedisLeaderboard(b *testing.B) {
	const players, quizzes = 10_000, 10
	srv := redistest.Start(b)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(b, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(b, s)
	closed := rooms.PollClosed
	for q := range quizzes {
		p, _, err := s.CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollQuiz, Title: "q", Options: []string{"a", "b"},
			Max: 1, Correct: []int{q % 2}, State: rooms.PollOpen})
		if err != nil {
			b.Fatal(err)
		}
		for i := range players {
			if _, err := s.CastBallot(ctx, code, p.ID, "p_"+strconv.Itoa(i), rooms.Ballot{Choices: []int{(i + q) % 2}, At: 1}); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := s.SetPoll(ctx, code, p.ID, rooms.PollPatch{State: &closed, At: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		lb, err := s.Leaderboard(ctx, code, "", rooms.LeaderboardSize)
		if err != nil || len(lb.Room) != rooms.LeaderboardSize {
			b.Fatalf("%+v, %v", lb, err)
		}
	}
}
