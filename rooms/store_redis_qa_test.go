package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/storetest"
)

// TestRedisQASameBytesAsMemory runs the same Q&A story on the memory and the
// Redis store and checks that every event (every type and visibility
// version: live, pending, hidden, answered, pinned, the unpin of another
// question, deletion) is byte for byte the memory store's — Data, Staff and
// Owner — as returned, as published on the channel, and as replayed by Since.
func TestRedisQASameBytesAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	memPub, redPub := storetest.NewRecorder(), storetest.NewRecorder()
	mem := rooms.NewMemoryStore(memPub, 0)
	rdb := redisClient(t, srv)
	forward(t, rdb, redPub)
	red := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := rooms.NewRoomCode()
	rec := rooms.RoomRecord{Room: rooms.NewRoom(code, "Q&A", false, 1700000000000)}
	tricky := "<script>&amp; \"quoted\" \\ \u2028 é ✓ 🎉 '|' \n?"
	zoe := "Zoë <z> \"&\""
	str := func(s string) *string { return &s }
	yes, no := true, false

	type result struct {
		events    []rooms.Event
		questions []rooms.Question // returned by each step, in order
		errs      []string
		votes     []string
		upvoted   []string
		changes   string
		state     rooms.State
	}
	story := func(s rooms.Store) result {
		qs := s.(rooms.QuestionStore)
		var r result
		add := func(evs ...rooms.Event) {
			for _, ev := range evs {
				if ev.Seq != 0 {
					r.events = append(r.events, ev)
				}
			}
		}
		fail := func(err error) {
			if e := rooms.AsError(err); e != nil {
				r.errs = append(r.errs, fmt.Sprintf("%s %s %q", e.Code, e.Question, e.Message))
			} else {
				r.errs = append(r.errs, fmt.Sprint(err))
			}
		}
		ask := func(p string, text string, author *string, status, cid string) {
			q, ev, err := qs.AddQuestion(ctx, code, rooms.Question{Text: text, Author: author, Participant: p, Status: status, At: 1700000000123}, cid)
			fail(err)
			add(ev)
			r.questions = append(r.questions, q)
		}
		set := func(id string, patch rooms.QuestionPatch) {
			evs, q, err := qs.SetQuestion(ctx, code, id, patch)
			fail(err)
			add(evs...)
			r.questions = append(r.questions, q)
		}
		vote := func(id, p string, up bool) {
			n, changed, err := qs.Vote(ctx, code, id, p, up)
			fail(err)
			r.votes = append(r.votes, fmt.Sprint(id, p, up, n, changed))
		}
		if err := s.CreateRoom(ctx, rec); err != nil {
			t.Fatal(err)
		}
		ask("p_a", tricky, &zoe, "", "cid1")                          // q1 live, named
		ask("p_b", "anonymous one", nil, "", "")                      // q2 live, anonymous
		ask("p_c", "filtered <word>", nil, rooms.QuestionPending, "") // q3 pending (word filter)
		ask("p_a", tricky, &zoe, "", "cid1")                          // resent cid: q1 as now
		ask("p_d", tricky, nil, "", "")                               // exact duplicate: conflict q1
		vote("q1", "p_b", true)
		vote("q1", "p_c", true)
		vote("q1", "p_c", true)  // again: no change
		vote("q3", "p_b", true)  // pending, not the author: not found
		vote("q3", "p_c", true)  // the author may
		vote("q2", "p_x", false) // unvote without upvote
		set("q3", rooms.QuestionPatch{Status: str(rooms.QuestionLive)})
		set("q1", rooms.QuestionPatch{Answer: str("Because <b>\"x\"</b> & \u2028 é")})
		set("q1", rooms.QuestionPatch{Pinned: &yes})
		set("q2", rooms.QuestionPatch{Pinned: &yes}) // unpins q1: two events
		set("q2", rooms.QuestionPatch{Pinned: &yes}) // nothing changes
		set("q2", rooms.QuestionPatch{Status: str(rooms.QuestionHidden)})
		set("q2", rooms.QuestionPatch{Pinned: &yes})                                     // hidden: not pinnable
		set("q2", rooms.QuestionPatch{Status: str(rooms.QuestionPending)})               // hidden → any
		set("q2", rooms.QuestionPatch{Status: str(rooms.QuestionAnswered)})              // pending → answered: conflict
		set("q2", rooms.QuestionPatch{Status: str("bogus")})                             // conflict
		set("q1", rooms.QuestionPatch{Status: str(rooms.QuestionAnswered), Pinned: &no}) // answered
		set("q3", rooms.QuestionPatch{Pinned: &yes, Answer: str("")})
		set("q9", rooms.QuestionPatch{Pinned: &yes}) // not found
		vote("q1", "p_c", false)
		ev, err := qs.DeleteQuestion(ctx, code, "q3", "p_b") // not the author
		fail(err)
		add(ev)
		ev, err = qs.DeleteQuestion(ctx, code, "q3", "")
		fail(err)
		add(ev)
		ask("p_e", "filtered <word>", nil, "", "") // the deleted text is free again: q4
		ask("p_c", "x", nil, "", "")               // q5
		_, ev, err = s.UpdateRoom(ctx, code, rooms.RoomPatch{Moderation: &yes})
		fail(err)
		add(ev)
		ask("", "no participant", nil, "", "") // q6 pending, no owner
		for _, p := range []string{"p_b", "p_c"} {
			ids, err := qs.Upvoted(ctx, code, p)
			fail(err)
			r.upvoted = append(r.upvoted, fmt.Sprint(p, ids))
		}
		ch, err := qs.VoteChanges(ctx, map[string]uint64{code: 0, "ZZZZZZ": 0})
		fail(err)
		ch2, err := qs.VoteChanges(ctx, map[string]uint64{code: ch[code].Version})
		fail(err)
		r.changes = fmt.Sprintf("%+v %+v", ch, ch2)
		if r.state, err = qs.StateWithQuestions(ctx, code, 10); err != nil {
			t.Fatal(err)
		}
		return r
	}
	m, rd := story(mem), story(red)

	if fmt.Sprint(m.errs) != fmt.Sprint(rd.errs) {
		t.Fatalf("refusals:\nredis  %v\nmemory %v", rd.errs, m.errs)
	}
	if fmt.Sprintf("%+v", deref(m.questions)) != fmt.Sprintf("%+v", deref(rd.questions)) {
		t.Fatalf("questions returned:\nredis  %+v\nmemory %+v", deref(rd.questions), deref(m.questions))
	}
	for _, pair := range [][2][]string{{m.votes, rd.votes}, {m.upvoted, rd.upvoted}, {{m.changes}, {rd.changes}}} {
		if fmt.Sprint(pair[0]) != fmt.Sprint(pair[1]) {
			t.Fatalf("redis %v\nmemory %v", pair[1], pair[0])
		}
	}
	if len(m.events) != len(rd.events) || len(m.events) < 10 {
		t.Fatalf("redis made %d events, memory %d", len(rd.events), len(m.events))
	}
	replay, ok, err := red.Since(ctx, code, 0)
	if err != nil || !ok || len(replay) != len(m.events) {
		t.Fatalf("Since(0) = %d events, %v, %v", len(replay), ok, err)
	}
	published := redPub.Wait(t, code, len(m.events))
	memPublished := memPub.Events(code)
	same := func(a, b rooms.Event) bool {
		return a.Seq == b.Seq && a.Type == b.Type && a.Owner == b.Owner && string(a.Data) == string(b.Data) &&
			string(a.Staff) == string(b.Staff) && (a.Staff == nil) == (b.Staff == nil)
	}
	types := map[string]bool{}
	for i, want := range m.events {
		for what, got := range map[string]rooms.Event{"returned": rd.events[i], "replayed": replay[i], "published": published[i], "memory published": memPublished[i]} {
			if !same(got, want) {
				t.Fatalf("event %d %s:\n redis %d %s owner %q\n data  %s\n staff %s\nmemory %d %s owner %q\n data  %s\n staff %s",
					i, what, got.Seq, got.Type, got.Owner, got.Data, got.Staff, want.Seq, want.Type, want.Owner, want.Data, want.Staff)
			}
		}
		if rd.events[i].At != replay[i].At || rd.events[i].At == 0 {
			t.Fatalf("event %d: at %d returned, %d replayed", i, rd.events[i].At, replay[i].At)
		}
		types[want.Type+" "+string(want.Data[:20])] = true
	}
	t.Logf("%d events compared: %v", len(m.events), types)
	ms, rs := m.state, rd.state
	if fmt.Sprintf("%d %+v %+v", ms.Seq, ms.Room, deref(ms.Questions)) != fmt.Sprintf("%d %+v %+v", rs.Seq, rs.Room, deref(rs.Questions)) {
		t.Fatalf("StateWithQuestions:\nredis  %d %+v\nmemory %d %+v", rs.Seq, deref(rs.Questions), ms.Seq, deref(ms.Questions))
	}
	if len(rs.Questions) != 5 {
		t.Fatalf("%d questions in the state, want 5", len(rs.Questions))
	}
}

// deref shows questions with their author's name rather than a pointer.
func deref(qs []rooms.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		name := "<nil>"
		if q.Author != nil {
			name = *q.Author
		}
		q.Author = nil
		out[i] = fmt.Sprintf("%+v author=%q", q, name)
	}
	return out
}

// redisStores returns n Redis stores on separate clients of one server (as
// n instances would have) and a room with every feature on.
func redisStores(t *testing.T, n int) ([]*rooms.RedisStore, string) {
	srv := redistest.Start(t)
	stores := make([]*rooms.RedisStore, n)
	for i := range stores {
		stores[i] = rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	}
	return stores, newRedisRoom(t, stores[0])
}

// TestRedisConcurrentUpvotesAcrossClients: 1,000 participants upvote one
// question at once through 3 clients → exactly 1,000; and the room's vote
// version moved 1,000 times.
func TestRedisConcurrentUpvotesAcrossClients(t *testing.T) {
	const n, clients = 1000, 3
	stores, code := redisStores(t, clients)
	ctx := context.Background()
	q, _, err := stores[0].AddQuestion(ctx, code, rooms.Question{Text: "popular", Participant: "p_author"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var changed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	began := time.Now()
	for i := range n {
		wg.Go(func() {
			<-start
			votes, c, err := stores[i%clients].Vote(ctx, code, q.ID, "p_"+strconv.Itoa(i), true)
			if err != nil || votes < 1 || votes > n {
				t.Errorf("Vote %d: %d, %v", i, votes, err)
			}
			if c {
				changed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent upvotes through %d clients in %v", n, clients, time.Since(began))
	ch, err := stores[1].VoteChanges(ctx, map[string]uint64{code: 0})
	if err != nil {
		t.Fatal(err)
	}
	if c := ch[code]; changed.Load() != n || c.Version != n || len(c.Counts) != 1 || c.Counts[0] != (rooms.VoteCount{ID: q.ID, Votes: n, Visible: true}) {
		t.Fatalf("after %d concurrent upvotes: %d changes, VoteChanges %+v", n, changed.Load(), c)
	}
	st, err := stores[2].StateWithQuestions(ctx, code, 0)
	if err != nil || st.Questions[0].Votes != n || st.Seq != 1 {
		t.Fatalf("state: %+v, %v", st, err)
	}
	if ids, err := stores[2].Upvoted(ctx, code, "p_999"); err != nil || fmt.Sprint(ids) != "[q1]" {
		t.Fatalf("Upvoted(p_999) = %v, %v", ids, err)
	}
}

// TestRedisSameParticipantAcrossClients: one participant upvoting the same
// question through 3 clients at once counts once, for 50 questions; then
// unvoting through 3 clients at once takes it back once.
func TestRedisSameParticipantAcrossClients(t *testing.T) {
	const questions, clients = 50, 3
	stores, code := redisStores(t, clients)
	ctx := context.Background()
	race := func(id string, up bool) int64 {
		var changed atomic.Int64
		var wg sync.WaitGroup
		for i := range clients * 2 {
			wg.Go(func() {
				if _, c, err := stores[i%clients].Vote(ctx, code, id, "p_same", up); err != nil {
					t.Errorf("Vote: %v", err)
				} else if c {
					changed.Add(1)
				}
			})
		}
		wg.Wait()
		return changed.Load()
	}
	for i := range questions {
		q, _, err := stores[i%clients].AddQuestion(ctx, code, rooms.Question{Text: "q " + strconv.Itoa(i), Participant: "p_author"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if c := race(q.ID, true); c != 1 {
			t.Fatalf("%s: %d of %d concurrent upvotes by one participant changed the count, want 1", q.ID, c, clients*2)
		}
	}
	ids, err := stores[0].Upvoted(ctx, code, "p_same")
	if err != nil || len(ids) != questions || ids[0] != "q1" || ids[questions-1] != "q50" {
		t.Fatalf("Upvoted = %v, %v", ids, err)
	}
	for i := range questions {
		if c := race("q"+strconv.Itoa(i+1), false); c != 1 {
			t.Fatalf("q%d: %d concurrent unvotes changed the count, want 1", i+1, c)
		}
	}
	st, err := stores[1].StateWithQuestions(ctx, code, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range st.Questions {
		if q.Votes != 0 {
			t.Fatalf("%s has %d votes after upvote and unvote, want 0", q.ID, q.Votes)
		}
	}
	if ids, _ := stores[2].Upvoted(ctx, code, "p_same"); len(ids) != 0 {
		t.Fatalf("Upvoted after unvotes = %v", ids)
	}
}

// TestRedisVoteRacesAcrossClients: participants upvote and unvote at random
// through 3 clients, each participant also racing itself; the count always
// equals the number of participants whose upvote stands, is never negative,
// and VoteChanges and Upvoted agree with it.
func TestRedisVoteRacesAcrossClients(t *testing.T) {
	const participants, actions, clients = 200, 10, 3
	stores, code := redisStores(t, clients)
	ctx := context.Background()
	q, _, err := stores[0].AddQuestion(ctx, code, rooms.Question{Text: "contested", Participant: "p_author"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var negative atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range participants {
		for g := range 2 { // two goroutines per participant: it races itself
			wg.Go(func() {
				<-start
				for a := range actions {
					n, _, err := stores[(i+g+a)%clients].Vote(ctx, code, q.ID, "p_"+strconv.Itoa(i), rand.IntN(2) == 0)
					if err != nil {
						t.Errorf("Vote: %v", err)
						return
					}
					if n < 0 {
						negative.Add(1)
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if negative.Load() != 0 {
		t.Fatalf("%d votes calls returned a negative count", negative.Load())
	}
	want := int64(0)
	for i := range participants {
		ids, err := stores[i%clients].Upvoted(ctx, code, "p_"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		want += int64(len(ids))
	}
	st, err := stores[1].StateWithQuestions(ctx, code, 0)
	if err != nil || st.Questions[0].Votes != want {
		t.Fatalf("votes %d (%v), want %d upvotes standing", st.Questions[0].Votes, err, want)
	}
	ch, err := stores[2].VoteChanges(ctx, map[string]uint64{code: 0})
	if err != nil || ch[code].Counts[0].Votes != want {
		t.Fatalf("VoteChanges %+v (%v), want %d", ch[code], err, want)
	}
	// And each participant's final state is consistent: unvoting everyone
	// brings the count to exactly 0.
	for i := range participants {
		if _, _, err := stores[i%clients].Vote(ctx, code, q.ID, "p_"+strconv.Itoa(i), false); err != nil {
			t.Fatal(err)
		}
	}
	if n, changed, err := stores[0].Vote(ctx, code, q.ID, "p_0", false); n != 0 || changed || err != nil {
		t.Fatalf("after everyone unvoted: %d, %v, %v", n, changed, err)
	}
}

// TestRedisQuestionKeys checks what the scripts leave in Redis: deleting a
// question removes its upvotes from both indexes, its count and its text;
// a room created again under a used code starts with no Q&A state; and
// every key is under the room's hash tag.
func TestRedisQuestionKeys(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	p := "{room:" + code + "}:"
	for i := range 3 {
		if _, _, err := s.AddQuestion(ctx, code, rooms.Question{Text: "t" + strconv.Itoa(i), Participant: "p_a"}, "c"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		for _, id := range []string{"q1", "q2"} {
			if _, _, err := s.Vote(ctx, code, id, "p_"+strconv.Itoa(i), true); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := s.SetQuestion(ctx, code, "q1", rooms.QuestionPatch{Pinned: new(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteQuestion(ctx, code, "q1", "p_a"); err != nil {
		t.Fatal(err)
	}
	voters, _ := rdb.ZCard(ctx, p+"voters").Result()
	upvoted, _ := rdb.ZCard(ctx, p+"upvoted").Result()
	votes, _ := rdb.HGetAll(ctx, p+"qvotes").Result()
	texts, _ := rdb.HLen(ctx, p+"qtexts").Result()
	pinned, _ := rdb.HExists(ctx, p+"qa", "pinned").Result()
	changed, _ := rdb.ZRange(ctx, p+"qchanged", 0, -1).Result()
	if voters != 300 || upvoted != 300 || fmt.Sprint(votes) != "map[q2:300]" || texts != 2 || pinned || fmt.Sprint(changed) != "[q2]" {
		t.Fatalf("after deleting q1: voters %d upvoted %d votes %v texts %d pinned %v changed %v", voters, upvoted, votes, texts, pinned, changed)
	}
	if ids, _ := s.Upvoted(ctx, code, "p_7"); fmt.Sprint(ids) != "[q2]" {
		t.Fatalf("Upvoted after delete = %v", ids)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if len(k) < len(p) || k[:len(p)] != p {
			t.Fatalf("key %q is not under %s", k, p)
		}
	}

	// A room made again under the code (its :room hash gone) starts empty.
	if err := rdb.Del(ctx, p+"room").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRoom(ctx, rooms.RoomRecord{Room: rooms.NewRoom(code, "again", false, 1)}); err != nil {
		t.Fatal(err)
	}
	q, ev, err := s.AddQuestion(ctx, code, rooms.Question{Text: "t1", Participant: "p_a"}, "c1")
	if err != nil || q.ID != "q1" || ev.Seq != 1 {
		t.Fatalf("first question of the new room: %+v, seq %d, %v", q, ev.Seq, err)
	}
	if ids, _ := s.Upvoted(ctx, code, "p_7"); len(ids) != 0 {
		t.Fatalf("Upvoted in the new room = %v", ids)
	}
}

// TestRedisVoteChangesPipelined reads many rooms in one call, some changed,
// some not, some unknown, also after Redis forgot its scripts.
func TestRedisVoteChangesPipelined(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	since := map[string]uint64{"ZZZZZZ": 0}
	var codes []string
	for i := range 20 {
		code := newRedisRoom(t, s)
		codes = append(codes, code)
		since[code] = 0
		if _, _, err := s.AddQuestion(ctx, code, rooms.Question{Text: "x", Participant: "p_a"}, ""); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, _, err := s.Vote(ctx, code, "q1", "p_b", true); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.VoteChanges(ctx, since)
	if err != nil || len(got) != 10 {
		t.Fatalf("VoteChanges = %d rooms (%v), want the 10 with votes", len(got), err)
	}
	for code, c := range got {
		since[code] = c.Version
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Vote(ctx, codes[1], "q1", "p_b", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Vote(ctx, codes[0], "q1", "p_b", false); err != nil {
		t.Fatal(err)
	}
	got, err = s.VoteChanges(ctx, since)
	if err != nil || len(got) != 2 || got[codes[0]].Counts[0].Votes != 0 || got[codes[1]].Counts[0].Votes != 1 || got[codes[0]].Version != 2 {
		t.Fatalf("VoteChanges after a script flush = %+v, %v", got, err)
	}
}

// TestRedisQADown checks that with Redis unreachable every Q&A method fails
// promptly with an error that is not a refusal.
func TestRedisQADown(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	srv.Kill()
	calls := map[string]func() error{
		"AddQuestion": func() error {
			_, _, err := s.AddQuestion(ctx, code, rooms.Question{Text: "x", Participant: "p_a"}, "")
			return err
		},
		"SetQuestion": func() error {
			_, _, err := s.SetQuestion(ctx, code, "q1", rooms.QuestionPatch{Pinned: new(true)})
			return err
		},
		"DeleteQuestion":     func() error { _, err := s.DeleteQuestion(ctx, code, "q1", ""); return err },
		"Vote":               func() error { _, _, err := s.Vote(ctx, code, "q1", "p_a", true); return err },
		"VoteChanges":        func() error { _, err := s.VoteChanges(ctx, map[string]uint64{code: 0}); return err },
		"Upvoted":            func() error { _, err := s.Upvoted(ctx, code, "p_a"); return err },
		"StateWithQuestions": func() error { _, err := s.StateWithQuestions(ctx, code, 10); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if err == nil || rooms.AsError(err) != nil || errors.Is(err, rooms.ErrRoomNotFound) {
			t.Errorf("%s with Redis down: %v; want an error that is not a refusal", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s with Redis down took %v", name, d)
		}
	}
}

// BenchmarkRedisVote measures one upvote through the script, from parallel
// goroutines, each a different participant.
func BenchmarkRedisVote(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(b, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(b, s)
	q, _, err := s.AddQuestion(ctx, code, rooms.Question{Text: "bench", Participant: "p_a"}, "")
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.Vote(ctx, code, q.ID, "p_"+strconv.FormatInt(next.Add(1), 10), true); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
