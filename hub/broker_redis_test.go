package hub

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// fastBrokerOptions make the broker's timers short enough for tests.
var fastBrokerOptions = RedisBrokerOptions{
	SubscribeTimeout: 3 * time.Second,
	ProbeInterval:    300 * time.Millisecond,
	ProbeTimeout:     500 * time.Millisecond,
	UnsubscribeDelay: 200 * time.Millisecond,
}

func newTestRedisBroker(t *testing.T, addr string, opts RedisBrokerOptions) *RedisBroker {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr:         addr,
		DialTimeout:  time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
		MaxRetries:   -1,
	})
	b := NewRedisBroker(rdb, zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel)), prometheus.NewRegistry(), opts)
	t.Cleanup(func() {
		_ = b.Close()
		_ = rdb.Close()
	})
	return b
}

// value reads a counter or gauge.
func value(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// recorder is a room handler that keeps what it receives.
type recorder struct {
	mu     sync.Mutex
	events []rooms.Event
	wake   chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1)} }

func (r *recorder) handle(ev rooms.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) snapshot() []rooms.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rooms.Event(nil), r.events...)
}

// waitFor waits until cond holds for what was received.
func (r *recorder) waitFor(t *testing.T, what string, cond func([]rooms.Event) bool) []rooms.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if evs := r.snapshot(); cond(evs) {
			return evs
		}
		select {
		case <-r.wake:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got %d events: %v", what, len(r.snapshot()), types(r.snapshot()))
		}
	}
}

func types(evs []rooms.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%s/%d", ev.Type, ev.Seq)
	}
	return out
}

func count(evs []rooms.Event, typ string) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func commentEvent(seq uint64) rooms.Event {
	return rooms.Event{Seq: seq, Type: rooms.TypeComment, Data: fmt.Appendf(nil, `{"type":"comment","seq":%d}`, seq), At: time.Now().UnixNano()}
}

// publishRaw publishes an envelope as RedisBroker.Publish does, bypassing it.
func publishRaw(t *testing.T, rdb *redis.Client, room string, ev rooms.Event) {
	t.Helper()
	if err := rdb.Publish(context.Background(), rooms.RedisChannel(room), rooms.EncodeEnvelope(ev)).Err(); err != nil {
		t.Fatal(err)
	}
}

func subscribe(t *testing.T, b *RedisBroker, room string, rec *recorder) func() {
	t.Helper()
	unsub, err := b.Subscribe(context.Background(), room, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	return unsub
}

// seqsFrom returns the seqs of the durable events.
func seqsFrom(evs []rooms.Event) []uint64 {
	var out []uint64
	for _, ev := range evs {
		if ev.Seq > 0 {
			out = append(out, ev.Seq)
		}
	}
	return out
}

func TestRedisBrokerDeliversInPublishOrderAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	a := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
	b := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
	recA, recB, other := newRecorder(), newRecorder(), newRecorder()
	subscribe(t, a, "AAAAAA", recA)
	subscribe(t, b, "AAAAAA", recB)
	subscribe(t, b, "BBBBBB", other)

	// Subscribe returned: everything published from now on arrives.
	const n = 500
	for i := 1; i <= n; i++ {
		if i%2 == 0 {
			publishRaw(t, rdb, "AAAAAA", commentEvent(uint64(i)))
		} else {
			a.Publish("AAAAAA", commentEvent(uint64(i))) // through the broker's own queue
		}
		if i%2 == 1 {
			// Keep the two paths from racing each other: wait for the
			// broker's PUBLISH before the next raw one.
			recA.waitFor(t, "own publish", func(evs []rooms.Event) bool { return len(evs) >= i })
		}
	}
	a.Publish("AAAAAA", rooms.Event{Type: rooms.EventBan, Participant: "p_1", At: 1})
	for name, rec := range map[string]*recorder{"a": recA, "b": recB} {
		evs := rec.waitFor(t, name+": all events", func(evs []rooms.Event) bool { return len(evs) >= n+1 })
		for i, ev := range evs[:n] {
			if ev.Seq != uint64(i+1) || ev.Type != rooms.TypeComment || string(ev.Data) != fmt.Sprintf(`{"type":"comment","seq":%d}`, i+1) {
				t.Fatalf("%s: event %d = %s/%d %q", name, i, ev.Type, ev.Seq, ev.Data)
			}
		}
		if last := evs[n]; last.Type != rooms.EventBan || last.Participant != "p_1" {
			t.Fatalf("%s: last = %+v", name, last)
		}
	}
	if got := other.snapshot(); len(got) != 0 {
		t.Fatalf("another room received %v", types(got))
	}
	if got := value(t, b.metrics.received); got != n+1 {
		t.Fatalf("received metric = %v, want %d", got, n+1)
	}
}

// TestRedisBrokerResubscribes: after every kind of loss of the pub/sub
// connection the room gets EventResync once the subscription is back, and
// events published after that arrive.
func TestRedisBrokerResubscribes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		aof   bool
		probe bool // only the PING probe can notice
		lose  func(t *testing.T, srv *redistest.Server, rdb *redis.Client)
	}{
		{"client kill", false, false, func(t *testing.T, srv *redistest.Server, rdb *redis.Client) {
			n, err := rdb.ClientKillByFilter(context.Background(), "TYPE", "pubsub").Result()
			if err != nil || n != 1 {
				t.Fatalf("CLIENT KILL TYPE pubsub: %d, %v", n, err)
			}
		}},
		{"redis hung", false, true, func(t *testing.T, srv *redistest.Server, rdb *redis.Client) {
			// SIGSTOP: connections stay open and silent; only the PING
			// probe can tell.
			srv.Pause()
			time.Sleep(fastBrokerOptions.ProbeInterval + fastBrokerOptions.ProbeTimeout + time.Second)
			srv.Resume()
		}},
		{"redis restart", true, false, func(t *testing.T, srv *redistest.Server, rdb *redis.Client) {
			srv.Stop()
			time.Sleep(700 * time.Millisecond) // a few failed reconnects
			srv.Start()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []redistest.Option
			if tc.aof {
				opts = append(opts, redistest.AOF())
			}
			srv := redistest.Start(t, opts...)
			rdb := srv.Client(t)
			b := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
			rec, rec2 := newRecorder(), newRecorder()
			subscribe(t, b, "AAAAAA", rec)
			subscribe(t, b, "BBBBBB", rec2)
			publishRaw(t, rdb, "AAAAAA", commentEvent(1))
			rec.waitFor(t, "first event", func(evs []rooms.Event) bool { return len(evs) == 1 })

			tc.lose(t, srv, rdb)
			for _, r := range []*recorder{rec, rec2} {
				r.waitFor(t, "resync", func(evs []rooms.Event) bool { return count(evs, rooms.EventResync) == 1 })
			}
			publishRaw(t, rdb, "AAAAAA", commentEvent(2))
			evs := rec.waitFor(t, "event after resync", func(evs []rooms.Event) bool { return len(evs) == 3 })
			if evs[1].Type != rooms.EventResync || evs[2].Seq != 2 {
				t.Fatalf("events = %v", types(evs))
			}
			if got := value(t, b.metrics.resyncs); got != 2 {
				t.Fatalf("resyncs = %v, want 2", got)
			}
			if got := value(t, b.metrics.reconnects); got < 1 {
				t.Fatalf("reconnects = %v", got)
			}
			if got := value(t, b.metrics.channels); got != 2 {
				t.Fatalf("channels gauge = %v, want 2", got)
			}
			if got := value(t, b.metrics.probeFailures); tc.probe != (got > 0) {
				t.Fatalf("probe failures = %v", got)
			}
		})
	}
}

// TestRedisBrokerProbeDetectsWedgedConnection cuts the pub/sub connection
// silently (a proxy stops forwarding without closing): only the PING probe
// can notice. The broker reconnects and the room gets EventResync.
func TestRedisBrokerProbeDetectsWedgedConnection(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	px := newBlackholeProxy(t, srv.Addr())
	b := newTestRedisBroker(t, px.addr(), fastBrokerOptions)
	rec := newRecorder()
	subscribe(t, b, "AAAAAA", rec)

	px.wedge() // existing connections go silent; new ones work
	publishRaw(t, rdb, "AAAAAA", commentEvent(1))
	evs := rec.waitFor(t, "resync", func(evs []rooms.Event) bool { return count(evs, rooms.EventResync) == 1 })
	if len(evs) != 1 {
		t.Fatalf("the wedged connection delivered %v", types(evs))
	}
	if got := value(t, b.metrics.probeFailures); got != 1 {
		t.Fatalf("probe failures = %v", got)
	}
	publishRaw(t, rdb, "AAAAAA", commentEvent(2))
	rec.waitFor(t, "event after resync", func(evs []rooms.Event) bool { return len(evs) == 2 && evs[1].Seq == 2 })
}

func TestRedisBrokerCountsMalformedEnvelopes(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	b := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
	rec := newRecorder()
	subscribe(t, b, "AAAAAA", rec)
	ctx := context.Background()
	for _, bad := range []string{"garbage", "hb1 1 comment - - 1 5 0\nab", "hb2 1 comment - - 1 0 0\n"} {
		if err := rdb.Publish(ctx, rooms.RedisChannel("AAAAAA"), bad).Err(); err != nil {
			t.Fatal(err)
		}
	}
	publishRaw(t, rdb, "AAAAAA", commentEvent(1))
	evs := rec.waitFor(t, "the good event", func(evs []rooms.Event) bool { return len(evs) >= 1 })
	if len(evs) != 1 || evs[0].Seq != 1 {
		t.Fatalf("events = %v", types(evs))
	}
	if got := value(t, b.metrics.malformed); got != 3 {
		t.Fatalf("malformed = %v, want 3", got)
	}
}

func TestRedisBrokerUnsubscribe(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	b := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
	numsub := func() int64 {
		m, err := rdb.PubSubNumSub(ctx, rooms.RedisChannel("AAAAAA")).Result()
		if err != nil {
			t.Fatal(err)
		}
		return m[rooms.RedisChannel("AAAAAA")]
	}

	first, second := newRecorder(), newRecorder()
	unsubFirst := subscribe(t, b, "AAAAAA", first)
	// A second subscription replaces the first; the first's unsubscribe
	// then does nothing.
	unsubSecond := subscribe(t, b, "AAAAAA", second)
	unsubFirst()
	publishRaw(t, rdb, "AAAAAA", commentEvent(1))
	second.waitFor(t, "event", func(evs []rooms.Event) bool { return len(evs) == 1 })
	if n := len(first.snapshot()); n != 0 {
		t.Fatalf("replaced handler got %d events", n)
	}

	// Unsubscribed: no more events, and the channel is UNSUBSCRIBEd after
	// the delay.
	unsubSecond()
	publishRaw(t, rdb, "AAAAAA", commentEvent(2))
	deadline := time.Now().Add(5 * time.Second)
	for numsub() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("channel still subscribed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := value(t, b.metrics.channels); got != 0 {
		t.Fatalf("channels gauge = %v", got)
	}
	if n := len(second.snapshot()); n != 1 {
		t.Fatalf("unsubscribed handler got %d events", n)
	}

	// Subscribing again works, and within the delay costs no command.
	third := newRecorder()
	unsub := subscribe(t, b, "AAAAAA", third)
	unsub()
	unsub = subscribe(t, b, "AAAAAA", third)
	defer unsub()
	if numsub() != 1 {
		t.Fatal("not subscribed")
	}
	publishRaw(t, rdb, "AAAAAA", commentEvent(3))
	third.waitFor(t, "event", func(evs []rooms.Event) bool { return len(evs) == 1 && evs[0].Seq == 3 })
}

// TestRedisBrokerSubscribeFailsWhileRedisIsDown: Subscribe returns an error
// instead of hanging, and works once Redis is back.
func TestRedisBrokerSubscribeFailsWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	b := newTestRedisBroker(t, srv.Addr(), fastBrokerOptions)
	srv.Stop()
	start := time.Now()
	if _, err := b.Subscribe(context.Background(), "AAAAAA", newRecorder().handle); err == nil {
		t.Fatal("subscribed with Redis down")
	}
	if d := time.Since(start); d > fastBrokerOptions.SubscribeTimeout+2*time.Second {
		t.Fatalf("Subscribe took %v", d)
	}
	srv.Start()
	rdb := srv.Client(t)
	rec := newRecorder()
	var unsub func()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if unsub, err = b.Subscribe(context.Background(), "AAAAAA", rec.handle); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Subscribe after Redis returned: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer unsub()
	publishRaw(t, rdb, "AAAAAA", commentEvent(1))
	rec.waitFor(t, "event", func(evs []rooms.Event) bool { return len(evs) == 1 && evs[0].Seq == 1 })
}

// blackholeProxy forwards TCP connections to a target; wedge makes the
// connections open so far stop forwarding in both directions without
// closing, like a network path that died silently.
type blackholeProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  []*proxiedConn
	wg     sync.WaitGroup
	closed bool
}

type proxiedConn struct {
	client, server net.Conn
	wedged         chan struct{}
}

func newBlackholeProxy(t *testing.T, target string) *blackholeProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackholeProxy{ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *blackholeProxy) addr() string { return p.ln.Addr().String() }

func (p *blackholeProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pc := &proxiedConn{client: c, server: s, wedged: make(chan struct{})}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			s.Close()
			return
		}
		p.conns = append(p.conns, pc)
		p.mu.Unlock()
		p.wg.Go(func() { pc.pipe(c, s) })
		p.wg.Go(func() { pc.pipe(s, c) })
	}
}

// pipe copies until either side closes; once wedged it reads and drops.
func (pc *proxiedConn) pipe(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-pc.wedged:
			default:
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			pc.client.Close()
			pc.server.Close()
			return
		}
	}
}

func (p *blackholeProxy) wedge() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pc := range p.conns {
		select {
		case <-pc.wedged:
		default:
			close(pc.wedged)
		}
	}
}

func (p *blackholeProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for _, pc := range p.conns {
		pc.client.Close()
		pc.server.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
