package rooms

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// insightConfig lets the scripted sessions act without rate limits.
func insightConfig(clock *testClock) Config {
	return Config{Now: clock.Now, ReactRate: 1e6, ReactBurst: 1e6, AskRate: 1e6, AskBurst: 1e6, CommentRate: 1e6, CommentBurst: 1e6}
}

// act runs a command that must succeed.
func (f *fixture) act(a Actor, cmd Command) Ack {
	f.t.Helper()
	ack, err := f.handle(a, cmd)
	if err != nil {
		f.t.Fatalf("%s: %v", cmd.Type, err)
	}
	return ack
}

// insightStores runs fn on a fixture whose service and log both take
// their time from clock, set to start.
func insightStores(t *testing.T, clock *testClock, start time.Time, fn func(t *testing.T, f *fixture)) {
	clock.set(start)
	fn(t, newFixture(t, insightConfig(clock)))
}

func (f *fixture) stats() Stats {
	f.t.Helper()
	st, err := f.svc.Stats(f.ctx, f.hostKey, f.code, -1)
	if err != nil {
		f.t.Fatalf("Stats: %v", err)
	}
	return st
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestInsightMinuteEdges: interactions land in the minute the server
// accepted them, to the millisecond at the edges; reactions in the minute
// of the flush that counted them; joins in the minute first seen. On both
// stores.
func TestInsightMinuteEdges(t *testing.T) {
	start := utc("2025-11-23T09:59:59.999Z")
	clock := newTestClock(start)
	insightStores(t, clock, start, func(t *testing.T, f *fixture) { testInsightMinuteEdges(t, f, clock) })
}

func testInsightMinuteEdges(t *testing.T, f *fixture, clock *testClock) {
	// newFixture made the audience member join at 09:59.
	f.act(f.audience, Command{Type: TypeAsk, Text: "first"})

	clock.set(utc("2025-11-23T10:00:00.000Z"))
	b := f.join("")
	f.act(b, Command{Type: TypeAsk, Text: "second"})
	f.act(b, Command{Type: TypeUpvote, Question: "q1"})
	f.act(b, Command{Type: TypeComment, Text: "hi"})
	f.join(f.hostKey) // staff are never participants

	clock.set(utc("2025-11-23T10:00:59.950Z"))
	for range 3 {
		f.act(b, Command{Type: TypeReact, Kind: "clap"})
	}
	clock.set(utc("2025-11-23T10:01:00.000Z")) // the flush counts them here
	if _, err := f.svc.FlushReactions(f.ctx, nil); err != nil {
		t.Fatal(err)
	}
	clock.set(utc("2025-11-23T10:01:00.500Z"))
	f.svc.RecordPresence(f.ctx, map[string]int{f.code: 3})

	clock.set(utc("2025-11-23T10:02:30Z"))
	st := f.stats()
	want := []StatsMinute{
		{Minute: "2025-11-23T09:59:00Z", MinuteMS: utc("2025-11-23T09:59:00Z").UnixMilli(), Joined: 1, Questions: 1},
		{Minute: "2025-11-23T10:00:00Z", MinuteMS: utc("2025-11-23T10:00:00Z").UnixMilli(), Joined: 1, Questions: 1, Upvotes: 1, Comments: 1},
		{Minute: "2025-11-23T10:01:00Z", MinuteMS: utc("2025-11-23T10:01:00Z").UnixMilli(), Connected: 3, Reactions: 3},
	}
	if !reflect.DeepEqual(st.Timeline, want) {
		t.Fatalf("timeline:\n got %+v\nwant %+v", st.Timeline, want)
	}
	p := st.Participants
	if p.Unique != 2 || p.Active != 2 || p.ParticipationRate != 1 || p.Connected != 3 || p.PeakConnected != 3 ||
		p.PeakConnectedAtMS != utc("2025-11-23T10:01:00.500Z").UnixMilli() {
		t.Fatalf("participants: %+v", p)
	}
	if st.GeneratedAt != "2025-11-23T10:02:30Z" || st.Format != StatsFormat {
		t.Fatalf("header: %s %s", st.Format, st.GeneratedAt)
	}

	// A quiet minute between two busy ones is in the timeline, as zeros.
	clock.set(utc("2025-11-23T10:03:00Z"))
	f.act(b, Command{Type: TypeComment, Text: "later"})
	st = f.stats()
	if len(st.Timeline) != 5 || st.Timeline[3] != (StatsMinute{Minute: "2025-11-23T10:02:00Z", MinuteMS: utc("2025-11-23T10:02:00Z").UnixMilli()}) ||
		st.Timeline[4].Comments != 1 {
		t.Fatalf("timeline after a quiet minute: %+v", st.Timeline)
	}
}

// TestInsightScriptedSession: every figure of a scripted session is exact,
// on both stores.
func TestInsightScriptedSession(t *testing.T) {
	start := utc("2025-11-23T09:00:00Z")
	clock := newTestClock(start)
	insightStores(t, clock, start, func(t *testing.T, f *fixture) { testInsightScriptedSession(t, f, clock) })
}

func testInsightScriptedSession(t *testing.T, f *fixture, clock *testClock) {
	a := f.audience
	b, c, d := f.join(""), f.join(""), f.join("")
	f.join("")                                       // e joins and does nothing
	f.join(f.svc.tokens.Sign(f.code, b.Participant)) // b again: still one

	f.act(a, Command{Type: TypeAsk, Text: "q one", CID: "x"})
	if ack := f.act(a, Command{Type: TypeAsk, Text: "q one", CID: "x"}); !ack.Duplicate {
		t.Fatal("the resend made a new question")
	}
	f.act(b, Command{Type: TypeAsk, Text: "q two"})
	f.act(f.host, Command{Type: TypeAsk, Text: "q three"})
	if _, err := f.handle(c, Command{Type: TypeAsk, Text: "q two"}); err == nil {
		t.Fatal("a duplicate question was taken")
	}

	f.act(b, Command{Type: TypeUpvote, Question: "q1"})
	f.act(c, Command{Type: TypeUpvote, Question: "q1"})
	f.act(c, Command{Type: TypeUpvote, Question: "q1"}) // repeated: not counted
	f.act(d, Command{Type: TypeUpvote, Question: "q2"})
	f.act(d, Command{Type: TypeUnvote, Question: "q2"}) // not an upvote

	f.svc.RecordPresence(f.ctx, map[string]int{f.code: 5})
	poll := f.act(f.host, Command{Type: TypePollCreate, Kind: PollSingle, Title: ptr("Pick"), Options: []string{"x", "y"}, State: PollOpen}).Poll
	f.act(b, Command{Type: TypeVote, Poll: poll, Choices: []int{0}})
	f.act(c, Command{Type: TypeVote, Poll: poll, Choices: []int{1}})
	f.act(c, Command{Type: TypeVote, Poll: poll, Choices: []int{1}}) // the same ballot: not counted
	f.act(c, Command{Type: TypeVote, Poll: poll, Choices: []int{0}}) // a replacement: counted
	f.svc.RecordPresence(f.ctx, map[string]int{f.code: 7})
	f.act(f.host, Command{Type: TypePollSet, Poll: poll, State: PollClosed})
	f.svc.RecordPresence(f.ctx, map[string]int{f.code: 9}) // after the close: not the poll's
	f.act(f.host, Command{Type: TypePollCreate, Kind: PollRating, Title: ptr("Never opened")})

	f.act(d, Command{Type: TypeComment, Text: "nice"})
	f.act(f.host, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr(QuestionAnswered)})
	f.act(f.host, Command{Type: TypeQuestionSet, Question: "q3", Status: ptr(QuestionHidden)})

	// Reactions: 12 and 10 in two consecutive seconds (a burst of 22), 9
	// (below the threshold), then 15 (a burst of its own).
	for i, n := range []int{12, 10, 9, 15} {
		clock.set(utc("2025-11-23T09:05:00Z").Add(time.Duration(i) * time.Second))
		for range n {
			f.act(a, Command{Type: TypeReact, Kind: "like"})
		}
		if _, err := f.svc.FlushReactions(f.ctx, nil); err != nil {
			t.Fatal(err)
		}
	}

	st := f.stats()
	if p := st.Participants; p != (StatsParticipants{Unique: 5, Active: 4, ParticipationRate: 0.8, Connected: 9, PeakConnected: 9, PeakConnectedAtMS: utc("2025-11-23T09:00:00Z").UnixMilli()}) {
		t.Fatalf("participants: %+v", p)
	}
	if in := st.Interactions; in != (StatsInteractions{Questions: 3, Upvotes: 3, Ballots: 3, Reactions: 46, Comments: 1, Total: 56}) {
		t.Fatalf("interactions: %+v", in)
	}
	q := st.Questions
	wantTop := []StatsTopQuestion{{ID: "q1", Text: "q one", Votes: 2, Status: QuestionAnswered}, {ID: "q2", Text: "q two", Votes: 0, Status: QuestionLive}, {ID: "q3", Text: "q three", Votes: 0, Status: QuestionHidden}}
	if q.Asked != 3 || q.Live != 1 || q.Answered != 1 || q.Hidden != 1 || q.Pending != 0 || !reflect.DeepEqual(q.Top, wantTop) {
		t.Fatalf("questions: %+v", q)
	}
	wantPolls := []StatsPoll{
		{ID: "p1", Title: "Pick", Kind: PollSingle, State: PollClosed, Ballots: 2, Present: 7, ResponseRate: 0.2857},
		{ID: "p2", Title: "Never opened", Kind: PollRating, State: PollDraft},
	}
	if !reflect.DeepEqual(st.Polls, wantPolls) {
		t.Fatalf("polls:\n got %+v\nwant %+v", st.Polls, wantPolls)
	}
	s0 := utc("2025-11-23T09:05:00Z").UnixMilli()
	wantBursts := []StatsBurst{
		{Start: "2025-11-23T09:05:00Z", StartMS: s0, Seconds: 2, Reactions: 22, PeakPerSecond: 12},
		{Start: "2025-11-23T09:05:03Z", StartMS: s0 + 3000, Seconds: 1, Reactions: 15, PeakPerSecond: 15},
	}
	if !reflect.DeepEqual(st.ReactionBursts, wantBursts) {
		t.Fatalf("bursts:\n got %+v\nwant %+v", st.ReactionBursts, wantBursts)
	}
	var sum InsightCounts
	var joined int64
	for _, m := range st.Timeline {
		sum = sum.Add(InsightCounts{m.Questions, m.Upvotes, m.Ballots, m.Reactions, m.Comments})
		joined += m.Joined
	}
	if newStatsInteractions(sum) != st.Interactions || joined != 5 || len(st.Timeline) != 6 {
		t.Fatalf("timeline sums %v, joined %d, %d minutes", sum, joined, len(st.Timeline))
	}

	// Refusals: a participant token, no credential, an unknown room.
	tok := f.svc.tokens.Sign(f.code, b.Participant)
	if _, err := f.svc.Stats(f.ctx, tok, f.code, -1); AsError(err) == nil || AsError(err).Code != CodeForbidden {
		t.Fatalf("Stats with a participant token: %v", err)
	}
	if _, err := f.svc.Stats(f.ctx, "", f.code, -1); AsError(err) == nil || AsError(err).Code != CodeUnauthorized {
		t.Fatalf("Stats without a credential: %v", err)
	}
	if _, err := f.svc.Stats(f.ctx, f.modKey, f.code, 4); err != nil {
		t.Fatalf("Stats with the moderator key: %v", err)
	}
}

// TestReactionBurstsTopTen: past MaxBursts, the bursts with the most
// reactions stay, listed oldest first.
func TestReactionBurstsTopTen(t *testing.T) {
	seconds := map[int64]int64{}
	for i := range int64(12) {
		seconds[1000+3*i] = 10 + i // twelve one-second bursts, growing
	}
	got := reactionBursts(seconds)
	if len(got) != MaxBursts || got[0].StartMS != (1000+3*2)*1000 || got[9].Reactions != 21 {
		t.Fatalf("bursts: %+v", got)
	}
	if b := reactionBursts(map[int64]int64{5: 9}); b == nil || len(b) != 0 {
		t.Fatalf("no burst: %+v", b)
	}
}

// BenchmarkInsightObserve is what counting adds to one accepted command:
// the recorder's update of the room's pending figures (8×GOMAXPROCS
// goroutines, one room, distinct participants).
func BenchmarkInsightObserve(b *testing.B) {
	clock := newTestClock(utc("2025-11-23T10:00:00Z"))
	svc := NewService(newTestStore(nil, insightConfig(clock)), &recorder{}, insightConfig(clock), zap.NewNop(), nil)
	ctx := context.Background()
	actors := make([]Actor, 1024)
	for i := range actors {
		actors[i] = Actor{Room: "K7QX2M", Participant: "p_" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Role: RoleAudience}
	}
	ack := Ack{Seq: 1}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	var n sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		n.Lock()
		a := actors[i%len(actors)]
		i++
		n.Unlock()
		for pb.Next() {
			svc.observe(ctx, a, Command{Type: TypeComment}, ack)
		}
	})
}
