package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/storetest"
)

// redisClient returns a client configured as NewRedisStore's documentation
// asks: short timeouts, contexts honoured.
func redisClient(t testing.TB, srv *redistest.Server) *redis.Client {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  srv.Addr(),
		DialTimeout:           time.Second,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// forward subscribes to every room's channel and hands each event it
// receives to pub, as an instance's Redis broker would. It returns once the
// subscription is active; cleanup closes it and waits for its goroutine.
func forward(t testing.TB, rdb *redis.Client, pub rooms.Publisher) {
	t.Helper()
	ctx := context.Background()
	ps := rdb.PSubscribe(ctx, rooms.RedisChannel("*"))
	if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatalf("PSUBSCRIBE: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := ps.ReceiveMessage(ctx)
			if err != nil {
				return // closed
			}
			code := strings.TrimSuffix(strings.TrimPrefix(msg.Channel, "{room:"), "}:events")
			ev, err := rooms.DecodeEnvelope([]byte(msg.Payload))
			if err != nil {
				t.Errorf("channel %s: %v: %q", msg.Channel, err, msg.Payload)
				continue
			}
			pub.Publish(code, ev)
		}
	}()
	t.Cleanup(func() {
		_ = ps.Close()
		<-done
	})
}

func TestRedisStore(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T, pub rooms.Publisher, retained int) rooms.Store {
		rdb := redisClient(t, srv)
		forward(t, rdb, pub)
		return rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{Retained: retained})
	})
}

// newRedisRoom creates a room with every feature on.
func newRedisRoom(t testing.TB, s rooms.Store) string {
	t.Helper()
	code := rooms.NewRoomCode()
	rec := rooms.RoomRecord{Room: rooms.NewRoom(code, "Room", false, 1700000000000), HostKeyHash: rooms.HashKey("hk")}
	if err := s.CreateRoom(context.Background(), rec); err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	return code
}

// TestRedisScriptAtomicity posts 1,000 comments at once through 3 separate
// clients (as 3 instances would) and checks ids, seqs and the order in
// which Redis published them.
func TestRedisScriptAtomicity(t *testing.T) {
	const n, clients = 1000, 3
	srv := redistest.Start(t)
	ctx := context.Background()
	stores := make([]rooms.Store, clients)
	for i := range stores {
		stores[i] = rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{Retained: n})
	}
	code := newRedisRoom(t, stores[0])

	sub := redisClient(t, srv).Subscribe(ctx, rooms.RedisChannel(code))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	seqs := make([]uint64, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			c, ev, err := stores[i%clients].AddComment(ctx, code, rooms.Comment{Text: strconv.Itoa(i), Participant: "p_" + strconv.Itoa(i%7)}, "")
			if err != nil {
				t.Errorf("AddComment %d: %v", i, err)
			}
			seqs[i], ids[i] = ev.Seq, c.ID
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := make(map[string]bool, n)
	bySeq := make([]bool, n+1)
	for i := range n {
		if seen[ids[i]] || seqs[i] < 1 || seqs[i] > n || bySeq[seqs[i]] {
			t.Fatalf("comment %d: id %s seq %d repeated or out of 1..%d", i, ids[i], seqs[i], n)
		}
		seen[ids[i]], bySeq[seqs[i]] = true, true
	}
	// Published in seq order, every seq once.
	for want := uint64(1); want <= n; want++ {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err := sub.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			t.Fatalf("waiting for seq %d: %v", want, err)
		}
		ev, err := rooms.DecodeEnvelope([]byte(msg.Payload))
		if err != nil || ev.Seq != want {
			t.Fatalf("published seq %d (%v), want %d", ev.Seq, err, want)
		}
	}
	if seq, err := stores[1].Seq(ctx, code); err != nil || seq != n {
		t.Fatalf("Seq = %d, %v; want %d", seq, err, n)
	}
}

// TestRedisStreamTrimmed checks that the room's stream keeps exactly the
// retained events, whose ids are their seqs.
func TestRedisStreamTrimmed(t *testing.T) {
	const retained = 7
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{Retained: retained})
	code := newRedisRoom(t, s)
	for i := range 30 {
		if _, _, err := s.AddComment(ctx, code, rooms.Comment{Text: "x", Participant: "p_a"}, ""); err != nil {
			t.Fatal(err)
		}
		entries, err := rdb.XRange(ctx, "{room:"+code+"}:log", "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		if want := min(i+1, retained); len(entries) != want {
			t.Fatalf("after %d events the stream has %d entries, want %d", i+1, len(entries), want)
		}
		if last := entries[len(entries)-1].ID; last != strconv.Itoa(i+1)+"-0" {
			t.Fatalf("newest entry id %s, want %d-0", last, i+1)
		}
	}
	if _, ok, _ := s.Since(ctx, code, 30-retained-1); ok {
		t.Fatal("Since beyond the retained events is ok")
	}
	if evs, ok, err := s.Since(ctx, code, 30-retained); !ok || err != nil || len(evs) != retained {
		t.Fatalf("Since of the oldest retained = %d events, %v, %v", len(evs), ok, err)
	}
}

// TestRedisRestartAOF checks that events and state survive a restart of
// Redis with an append-only file, and that Since still replays them.
func TestRedisRestartAOF(t *testing.T) {
	srv := redistest.Start(t, redistest.AOF())
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	var made []rooms.Event
	for i := range 5 {
		_, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: fmt.Sprint("before ", i), Participant: "p_a"}, fmt.Sprint("cid", i))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, ev)
	}
	if err := s.Ban(ctx, code, "p_bad"); err != nil {
		t.Fatal(err)
	}
	srv.Kill() // appendfsync always: acknowledged writes are on disk
	srv.Start()

	evs, ok, err := s.Since(ctx, code, 0)
	if err != nil || !ok || len(evs) != len(made) {
		t.Fatalf("Since(0) after restart = %d events, %v, %v; want %d", len(evs), ok, err, len(made))
	}
	for i := range evs {
		if evs[i].Seq != made[i].Seq || string(evs[i].Data) != string(made[i].Data) || evs[i].At != made[i].At {
			t.Fatalf("event %d after restart: %+v, want %+v", i, evs[i], made[i])
		}
	}
	// The cids, the ban and the counters survived too.
	if _, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: "again", Participant: "p_a"}, "cid3"); err != nil || ev.Seq != 0 {
		t.Fatalf("resent cid after restart: seq %d, %v; want a zero event", ev.Seq, err)
	}
	if _, _, err := s.AddComment(ctx, code, rooms.Comment{Text: "x", Participant: "p_bad"}, ""); !errors.Is(err, rooms.ErrBanned) {
		t.Fatalf("banned participant after restart: %v", err)
	}
	c, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: "after", Participant: "p_a"}, "")
	if err != nil || ev.Seq != 6 || c.ID != "c6" {
		t.Fatalf("comment after restart: %s seq %d, %v; want c6 seq 6", c.ID, ev.Seq, err)
	}
}

// TestRedisDown checks that with Redis unreachable every method fails
// promptly with an error that is not a refusal, and works again once Redis
// is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t, redistest.AOF())
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	srv.Kill()

	calls := map[string]func() error{
		"Ping":       func() error { return s.Ping(ctx) },
		"CreateRoom": func() error { return s.CreateRoom(ctx, rooms.RoomRecord{Room: rooms.NewRoom("ZZZZZZ", "", false, 1)}) },
		"Room":       func() error { _, err := s.Room(ctx, code); return err },
		"UpdateRoom": func() error { _, _, err := s.UpdateRoom(ctx, code, rooms.RoomPatch{}); return err },
		"AddComment": func() error {
			_, _, err := s.AddComment(ctx, code, rooms.Comment{Text: "x", Participant: "p_a"}, "")
			return err
		},
		"DeleteComment":  func() error { _, err := s.DeleteComment(ctx, code, "c1", ""); return err },
		"Ban":            func() error { return s.Ban(ctx, code, "p_a") },
		"Banned":         func() error { _, err := s.Banned(ctx, code, "p_a"); return err },
		"AddReactions":   func() error { _, err := s.AddReactions(ctx, code, rooms.Reactions{1}); return err },
		"FlushReactions": func() error { _, err := s.FlushReactions(ctx, map[string]rooms.Reactions{code: {1}}, nil); return err },
		"Since":          func() error { _, _, err := s.Since(ctx, code, 0); return err },
		"State":          func() error { _, err := s.State(ctx, code, 10); return err },
		"Seq":            func() error { _, err := s.Seq(ctx, code); return err },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if err == nil || rooms.AsError(err) != nil {
			t.Errorf("%s with Redis down: %v; want an error that is not a refusal", name, err)
		}
		t.Logf("%s: %v in %v", name, err, time.Since(start))
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s with Redis down took %v", name, d)
		}
	}

	// A context is honoured.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Ping(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Ping with a cancelled context: %v", err)
	}

	srv.Start()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	if _, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: "back", Participant: "p_a"}, ""); err != nil || ev.Seq != 1 {
		t.Fatalf("AddComment after restart: seq %d, %v", ev.Seq, err)
	}
}

// TestRedisSharded checks SPUBLISH: a sharded subscriber receives the events.
func TestRedisSharded(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{Sharded: true})
	code := newRedisRoom(t, s)
	sub := redisClient(t, srv).SSubscribe(ctx, rooms.RedisChannel(code))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	_, made, err := s.AddComment(ctx, code, rooms.Comment{Text: "sharded", Participant: "p_a"}, "")
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	msg, err := sub.ReceiveMessage(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := rooms.DecodeEnvelope([]byte(msg.Payload)); err != nil || ev.Seq != 1 || string(ev.Data) != string(made.Data) {
		t.Fatalf("sharded publication %q (%v), want %s", msg.Payload, err, made.Data)
	}
}

// TestRedisScriptCacheFlushed checks that the store reloads its scripts
// when Redis forgot them, including in FlushReactions' pipeline.
func TestRedisScriptCacheFlushed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	a, b := newRedisRoom(t, s), newRedisRoom(t, s)
	if _, err := s.FlushReactions(ctx, map[string]rooms.Reactions{a: {1}}, []string{b}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	totals, err := s.FlushReactions(ctx, map[string]rooms.Reactions{a: {1}, b: {0, 2}, "ZZZZZZ": {5}}, []string{b})
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 2 || totals[a] != (rooms.Reactions{2}) || totals[b] != (rooms.Reactions{0, 2}) {
		t.Fatalf("totals after script flush = %v", totals)
	}
	if n, _ := rdb.Exists(ctx, "{room:ZZZZZZ}:reactions").Result(); n != 0 {
		t.Fatal("FlushReactions made reactions for a room that does not exist")
	}
}

// BenchmarkRedisAddComment measures one comment through the script against
// a local redis-server, from parallel goroutines (as many clients would).
func BenchmarkRedisAddComment(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(b, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(b, s)
	author := "Ada"
	c := rooms.Comment{Text: "What is the cost of one comment in the Redis store?", Author: &author, Participant: "p_0123456789abcdef", At: time.Now().UnixMilli()}
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprint("conns=", par), func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(par)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := s.AddComment(ctx, code, c, ""); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
		})
	}
}

// TestRedisHung checks that a Redis that accepts but does not answer (paused)
// gives errors within the client's read timeout or the context's deadline,
// not a hang.
func TestRedisHung(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	srv.Pause()
	start := time.Now()
	_, _, err := s.AddComment(ctx, code, rooms.Comment{Text: "x", Participant: "p_a"}, "")
	if err == nil || rooms.AsError(err) != nil || time.Since(start) > 3*time.Second {
		t.Fatalf("AddComment to a hung Redis: %v after %v; want an error within the 2s read timeout", err, time.Since(start))
	}
	start = time.Now()
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := s.Seq(dctx, code); err == nil || time.Since(start) > time.Second {
		t.Fatalf("Seq with a 200ms deadline on a hung Redis: %v after %v", err, time.Since(start))
	}
	srv.Resume()
	if _, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: "y", Participant: "p_a"}, ""); err != nil || ev.Seq == 0 {
		t.Fatalf("AddComment after Resume: %+v, %v", ev, err)
	}
}

// TestRedisSameBytesAsMemory checks that the Redis store's events are byte
// for byte the memory store's, with text that JSON escapes.
func TestRedisSameBytesAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	mem := rooms.NewMemoryStore(nil, 0)
	red := rooms.NewRedisStore(redisClient(t, srv), rooms.RedisStoreOptions{})
	code := rooms.NewRoomCode()
	rec := rooms.RoomRecord{Room: rooms.NewRoom(code, `Q&A <b>"x"</b> \ é ✓`, true, 1700000000000)}
	tricky := "<script>&amp; \"quoted\" \\ \u2028 \t é ✓ 🎉"
	author := "Zoë <z>"
	var memEvents, redEvents []rooms.Event
	for _, s := range []rooms.Store{mem, red} {
		if err := s.CreateRoom(ctx, rec); err != nil {
			t.Fatal(err)
		}
		var evs []rooms.Event
		_, ev, err := s.AddComment(ctx, code, rooms.Comment{Text: tricky, Author: &author, Participant: "p_a", At: 1700000000123}, "k")
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		_, ev, err = s.AddComment(ctx, code, rooms.Comment{Text: "anon", Participant: "p_b", At: 1}, "")
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		title := "new <title> & \u2028"
		_, ev, err = s.UpdateRoom(ctx, code, rooms.RoomPatch{Title: &title, QA: new(false)})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		_, ev, err = s.UpdateRoom(ctx, code, rooms.RoomPatch{Filter: new(rooms.FilterModerate)})
		if err != nil || !strings.HasSuffix(string(ev.Data), `,"filter":"moderate","retention_days":0}`) {
			t.Fatalf("UpdateRoom filter: %s, %v", ev.Data, err)
		}
		evs = append(evs, ev)
		if ev, err = s.DeleteComment(ctx, code, "c1", "p_a"); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
		if s == mem {
			memEvents = evs
		} else {
			redEvents = evs
		}
	}
	replay, ok, err := red.Since(ctx, code, 0)
	if err != nil || !ok || len(replay) != len(memEvents) {
		t.Fatalf("Since(0) = %d events, %v, %v", len(replay), ok, err)
	}
	for i := range memEvents {
		m, r := memEvents[i], redEvents[i]
		if m.Seq != r.Seq || m.Type != r.Type || string(m.Data) != string(r.Data) {
			t.Fatalf("event %d: redis %d %s %s, memory %d %s %s", i, r.Seq, r.Type, r.Data, m.Seq, m.Type, m.Data)
		}
		if string(replay[i].Data) != string(m.Data) || replay[i].Type != m.Type {
			t.Fatalf("replayed event %d: %s, want %s", i, replay[i].Data, m.Data)
		}
	}
	ms, _ := mem.State(ctx, code, 10)
	rs, err := red.State(ctx, code, 10)
	if err != nil || fmt.Sprint(ms.Room, ms.Seq, ms.Reactions) != fmt.Sprint(rs.Room, rs.Seq, rs.Reactions) || len(ms.Comments) != len(rs.Comments) {
		t.Fatalf("State: redis %+v, %v; memory %+v", rs, err, ms)
	}
	for i := range ms.Comments {
		a, b := ms.Comments[i], rs.Comments[i]
		if a.ID != b.ID || a.Text != b.Text || a.Participant != b.Participant || a.At != b.At || (a.Author == nil) != (b.Author == nil) {
			t.Fatalf("State comment %d: redis %+v, memory %+v", i, b, a)
		}
	}
}

// TestRedisRoomWithoutFilter reads a room made before the filter setting
// existed (no filter field in its hash): it has the default, in Room, State
// and the room event.
func TestRedisRoomWithoutFilter(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rdb := redisClient(t, srv)
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	code := newRedisRoom(t, s)
	if err := rdb.HDel(ctx, "{room:"+code+"}:room", "filter", "retention_days").Err(); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Room(ctx, code)
	if err != nil || rec.Filter != rooms.FilterMask {
		t.Fatalf("Room: %+v, %v", rec.Room, err)
	}
	if st, err := s.State(ctx, code, 0); err != nil || st.Room != rec.Room {
		t.Fatalf("State room %+v, %v; want %+v", st.Room, err, rec.Room)
	}
	r, ev, err := s.UpdateRoom(ctx, code, rooms.RoomPatch{Closed: new(true)})
	if err != nil || r.Filter != rooms.FilterMask || !strings.HasSuffix(string(ev.Data), `,"closed":true,"created_at":1700000000000,"filter":"mask","retention_days":0}`) {
		t.Fatalf("UpdateRoom: %+v %s, %v", r, ev.Data, err)
	}
}
