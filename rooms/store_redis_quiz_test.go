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
