package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// pollStores returns n Redis stores on separate clients of one server (as n
// instances would have) and a room with every feature on.
func pollStores(t *testing.T, n int) ([]rooms.PollStore, string) {
	srv := redistest.Start(t)
	stores := make([]rooms.PollStore, n)
	var s0 rooms.Store
	for i := range stores {
		s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
		stores[i] = s
		if i == 0 {
			s0 = s
		}
	}
	return stores, newRedisRoom(t, s0)
}

// TestRedisConcurrentBallotsAcrossClients: 1,000 participants vote in a
// multi-select poll at once through 3 clients → the exact counts per
// option, a total of 1,000 people, the results version moved 1,000 times;
// and the same for a wordcloud.
func TestRedisConcurrentBallotsAcrossClients(t *testing.T) {
	const n, clients = 1000, 3
	stores, code := pollStores(t, clients)
	ctx := context.Background()
	multi, _, err := stores[0].CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollMulti, Title: "pick", Options: []string{"a", "b", "c", "d"}, Max: 2, State: rooms.PollOpen})
	if err != nil {
		t.Fatal(err)
	}
	cloud, _, err := stores[1].CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollWordcloud, Title: "say", State: rooms.PollOpen})
	if err != nil {
		t.Fatal(err)
	}
	ballot := func(i int) rooms.Ballot { return rooms.Ballot{Choices: []int{i % 4, 3}[:1+i%3/2]} }
	var want [4]int64
	for i := range n {
		for _, c := range ballot(i).Choices {
			want[c]++
		}
	}
	var changed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	began := time.Now()
	for i := range n {
		wg.Go(func() {
			<-start
			p := "p_" + strconv.Itoa(i)
			for _, call := range []struct {
				id string
				b  rooms.Ballot
			}{{multi.ID, ballot(i)}, {cloud.ID, rooms.Ballot{Words: []string{"w" + strconv.Itoa(i%7), "all"}}}} {
				c, err := stores[(i+len(call.id))%clients].CastBallot(ctx, code, call.id, p, call.b)
				if err != nil {
					t.Errorf("CastBallot %d: %v", i, err)
				}
				if c {
					changed.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("%d concurrent ballots through %d clients in %v", 2*n, clients, time.Since(began))
	ch, err := stores[1].ResultsChanges(ctx, map[string]uint64{code: 0})
	if err != nil {
		t.Fatal(err)
	}
	c := ch[code]
	if changed.Load() != 2*n || c.Version != 2*n || len(c.Results) != 2 {
		t.Fatalf("after %d concurrent ballots: %d changes, ResultsChanges %+v", 2*n, changed.Load(), c)
	}
	if got := c.Results[0].Tally; fmt.Sprint(got.Counts) != fmt.Sprint(want[:]) || got.Total != n {
		t.Fatalf("multi tally %+v, want counts %v total %d", got, want, n)
	}
	words := c.Results[1].Tally.Words
	if c.Results[1].Tally.Total != n || len(words) != 8 || words[0] != (rooms.WordCount{Word: "all", Count: n}) {
		t.Fatalf("wordcloud tally %+v", c.Results[1].Tally)
	}
	var sum int64
	for _, w := range words[1:] {
		sum += w.Count
	}
	if sum != n {
		t.Fatalf("wordcloud words %+v add up to %d, want %d", words, sum, n)
	}
	st, err := stores[2].StateWithPolls(ctx, code, 0)
	if err != nil || len(st.Polls) != 2 || fmt.Sprint(st.Polls[0].Tally) != fmt.Sprint(c.Results[0].Tally) || st.Seq != 2 {
		t.Fatalf("state: %+v, %v", st, err)
	}
	if bs, err := stores[0].Ballots(ctx, code, "p_999"); err != nil || len(bs) != 2 || fmt.Sprint(bs[multi.ID].Choices) != fmt.Sprint(ballot(999).Choices) {
		t.Fatalf("Ballots(p_999) = %+v, %v", bs, err)
	}
}

// TestRedisBallotReplacementRaces: participants replace their ballot at
// random, each racing itself through 3 clients; every participant counts
// once, the counts equal the standing ballots (Ballots), and a rating
// poll's sum follows.
func TestRedisBallotReplacementRaces(t *testing.T) {
	const participants, actions, clients = 100, 10, 3
	stores, code := pollStores(t, clients)
	ctx := context.Background()
	single, _, err := stores[0].CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollSingle, Title: "one", Options: []string{"a", "b", "c"}, Max: 1, State: rooms.PollOpen})
	if err != nil {
		t.Fatal(err)
	}
	rating, _, err := stores[0].CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollRating, Title: "rate", State: rooms.PollOpen})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range participants {
		for g := range 3 { // three goroutines per participant: it races itself
			wg.Go(func() {
				<-start
				p := "p_" + strconv.Itoa(i)
				for a := range actions {
					s := stores[(i+g+a)%clients]
					if _, err := s.CastBallot(ctx, code, single.ID, p, rooms.Ballot{Choices: []int{(g + a) % 3}}); err != nil {
						t.Errorf("CastBallot: %v", err)
						return
					}
					if _, err := s.CastBallot(ctx, code, rating.ID, p, rooms.Ballot{Rating: 1 + (i+g+a)%5}); err != nil {
						t.Errorf("CastBallot: %v", err)
						return
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	var counts [3]int64
	var ratings [5]int64
	var sum int64
	for i := range participants {
		bs, err := stores[i%clients].Ballots(ctx, code, "p_"+strconv.Itoa(i))
		if err != nil || len(bs) != 2 {
			t.Fatalf("Ballots = %+v, %v", bs, err)
		}
		counts[bs[single.ID].Choices[0]]++
		r := bs[rating.ID].Rating
		ratings[r-1]++
		sum += int64(r)
	}
	st, err := stores[1].StateWithPolls(ctx, code, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Polls[0].Tally; got.Total != participants || fmt.Sprint(got.Counts) != fmt.Sprint(counts[:]) {
		t.Fatalf("single tally %+v, want counts %v of %d people", got, counts, participants)
	}
	if got := st.Polls[1].Tally; got.Total != participants || got.Sum != sum || fmt.Sprint(got.Counts) != fmt.Sprint(ratings[:]) {
		t.Fatalf("rating tally %+v, want counts %v sum %d of %d people", got, ratings, sum, participants)
	}
}

// TestRedisSameBallotAcrossClients: one participant casting ballots at the
// same time through 3 clients counts once: the first ballot of a poll
// changes the tally once, and a replacement cast 6 times at once moves the
// count once.
func TestRedisSameBallotAcrossClients(t *testing.T) {
	const polls, clients = 30, 3
	stores, code := pollStores(t, clients)
	ctx := context.Background()
	race := func(id string, b rooms.Ballot) int64 {
		var changed atomic.Int64
		var wg sync.WaitGroup
		for i := range clients * 2 {
			wg.Go(func() {
				if c, err := stores[i%clients].CastBallot(ctx, code, id, "p_same", b); err != nil {
					t.Errorf("CastBallot: %v", err)
				} else if c {
					changed.Add(1)
				}
			})
		}
		wg.Wait()
		return changed.Load()
	}
	for i := range polls {
		p, _, err := stores[i%clients].CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollSingle, Title: "q" + strconv.Itoa(i), Options: []string{"a", "b"}, Max: 1, State: rooms.PollOpen})
		if err != nil {
			t.Fatal(err)
		}
		for _, choice := range []int{0, 1} {
			if c := race(p.ID, rooms.Ballot{Choices: []int{choice}}); c != 1 {
				t.Fatalf("%s: %d of %d concurrent equal ballots by one participant changed the tally, want 1", p.ID, c, clients*2)
			}
		}
	}
	st, err := stores[0].StateWithPolls(ctx, code, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ps := range st.Polls {
		if ps.Tally.Total != 1 || fmt.Sprint(ps.Tally.Counts) != "[0 1]" {
			t.Fatalf("%s: tally %+v, want the one ballot on b", ps.Poll.ID, ps.Tally)
		}
	}
	if bs, _ := stores[1].Ballots(ctx, code, "p_same"); len(bs) != polls {
		t.Fatalf("Ballots = %d, want %d", len(bs), polls)
	}
}

// TestRedisPollKeys checks what the scripts leave in Redis: deleting a poll
// removes its ballots from both indexes and every field of its tally, its
// words and its answers; a room created again under a used code starts with
// no polls; and every key is under the room's hash tag.
func TestRedisPollKeys(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	p := "{room:" + code + "}:"
	kinds := []rooms.Poll{
		{Kind: rooms.PollMulti, Title: "m", Options: []string{"a", "b", "c"}, Max: 2, State: rooms.PollOpen},
		{Kind: rooms.PollRating, Title: "r", State: rooms.PollOpen},
		{Kind: rooms.PollWordcloud, Title: "w", State: rooms.PollOpen},
		{Kind: rooms.PollText, Title: "t", State: rooms.PollOpen},
	}
	ballots := []func(i int) rooms.Ballot{
		func(i int) rooms.Ballot { return rooms.Ballot{Choices: []int{i % 3}} },
		func(i int) rooms.Ballot { return rooms.Ballot{Rating: 1 + i%5} },
		func(i int) rooms.Ballot { return rooms.Ballot{Words: []string{"w" + strconv.Itoa(i%4), "all"}} },
		func(i int) rooms.Ballot { return rooms.Ballot{Text: "t " + strconv.Itoa(i)} },
	}
	for round := range 2 { // the second round's polls stay
		for k, poll := range kinds {
			made, _, err := s.CreatePoll(ctx, code, poll)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 50 {
				if _, err := s.CastBallot(ctx, code, made.ID, "p_"+strconv.Itoa(i), ballots[k](i+round)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for i := 1; i <= len(kinds); i++ {
		if _, err := s.DeletePoll(ctx, code, "p"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func() string {
		polls, _ := rdb.HKeys(ctx, p+"polls").Result()
		ballots, _ := rdb.HLen(ctx, p+"ballots").Result()
		voters, _ := rdb.ZCard(ctx, p+"pvoters").Result()
		mine, _ := rdb.ZCard(ctx, p+"pmine").Result()
		tally, _ := rdb.HKeys(ctx, p+"tally").Result()
		words, _ := rdb.ZCard(ctx, p+"pwords").Result()
		answers, _ := rdb.ZCard(ctx, p+"panswers").Result()
		changed, _ := rdb.ZRange(ctx, p+"pchanged", 0, -1).Result()
		for _, f := range tally {
			if f[0] < '5' {
				return "tally field " + f + " of a deleted poll"
			}
		}
		return fmt.Sprint(len(polls), ballots, voters, mine, len(tally) > 0, words, answers, changed)
	}
	if got := snapshot(); got != "4 200 200 200 true 5 50 [p5 p6 p7 p8]" {
		t.Fatalf("after deleting p1–p4: %s", got)
	}
	if bs, err := s.Ballots(ctx, code, "p_7"); err != nil || len(bs) != 4 || bs["p5"].Choices[0] != 2 {
		t.Fatalf("Ballots after delete = %+v, %v", bs, err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, p) {
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
	made, ev, err := s.CreatePoll(ctx, code, kinds[0])
	if err != nil || made.ID != "p1" || ev.Seq != 1 || !strings.Contains(string(ev.Staff), `"results":{"counts":[0,0,0],"total":0}`) {
		t.Fatalf("first poll of the new room: %+v, %s, %v", made, ev.Staff, err)
	}
	if bs, _ := s.Ballots(ctx, code, "p_7"); len(bs) != 0 {
		t.Fatalf("Ballots in the new room = %v", bs)
	}
	if ch, _ := s.ResultsChanges(ctx, map[string]uint64{code: 0}); len(ch) != 0 {
		t.Fatalf("ResultsChanges in the new room = %+v", ch)
	}
}

// TestRedisResultsChangesPipelined reads many rooms in one call, some
// changed, some not, some unknown, also after Redis forgot its scripts.
func TestRedisResultsChangesPipelined(t *testing.T) {
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
		if _, _, err := s.CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollSingle, Title: "x", Options: []string{"a", "b"}, Max: 1, State: rooms.PollOpen}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := s.CastBallot(ctx, code, "p1", "p_b", rooms.Ballot{Choices: []int{0}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.ResultsChanges(ctx, since)
	if err != nil || len(got) != 10 {
		t.Fatalf("ResultsChanges = %d rooms (%v), want the 10 with ballots", len(got), err)
	}
	for code, c := range got {
		since[code] = c.Version
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CastBallot(ctx, codes[1], "p1", "p_b", rooms.Ballot{Choices: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CastBallot(ctx, codes[0], "p1", "p_b", rooms.Ballot{Choices: []int{1}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.ResultsChanges(ctx, since)
	if err != nil || len(got) != 2 || fmt.Sprint(got[codes[0]].Results[0].Tally.Counts) != "[0 1]" ||
		got[codes[1]].Results[0].Tally.Total != 1 || got[codes[0]].Version != 2 {
		t.Fatalf("ResultsChanges after a script flush = %+v, %v", got, err)
	}
}

// TestRedisPollsDown checks that with Redis unreachable every poll method
// fails promptly with an error that is not a refusal.
func TestRedisPollsDown(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	srv.Kill()
	calls := map[string]func() error{
		"CreatePoll": func() error {
			_, _, err := s.CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollRating, Title: "r", State: rooms.PollOpen})
			return err
		},
		"SetPoll": func() error {
			_, _, err := s.SetPoll(ctx, code, "p1", rooms.PollPatch{Reveal: new(true)})
			return err
		},
		"DeletePoll":     func() error { _, err := s.DeletePoll(ctx, code, "p1"); return err },
		"CastBallot":     func() error { _, err := s.CastBallot(ctx, code, "p1", "p_a", rooms.Ballot{Rating: 1}); return err },
		"ResultsChanges": func() error { _, err := s.ResultsChanges(ctx, map[string]uint64{code: 0}); return err },
		"Ballots":        func() error { _, err := s.Ballots(ctx, code, "p_a"); return err },
		"StateWithPolls": func() error { _, err := s.StateWithPolls(ctx, code, 10); return err },
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
