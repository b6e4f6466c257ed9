package hub

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// benchConn is an in-process stand-in for a WebSocket: Write counts frames
// and bytes and returns nil; Read blocks until the conn is closed.
type benchConn struct {
	frames atomic.Int64
	bytes  atomic.Int64
	once   sync.Once
	closed chan struct{}
}

func newBenchConn() *benchConn { return &benchConn{closed: make(chan struct{})} }

func (c *benchConn) Read(ctx context.Context) (websocket.MessageType, []byte, error) {
	<-c.closed
	return 0, nil, net.ErrClosed
}

func (c *benchConn) Write(_ context.Context, _ websocket.MessageType, p []byte) error {
	c.frames.Add(1)
	c.bytes.Add(int64(len(p)))
	return nil
}

func (c *benchConn) Ping(context.Context) error { return nil }

func (c *benchConn) Close(websocket.StatusCode, string) error { return c.CloseNow() }

func (c *benchConn) CloseNow() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// benchRoom is a hub with one room of n in-process clients, live (not
// syncing), without the room's worker: the benchmark calls fanout itself.
type benchRoom struct {
	hub     *Hub
	room    *room
	clients []*client
	conns   []*benchConn
	ev      rooms.Event // a comment event as the store encodes it
}

func newBenchRoom(b *testing.B, n int, cfg Config) *benchRoom {
	b.Helper()
	return newBenchRoomOf(b, n, cfg, func(bc *benchConn) conn { return bc })
}

// newBenchRoomOf is newBenchRoom with each client's connection made by
// wrap around its benchConn (which counts what is written).
func newBenchRoomOf(b testing.TB, n int, cfg Config, wrap func(*benchConn) conn) *benchRoom {
	b.Helper()
	broker := NewMemoryBroker()
	store := rooms.NewLogStore(rooms.NewMemoryLog(), broker, rooms.LogStoreOptions{})
	svc := rooms.NewService(store, broker, rooms.Config{Secret: []byte("bench")}, zap.NewNop(), nil)
	h := New(cfg, svc, broker, zap.NewNop(), nil)
	ctx := context.Background()
	created, err := svc.CreateRoom(ctx, "Bench", false)
	if err != nil {
		b.Fatal(err)
	}
	name := "Ada Lovelace"
	_, ev, err := store.AddComment(ctx, created.Code, rooms.Comment{
		Text: "What is the fan-out cost per subscriber, end to end?", Author: &name,
		Participant: "p_0123456789abcdef", At: time.Now().UnixMilli(),
	}, "")
	if err != nil {
		b.Fatal(err)
	}
	br := &benchRoom{hub: h, room: newRoom(h, created.Code), ev: ev}
	for i := range n {
		bc := newBenchConn()
		c := newClient(h, wrap(bc), "127.0.0.1")
		c.actor = rooms.Actor{Room: created.Code, Participant: fmt.Sprintf("p_%016x", i), Role: rooms.RoleAudience}
		c.staff, c.syncing = false, false
		br.room.add(c)
		br.clients = append(br.clients, c)
		br.conns = append(br.conns, bc)
	}
	b.Cleanup(br.close)
	return br
}

// close ends every client and waits for its goroutines (writer, timer).
func (br *benchRoom) close() {
	for _, c := range br.clients {
		c.finish()
	}
	br.hub.cancel()
}

// fanout delivers the comment event as the next seq, as the room worker
// does for a live room.
func (br *benchRoom) fanout(seq uint64) {
	br.ev.Seq = seq
	br.room.fanout(&br.ev)
}

func reportDeliveries(b *testing.B, n int) {
	deliveries := float64(n) * float64(b.N)
	b.ReportMetric(deliveries/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/delivery")
}

// BenchmarkFanout measures room.fanout alone: one event queued to every
// subscriber's pending frame. The flush interval is an hour and every
// client has just written, so no writer runs: the figure is the cost of the
// fan-out path itself (the target is no allocation per subscriber and well
// under 1 µs per subscriber). Pending frames are emptied, untimed, before
// they outgrow their buffer, as a writer would.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			br := newBenchRoom(b, n, Config{FlushInterval: time.Hour, MaxQueueBytes: 64 << 20})
			now := time.Now()
			for _, c := range br.clients {
				c.mu.Lock()
				c.lastWrite = now
				c.pending = &frameBuf{b: make([]byte, 0, 8<<10)}
				c.mu.Unlock()
			}
			perFrame := (8<<10)/(len(br.ev.Data)+1) - 1
			empty := func() {
				for _, c := range br.clients {
					c.mu.Lock()
					c.pending.b = c.pending.b[:0]
					c.mu.Unlock()
				}
			}
			seq := br.ev.Seq
			seq++
			br.fanout(seq) // arms each client's flush timer (once)
			empty()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%perFrame == perFrame-1 {
					b.StopTimer()
					empty()
					b.StartTimer()
				}
				seq++
				br.fanout(seq)
			}
			b.StopTimer()
			reportDeliveries(b, n)
			for i, bc := range br.conns {
				if bc.frames.Load() != 0 || br.clients[i].closed {
					b.Fatalf("client %d wrote or closed during a fan-out-only benchmark", i)
				}
			}
		})
	}
}

// BenchmarkFanoutWrite measures delivery end to end in process: fanout
// plus the writer goroutines draining every client's queue into its
// stand-in conn under the flush policy. The timer stops when every event
// has been written, so the last flush interval is included (about 25 ms
// per run at the default). flush=1µs is the nearly unbatched worst case:
// about one frame per event per client.
func BenchmarkFanoutWrite(b *testing.B) {
	for _, flush := range []time.Duration{DefaultFlushInterval, time.Microsecond} {
		for _, n := range []int{1000, 10000} {
			b.Run(fmt.Sprintf("flush=%v/subscribers=%d", flush, n), func(b *testing.B) {
				br := newBenchRoom(b, n, Config{FlushInterval: flush, MaxQueueBytes: 64 << 20})
				eventBytes := int64(len(br.ev.Data) + 1) // each event plus its separator
				seq := br.ev.Seq
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					seq++
					br.fanout(seq)
				}
				// A frame of k events has k*len + k-1 bytes.
				want := int64(n) * int64(b.N)
				deadline := time.Now().Add(time.Minute)
				var frames int64
				for {
					var written int64
					frames = 0
					for _, bc := range br.conns {
						f := bc.frames.Load()
						frames += f
						written += (bc.bytes.Load() + f) / eventBytes
					}
					if written == want {
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("%d of %d deliveries written after a minute", written, want)
					}
					time.Sleep(200 * time.Microsecond)
				}
				b.StopTimer()
				reportDeliveries(b, n)
				b.ReportMetric(float64(want)/float64(frames), "events/frame")
				for i, c := range br.clients {
					if c.closed {
						b.Fatalf("client %d was closed (queue overflow?)", i)
					}
				}
			})
		}
	}
}

// BenchmarkFanoutSocket is BenchmarkFanoutWrite over real loopback TCP
// connections: fanout, the writer pool, the hub's own framing and the
// non-blocking socket writes, as on a server (the WebSocket library has no
// part in writing data frames). Each client's far end is drained by a
// goroutine of the benchmark. The timer stops when every client has
// handed all its events to the kernel. flush=1µs is about one frame per
// event per client: the calm-room case, where each delivery is a write
// system call.
func BenchmarkFanoutSocket(b *testing.B) {
	for _, flush := range []time.Duration{DefaultFlushInterval, time.Microsecond} {
		for _, n := range []int{1000} {
			b.Run(fmt.Sprintf("flush=%v/subscribers=%d", flush, n), func(b *testing.B) {
				br := newBenchRoom(b, n, Config{FlushInterval: flush, MaxQueueBytes: 64 << 20})
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				defer ln.Close()
				var drains sync.WaitGroup
				b.Cleanup(drains.Wait) // after the connections are closed (cleanups run last first)
				for _, c := range br.clients {
					far, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						b.Fatal(err)
					}
					near, err := ln.Accept()
					if err != nil {
						b.Fatal(err)
					}
					c.sock, c.netConn = newSocket(near), near
					drains.Go(func() {
						buf := make([]byte, 64<<10)
						for {
							if _, err := far.Read(buf); err != nil {
								return
							}
						}
					})
					b.Cleanup(func() { near.Close(); far.Close() })
				}
				flushed := func() bool {
					for _, c := range br.clients {
						c.mu.Lock()
						idle := c.state == writerIdle && c.pending == nil
						c.mu.Unlock()
						if !idle {
							return false
						}
					}
					return true
				}
				seq := br.ev.Seq
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					seq++
					br.fanout(seq)
				}
				deadline := time.Now().Add(time.Minute)
				for !flushed() {
					if time.Now().After(deadline) {
						b.Fatal("not every client flushed after a minute")
					}
					time.Sleep(100 * time.Microsecond)
				}
				b.StopTimer()
				reportDeliveries(b, n)
				for i, c := range br.clients {
					if c.closed {
						b.Fatalf("client %d was closed", i)
					}
				}
			})
		}
	}
}
