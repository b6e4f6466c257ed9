package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/storetest"
)

// TestRedisPollsSameBytesAsMemory runs the same polls story on the memory
// and the Redis store and checks that every event — `poll` of every kind
// (single, multi, rating, wordcloud, text, quiz) in every version (draft:
// poll_deleted for the audience; open, revealed, closed, reopened; quiz
// correct options hidden and shown), `poll_deleted` — is byte for byte the
// memory store's (Data, Staff, Owner), as returned, as published and as
// replayed by Since; and that refusals, ballots, results changes (with
// their versions) and StateWithPolls agree.
func TestRedisPollsSameBytesAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	memPub, redPub := storetest.NewRecorder(), storetest.NewRecorder()
	mem := rooms.NewMemoryStore(memPub, 0)
	rdb := redisClient(t, srv)
	forward(t, rdb, redPub)
	red := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := rooms.NewRoomCode()
	rec := rooms.RoomRecord{Room: rooms.NewRoom(code, "Polls", false, 1700000000000)}
	tricky := "<script>&amp; \"quoted\" \\ \u2028 é ✓ 🎉 '|' \n?"
	str := func(s string) *string { return &s }
	yes, no := true, false

	type result struct {
		events  []rooms.Event
		polls   []string
		log     []string // refusals, ballots, changes, in order
		ballots []string
		state   rooms.State
	}
	story := func(s rooms.Store) result {
		ps := s
		var r result
		add := func(ev rooms.Event) {
			if ev.Seq != 0 {
				r.events = append(r.events, ev)
			}
		}
		fail := func(err error) {
			if e := rooms.AsError(err); e != nil {
				r.log = append(r.log, fmt.Sprintf("%s %q", e.Code, e.Message))
			} else if err != nil {
				r.log = append(r.log, fmt.Sprint(err))
			}
		}
		create := func(p rooms.Poll) {
			if p.Options == nil {
				p.Options = []string{} // as the Service makes them
			}
			p, ev, err := ps.CreatePoll(ctx, code, p)
			fail(err)
			add(ev)
			r.polls = append(r.polls, fmt.Sprintf("%+v", p))
		}
		set := func(id string, patch rooms.PollPatch) {
			ev, p, err := ps.SetPoll(ctx, code, id, patch)
			fail(err)
			add(ev)
			r.polls = append(r.polls, fmt.Sprintf("%+v", p))
		}
		vote := func(id, p string, b rooms.Ballot) {
			changed, err := ps.CastBallot(ctx, code, id, p, b)
			fail(err)
			r.log = append(r.log, fmt.Sprint("ballot ", id, p, changed))
		}
		var since uint64
		changes := func() {
			ch, err := ps.ResultsChanges(ctx, map[string]uint64{code: since, "ZZZZZZ": 0})
			fail(err)
			r.log = append(r.log, fmt.Sprintf("changes since %d: %+v", since, ch))
			if c, ok := ch[code]; ok {
				since = c.Version
			}
		}
		if err := s.CreateRoom(ctx, rec); err != nil {
			t.Fatal(err)
		}
		create(rooms.Poll{Kind: rooms.PollSingle, Title: tricky, Options: []string{"<a>", "b & c", tricky}, Max: 1, State: rooms.PollOpen})             // p1
		create(rooms.Poll{Kind: rooms.PollMulti, Title: "multi", Options: []string{"x", "y", "z", "w"}, Max: 3, State: rooms.PollDraft})                // p2
		create(rooms.Poll{Kind: rooms.PollRating, Title: "How was it?", State: rooms.PollOpen})                                                         // p3
		create(rooms.Poll{Kind: rooms.PollWordcloud, Title: "One word", State: rooms.PollOpen, Reveal: true})                                           // p4
		create(rooms.Poll{Kind: rooms.PollText, Title: "Feedback", State: rooms.PollOpen})                                                              // p5
		create(rooms.Poll{Kind: rooms.PollQuiz, Title: "2+2 <?>", Options: []string{"3", "4", "5"}, Max: 1, Correct: []int{1}, State: rooms.PollDraft}) // p6
		changes()                                                                                                                                       // nothing yet
		vote("p1", "p_a", rooms.Ballot{Choices: []int{0}})
		vote("p1", "p_b", rooms.Ballot{Choices: []int{2}})
		vote("p1", "p_a", rooms.Ballot{Choices: []int{0}})       // the same: no change
		vote("p1", "p_a", rooms.Ballot{Choices: []int{2}})       // replaced
		vote("p1", "p_c", rooms.Ballot{Choices: []int{0, 1}})    // more than max
		vote("p1", "p_c", rooms.Ballot{Choices: []int{3}})       // no such option
		vote("p1", "p_c", rooms.Ballot{Rating: 3})               // not its kind
		vote("p1", "p_c", rooms.Ballot{})                        // empty
		vote("p2", "p_a", rooms.Ballot{Choices: []int{1}})       // draft
		vote("p9", "p_a", rooms.Ballot{Choices: []int{1}})       // no such poll
		set("p2", rooms.PollPatch{State: str(rooms.PollClosed)}) // draft → closed: conflict
		set("p2", rooms.PollPatch{State: str(rooms.PollOpen)})
		vote("p2", "p_a", rooms.Ballot{Choices: []int{0, 1, 3}})
		vote("p2", "p_b", rooms.Ballot{Choices: []int{1}})
		vote("p2", "p_a", rooms.Ballot{Choices: []int{1, 2}})
		for i, rating := range []int{5, 4, 4, 1, 2, 5, 3} {
			vote("p3", "p_"+strconv.Itoa(i), rooms.Ballot{Rating: rating})
		}
		vote("p3", "p_0", rooms.Ballot{Rating: 2})
		vote("p3", "p_7", rooms.Ballot{Rating: 5})
		vote("p3", "p_9", rooms.Ballot{Rating: 6}) // out of range
		changes()
		vote("p4", "p_a", rooms.Ballot{Words: []string{"fast", "fun", "ünïcode"}})
		vote("p4", "p_b", rooms.Ballot{Words: []string{"fun", "早上好"}})
		vote("p4", "p_c", rooms.Ballot{Words: []string{"zz", "aa", "fun"}})
		vote("p4", "p_a", rooms.Ballot{Words: []string{"slow"}}) // fast and ünïcode go to 0
		for i := range 120 {
			vote("p4", "p_w"+strconv.Itoa(i), rooms.Ballot{Words: []string{"w" + strconv.Itoa(i%110)}})
		}
		for i := range 105 {
			vote("p5", "p_t"+strconv.Itoa(i), rooms.Ballot{Text: "answer " + strconv.Itoa(i) + " " + tricky})
		}
		vote("p5", "p_t3", rooms.Ballot{Text: "changed <mind>"}) // now the newest
		vote("p5", "p_t4", rooms.Ballot{Text: "answer 4 " + tricky})
		changes()
		set("p1", rooms.PollPatch{Reveal: &yes})
		set("p1", rooms.PollPatch{Reveal: &yes}) // nothing changes
		set("p3", rooms.PollPatch{State: str(rooms.PollClosed), Reveal: &yes})
		vote("p3", "p_a", rooms.Ballot{Rating: 4}) // closed
		set("p3", rooms.PollPatch{State: str(rooms.PollOpen)})
		vote("p3", "p_a", rooms.Ballot{Rating: 4})              // reopened
		set("p3", rooms.PollPatch{State: str(rooms.PollDraft)}) // never back to draft
		set("p4", rooms.PollPatch{State: str(rooms.PollClosed)})
		set("p5", rooms.PollPatch{Reveal: &yes})
		set("p6", rooms.PollPatch{State: str(rooms.PollOpen)})
		vote("p6", "p_a", rooms.Ballot{Choices: []int{1}})
		vote("p6", "p_b", rooms.Ballot{Choices: []int{0}})
		set("p6", rooms.PollPatch{Reveal: &yes})                              // revealed, open: no correct
		set("p6", rooms.PollPatch{State: str(rooms.PollClosed)})              // revealed and closed: correct
		set("p6", rooms.PollPatch{Reveal: &no, State: str(rooms.PollClosed)}) // hidden again
		set("p9", rooms.PollPatch{Reveal: &yes})                              // not found
		ev, err := ps.DeletePoll(ctx, code, "p2")
		fail(err)
		add(ev)
		_, err = ps.DeletePoll(ctx, code, "p2")
		fail(err)
		vote("p2", "p_a", rooms.Ballot{Choices: []int{1}}) // deleted
		changes()
		if err := s.Ban(ctx, code, "p_banned"); err != nil {
			t.Fatal(err)
		}
		vote("p1", "p_banned", rooms.Ballot{Choices: []int{1}})
		_, ev, err = s.UpdateRoom(ctx, code, rooms.RoomPatch{Closed: &yes})
		fail(err)
		add(ev)
		vote("p1", "p_z", rooms.Ballot{Choices: []int{1}})
		create(rooms.Poll{Kind: rooms.PollRating, Title: "draft, revealed", State: rooms.PollDraft, Reveal: true})                   // p7
		set("p7", rooms.PollPatch{Reveal: &no})                                                                                      // still a draft
		create(rooms.Poll{Kind: rooms.PollSingle, Title: "in a closed room", Options: []string{"a"}, Max: 1, State: rooms.PollOpen}) // p8
		for _, p := range []string{"p_a", "p_b", "p_t3", "p_nobody"} {
			bs, err := ps.Ballots(ctx, code, p)
			fail(err)
			r.ballots = append(r.ballots, fmt.Sprintf("%s %+v", p, bs))
		}
		for _, id := range []string{"p6", "p2"} {
			p, err := ps.Poll(ctx, code, id)
			fail(err)
			r.polls = append(r.polls, fmt.Sprintf("%+v", p))
		}
		since = 0
		changes()
		changes() // nothing new
		if r.state, err = ps.StateWithPolls(ctx, code, 10); err != nil {
			t.Fatal(err)
		}
		return r
	}
	m, rd := story(mem), story(red)

	for i := range max(len(m.log), len(rd.log)) {
		var a, b string
		if i < len(m.log) {
			a = m.log[i]
		}
		if i < len(rd.log) {
			b = rd.log[i]
		}
		if a != b {
			t.Fatalf("step %d:\nredis  %s\nmemory %s", i, b, a)
		}
	}
	for _, pair := range [][2][]string{{m.polls, rd.polls}, {m.ballots, rd.ballots}} {
		if fmt.Sprint(pair[0]) != fmt.Sprint(pair[1]) {
			t.Fatalf("redis %v\nmemory %v", pair[1], pair[0])
		}
	}
	if len(m.events) != len(rd.events) || len(m.events) < 15 {
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
	versions := map[string]bool{}
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
		versions[fmt.Sprintf("%s staff=%v", want.Data[:min(len(want.Data), 24)], want.Staff != nil)] = true
	}
	t.Logf("%d events compared, %d distinct openings", len(m.events), len(versions))
	ms, rs := m.state, rd.state
	show := func(st rooms.State) string {
		return fmt.Sprintf("%d %+v %+v %+v", st.Seq, st.Room, deref(st.Questions), st.Polls)
	}
	for i := range min(len(ms.Polls), len(rs.Polls)) {
		if !reflect.DeepEqual(ms.Polls[i], rs.Polls[i]) {
			t.Errorf("StateWithPolls poll %d:\nredis  %#v\nmemory %#v", i, rs.Polls[i], ms.Polls[i])
		}
	}
	if show(ms) != show(rs) || !reflect.DeepEqual(ms.Polls, rs.Polls) {
		t.Fatalf("StateWithPolls:\nredis  %s\nmemory %s", show(rs), show(ms))
	}
	if len(rs.Polls) != 7 {
		t.Fatalf("%d polls in the state, want 7", len(rs.Polls))
	}
}

// TestRedisConcurrentBallotsAcrossClients: 1,000 participants vote in a
// multi-select poll at once through 3 clients → the exact counts per
// option, a total of 1,000 people, the results version moved 1,000 times;
// and the same for a wordcloud.
func TestRedisConcurrentBallotsAcrossClients(t *testing.T) {
	const n, clients = 1000, 3
	stores, code := redisStores(t, clients)
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
	stores, code := redisStores(t, clients)
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
	stores, code := redisStores(t, clients)
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

// BenchmarkRedisCastBallot measures one ballot through the script, from
// parallel goroutines, each a different participant, half of them
// replacing their ballot.
func BenchmarkRedisCastBallot(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(b, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(b, s)
	p, _, err := s.CreatePoll(ctx, code, rooms.Poll{Kind: rooms.PollMulti, Title: "bench", Options: []string{"a", "b", "c", "d"}, Max: 2, State: rooms.PollOpen})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			ballot := rooms.Ballot{Choices: []int{int(n % 3), 3}}
			if _, err := s.CastBallot(ctx, code, p.ID, "p_"+strconv.FormatInt(n/2, 10), ballot); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
