package hub

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// publishComments appends n comments as the host, from two goroutines at
// once, and returns the last seq.
func publishComments(t *testing.T, ts *testServer, code string, n int, text string) uint64 {
	t.Helper()
	host := rooms.Actor{Room: code, Participant: rooms.HostParticipant, Role: rooms.RoleHost}
	var last atomic.Uint64
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for g := range 2 {
		wg.Go(func() {
			for i := g; i < n; i += 2 {
				ack, err := ts.svc.Handle(context.Background(), host, rooms.Command{Type: "comment", Text: fmt.Sprintf("%06d %s", i, text)})
				if err != nil {
					errs <- err
					return
				}
				for {
					prev := last.Load()
					if ack.Seq <= prev || last.CompareAndSwap(prev, ack.Seq) {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return last.Load()
}

// TestPoolStormEveryEventInOrder: 200 clients under a storm of 3,000
// comments, with a flush interval of 1 µs (about a frame per event), each
// receive every comment in order — while the server runs no goroutine per
// flush: its goroutines grow by at most the pool's writers (and a few
// slow writes), not by one per client being written.
func TestPoolStormEveryEventInOrder(t *testing.T) {
	const clients, comments = 200, 3000
	ts := newTestServer(t, Config{FlushInterval: time.Microsecond, CounterDelay: time.Microsecond}, rooms.Config{CommentBurst: 1 << 20, CommentRate: 1 << 20})
	room := ts.createRoom(t, "Storm")
	receivers := make([]*receiver, clients)
	for i := range receivers {
		receivers[i] = new(receiver)
		c := ts.mustDial(t, dialOpts{})
		c.setHandler(receivers[i].handle)
		c.send(rooms.Hello{Type: "hello", Room: room.Code})
	}
	eventually(t, 10*time.Second, "everyone in the room", func() bool { return ts.hub.localCount(room.Code) == clients })
	time.Sleep(200 * time.Millisecond) // catch-ups written, writers gone
	base := runtime.NumGoroutine()

	var peak atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
			time.Sleep(50 * time.Microsecond)
		}
	})
	last := publishComments(t, ts, room.Code, comments, strings.Repeat("y", 100))
	eventually(t, 30*time.Second, "every comment at every client", func() bool {
		for _, r := range receivers {
			if r.lastSeq() < last {
				return false
			}
		}
		return true
	})
	close(stop)
	sampler.Wait()
	for i, r := range receivers {
		r.mu.Lock()
		if r.count != comments || r.last != last || len(r.gaps) > 0 {
			t.Errorf("client %d got %d of %d comments, last seq %d of %d, gaps %v", i, r.count, comments, r.last, last, r.gaps)
		}
		r.mu.Unlock()
	}
	// The sampler and the two publishers are extra too.
	extra := int(peak.Load()) - base
	t.Logf("goroutines: %d with the room idle, %d at the peak of the storm (+%d)", base, peak.Load(), extra)
	if limit := runtime.GOMAXPROCS(0) + 3 + 10; extra > limit {
		t.Errorf("the storm added %d goroutines, want at most %d (writers + publishers + a few slow writes)", extra, limit)
	}
}

// TestIdleClientsOwnNoGoroutine: a connection that is not being written to
// costs the server one goroutine, its read loop — before a broadcast and
// after it has been written.
func TestIdleClientsOwnNoGoroutine(t *testing.T) {
	const n = 200
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Idle")
	addr := strings.TrimPrefix(ts.URL, "http://")
	settle := func() int {
		time.Sleep(300 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settle()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := dialIdle(addr, room.Code, i)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	eventually(t, 10*time.Second, "everyone in the room", func() bool { return ts.hub.localCount(room.Code) == n })
	idle := settle()
	frames := ts.metric(t, "hubbub_frames_written_total")
	ts.comment(t, room.Code, room.HostKey, "one for all")
	eventually(t, 10*time.Second, "the comment written to everyone", func() bool {
		return ts.metric(t, "hubbub_frames_written_total") >= frames+n
	})
	after := settle()
	t.Logf("goroutines: %d before, %d with %d idle connections, %d after a broadcast to them", before, idle, n, after)
	if idle-before > n+3 || after-before > n+3 {
		t.Errorf("%d idle connections cost %d goroutines, %d after a broadcast; want one each (+3)", n, idle-before, after-before)
	}
}

// TestDataFramesNeverInterleaveWithControlFrames: a client with a small
// receive buffer, reading in bursts, pings the server as fast as it can
// with the largest pings allowed, and answers the server's own pings,
// while a storm of comments reaches it about one frame per event. It stops
// reading for the storm's first second, so the server's socket fills,
// flushes finish on the slow path and pongs wait behind them. Every
// frame it receives must parse: FIN, unmasked, a known opcode, text frames
// of whole JSON events; every pong answers the next ping in order; and
// every comment arrives, in order.
func TestDataFramesNeverInterleaveWithControlFrames(t *testing.T) {
	const comments = 2000
	ts := newTestServer(t, Config{FlushInterval: time.Microsecond, CounterDelay: time.Microsecond, PingInterval: time.Millisecond, MaxQueueBytes: 64 << 20},
		rooms.Config{CommentBurst: 1 << 20, CommentRate: 1 << 20})
	room := ts.createRoom(t, "Interleave")
	conn, early := dialSmallBuffer(t, strings.TrimPrefix(ts.URL, "http://"), room.Code)
	defer conn.Close()
	eventually(t, waitTimeout, "the client in the room", func() bool { return ts.hub.localCount(room.Code) == 1 })
	time.Sleep(100 * time.Millisecond) // its catch-up read: every comment below comes live
	ts.hub.mu.Lock()
	for c := range ts.hub.clients { // a small send buffer on the server's side too: it fills at once
		if err := c.netConn.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
			t.Fatal(err)
		}
	}
	ts.hub.mu.Unlock()

	var (
		writeMu    sync.Mutex
		pingsSent  atomic.Int64
		pongs      atomic.Int64
		serverPing atomic.Int64
	)
	write := func(f []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		_, err := conn.Write(f)
		return err
	}
	pingPayload := func(i int64) []byte { return fmt.Appendf(nil, "%0125d", i) } // 125: the largest control payload
	var rec receiver
	readErr := make(chan error, 1)
	go func() {
		readErr <- readFrames(conn, early, 5, time.Second, func(op byte, p []byte) error {
			switch op {
			case opText:
				for line := range bytes.SplitSeq(p, []byte("\n")) {
					if !json.Valid(line) {
						return fmt.Errorf("a text frame holds a line that is not JSON: %q", line)
					}
					rec.handle(line, 0, time.Now())
				}
			case 0x9: // the server's ping: answer
				serverPing.Add(1)
				return write(maskedFrame(0xA, p))
			case 0xA:
				want := pingPayload(pongs.Load() + 1)
				if !bytes.Equal(p, want) {
					return fmt.Errorf("pong %q, want %q", p, want)
				}
				pongs.Add(1)
			case opClose:
				return io.EOF
			default:
				return fmt.Errorf("frame with opcode %#x", op)
			}
			return nil
		})
	}()

	stopPings := make(chan struct{})
	var pinger sync.WaitGroup
	pinger.Go(func() {
		for i := int64(1); ; i++ {
			select {
			case <-stopPings:
				return
			default:
			}
			if err := write(maskedFrame(0x9, pingPayload(i))); err != nil {
				return
			}
			pingsSent.Store(i)
			time.Sleep(time.Millisecond)
		}
	})
	start := time.Now()
	last := publishComments(t, ts, room.Code, comments, strings.Repeat("z", 480))
	t.Logf("published in %v", time.Since(start))
	deadline := time.Now().Add(60 * time.Second)
	for rec.lastSeq() < last && time.Now().Before(deadline) {
		select {
		case err := <-readErr:
			t.Fatalf("reading: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Logf("received in %v", time.Since(start))
	time.Sleep(1100 * time.Millisecond) // at least one more round of the server's pings
	close(stopPings)
	pinger.Wait()
	eventually(t, 10*time.Second, "every pong", func() bool { return pongs.Load() == pingsSent.Load() })
	select {
	case err := <-readErr:
		t.Fatalf("reading: %v", err)
	default:
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.count != comments || len(rec.gaps) > 0 {
		t.Errorf("got %d of %d comments, gaps %v", rec.count, comments, rec.gaps)
	}
	t.Logf("%d comments, %d pings answered, %d pings from the server answered", rec.count, pongs.Load(), serverPing.Load())
	if serverPing.Load() == 0 {
		t.Error("the server never pinged")
	}
	slow := ts.metric(t, "hubbub_slow_writes_total")
	t.Logf("%v flushes finished on the slow path (socket full or busy)", slow)
	if slow == 0 {
		t.Error("no flush found the socket full: the test did not reach the slow path")
	}
}

// dialSmallBuffer upgrades a raw TCP connection with a 4 KiB receive
// buffer, sends the hello, and returns the connection and the bytes after
// the HTTP response (the first frames).
func dialSmallBuffer(t *testing.T, addr, room string) (net.Conn, []byte) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + Subprotocol + "\r\n\r\n"
	hello := fmt.Appendf(nil, `{"type":"hello","room":%q}`, room)
	if _, err := c.Write(append([]byte(req), maskedTextFrame(hello)...)); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	tmp := make([]byte, 4096)
	for bytes.Index(buf, []byte("\r\n\r\n")) < 0 {
		k, err := c.Read(tmp)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, tmp[:k]...)
	}
	end := bytes.Index(buf, []byte("\r\n\r\n")) + 4
	if !bytes.HasPrefix(buf, []byte("HTTP/1.1 101")) {
		t.Fatalf("upgrade refused: %q", buf[:end])
	}
	return c, buf[end:]
}

// readFrames reads server frames from c (after the bytes already read),
// checking each header strictly, and hands each to handle, until an error.
// After stallAfter reads it stops reading for stall.
func readFrames(c net.Conn, buf []byte, stallAfter int, stall time.Duration, handle func(op byte, p []byte) error) error {
	tmp := make([]byte, 4096)
	reads := 0
	for {
		for len(buf) >= 2 {
			b0, b1 := buf[0], buf[1]
			if b0&0x80 == 0 || b0&0x70 != 0 || b1&0x80 != 0 {
				return fmt.Errorf("bad frame header % x (not FIN, reserved bits, or masked)", buf[:2])
			}
			op := b0 & 0x0f
			n, off := int(b1&0x7f), 2
			switch n {
			case 126:
				if len(buf) < 4 {
					break
				}
				n, off = int(binary.BigEndian.Uint16(buf[2:])), 4
			case 127:
				if len(buf) < 10 {
					break
				}
				n, off = int(binary.BigEndian.Uint64(buf[2:])), 10
			}
			if (b1&0x7f >= 126 && off == 2) || len(buf) < off+n {
				break // incomplete
			}
			if op >= 0x8 && (n > 125) {
				return fmt.Errorf("control frame %#x of %d bytes", op, n)
			}
			if err := handle(op, buf[off:off+n]); err != nil {
				return err
			}
			buf = buf[off+n:]
		}
		buf = bytes.Clone(buf)
		if reads++; reads == stallAfter {
			time.Sleep(stall) // the server's socket fills
		}
		k, err := c.Read(tmp)
		if err != nil {
			return err
		}
		buf = append(buf, tmp[:k]...)
	}
}

// maskedFrame is a client frame (FIN, masked) with opcode op carrying p.
func maskedFrame(op byte, p []byte) []byte {
	f := maskedTextFrame(p)
	f[0] = 0x80 | op
	return f
}

// slowConn is a benchConn whose writes take *delay and that records the
// most writes under way at once.
type slowConn struct {
	*benchConn
	inWrite, most *atomic.Int32
	delay         *atomic.Int64
}

func (c slowConn) Write(ctx context.Context, typ websocket.MessageType, p []byte) error {
	n := c.inWrite.Add(1)
	for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
	}
	time.Sleep(time.Duration(c.delay.Load()))
	c.inWrite.Add(-1)
	return c.benchConn.Write(ctx, typ, p)
}

// TestHeldClientsAreWrittenByEveryWriter: clients that waited out their
// flush interval fall due together (in a busy room, every flush after the
// first does), from the pool's heap rather than through readyLocked, the
// one place a writer used to start: the timekeeper wrote them alone, one
// core's worth, however far behind it fell. Once the next client is late
// by more than the longest interval, a second writer joins. Here one
// writer would take 1,024 ms for the 128 held clients, against an
// interval of 300 ms.
func TestHeldClientsAreWrittenByEveryWriter(t *testing.T) {
	const n = 128
	var inWrite, most atomic.Int32
	var delay atomic.Int64
	br := newBenchRoomOf(t, n, Config{FlushInterval: 300 * time.Millisecond, MaxFlushInterval: 300 * time.Millisecond},
		func(bc *benchConn) conn { return slowConn{bc, &inWrite, &most, &delay} })
	br.hub.writers.max = 2
	written := func(want int64) func() bool {
		return func() bool {
			var frames int64
			for _, bc := range br.conns {
				frames += bc.frames.Load()
			}
			return frames == want
		}
	}
	seq := br.ev.Seq
	br.fanout(seq + 1) // quiet clients: ready at once, written fast
	eventually(t, 10*time.Second, "the first event written to everyone", written(n))
	delay.Store(int64(8 * time.Millisecond))
	most.Store(0)      // the first event's writers ran at once: count from here
	br.fanout(seq + 2) // each wrote a moment ago: all wait out the interval
	br.hub.writers.mu.Lock()
	waiting := len(br.hub.writers.waiting)
	br.hub.writers.mu.Unlock()
	if waiting != n {
		t.Fatalf("%d of %d clients wait out the interval after the second event, want all", waiting, n)
	}
	eventually(t, 10*time.Second, "the second event written to everyone", written(2*n))
	if got := most.Load(); got < 2 {
		t.Errorf("the held clients were written by %d writer at a time, want the pool's 2", got)
	}
}
