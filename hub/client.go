package hub

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// conn is the part of *websocket.Conn a client uses; benchmarks put an
// in-process stand-in behind it to measure fan-out without sockets.
type conn interface {
	Read(ctx context.Context) (websocket.MessageType, []byte, error)
	Write(ctx context.Context, typ websocket.MessageType, p []byte) error
	Ping(ctx context.Context) error
	Close(code websocket.StatusCode, reason string) error
	CloseNow() error
}

// writerState is where a client's writer is.
type writerState uint8

const (
	writerIdle    writerState = iota // not in the writer pool: nothing pending
	writerQueued                     // in the writer pool, ready or waiting for its due time
	writerWriting                    // a pool writer (or the client's slow write) is writing
)

// client is one WebSocket connection's sending side: a send queue bounded
// in bytes and the flush policy. Its frames are written by the hub's
// writer pool (writers.go); while idle it is not in the pool and owns no
// goroutine and no timer.
//
// Flush policy: all pending events leave together, newline-separated, in
// frames of at most MaxFrameBytes and one system call. An urgent event
// (durable events, acks, errors) for a client that has not been written to
// for a flush interval makes it ready for the pool's writers at once;
// otherwise it waits in the pool until the interval since the last frame
// has passed. So a quiet client hears at once and a busy one gets at most
// one flush per interval.
// Coalesced counters (reactions, presence) are not urgent: they wait up to
// the counter delay after the last frame and ride along with any urgent
// event that comes sooner.
type client struct {
	hub  *Hub
	conn conn
	ip   string
	id   uint64

	// Set when the connection came from a real upgrade (nil in benchmarks,
	// where frames go through conn.Write): the byte stream the hub writes
	// its data frames to, and the raw connection, closed by a watchdog if a
	// close handshake hangs.
	sock    *socket
	netConn net.Conn

	// Set by the session before the client joins its room; read-only after.
	actor rooms.Actor
	staff bool
	// counted: the client is in the room's presence count (an audience
	// participant, not staff and not a display such as the screen).
	counted bool

	roomIndex int // position in its room's members; guarded by that room's mu

	// staffKey is the hash of the host or moderator key a staff client
	// joined with (nil for the audience); the host's own key_rotate
	// replaces it (keys.go).
	staffKey atomic.Pointer[[32]byte]

	lastActive atomic.Int64 // Unix nanoseconds of the last frame or pong from the peer
	pinging    atomic.Bool

	mu      sync.Mutex
	pending *frameBuf // events not yet written; nil when empty
	// shared, when set instead of pending, is the one event pending as a
	// frame built once for a whole broadcast (frame_once.go), header and
	// payload; sharedHeader is its header's length. Never written to.
	shared        []byte
	sharedHeader  int
	pendingUrgent bool // pending holds more than coalesced counters
	// urgentEvents counts the urgent events in pending (or shared): the
	// pool's pace reads it without c.mu (flushPace counts only clients
	// that waited with more than one).
	urgentEvents atomic.Int32
	inFlight     int // bytes of the frame being written
	// catchUpPending and catchUpInFlight are the bytes of the catch-up
	// (welcome, snapshot or replay) in pending and in the frame being
	// written: they do not count against the queue's bound, so a catch-up
	// is never refused for its size; the bound applies to what follows.
	catchUpPending, catchUpInFlight int
	state                           writerState
	lastWrite                       time.Time
	due                             time.Time // the due time it was queued with (writerQueued)
	closed                          bool
	syncing                         bool          // catching up: durable events are held, not queued
	held                            []rooms.Event // durable events that arrived while syncing
	sentSeq                         uint64        // highest durable seq queued

	// Guarded by the writer pool's mu: the due time in its waiting heap (or
	// when it became ready), whether it waited there (held by an interval
	// or a counter delay), and the index there (-1: not waiting).
	poolDue   time.Time
	poolHeld  bool
	poolIndex int

	// goroutines counts the client's place in the writer pool (queued or
	// being written), its slow write, the closer and the pinger; the
	// session waits for it before it returns.
	goroutines sync.WaitGroup
}

func newClient(h *Hub, wc conn, ip string) *client {
	c := &client{hub: h, conn: wc, ip: ip, id: h.nextConn.Add(1), poolIndex: -1}
	c.lastActive.Store(time.Now().UnixNano())
	return c
}

// deliver queues a room event for this client, in the version its role may
// see. It never blocks. It reports whether the event was queued.
func (c *client) deliver(ev *rooms.Event, now time.Time) bool {
	return c.deliverFramed(ev, now, nil)
}

// deliverFramed is deliver for a broadcast whose frames f builds once for
// its quiet clients (frame_once.go); f may be nil.
func (c *client) deliverFramed(ev *rooms.Event, now time.Time, f *frameOnce) bool {
	b := ev.For(c.staff, c.actor.Participant)
	if b == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	if ev.Seq == 0 {
		if c.syncing {
			return false // ephemeral: the catch-up sends current values
		}
		if ev.Type == rooms.EventResults {
			return c.enqueueResultsLocked(b, now) // the newest per poll (client_results.go)
		}
		return c.enqueueLocked(b, now, false)
	}
	if c.syncing {
		if len(c.held) >= c.hub.cfg.HeldEvents {
			c.overflowLocked()
			return false
		}
		c.held = append(c.held, *ev)
		return true
	}
	if ev.Seq <= c.sentSeq {
		return false // already sent (in the catch-up)
	}
	c.sentSeq = ev.Seq
	if c.shareLocked(f, b, now) {
		return true
	}
	return c.enqueueLocked(b, now, true)
}

// send queues b (one event) whatever the client's sync state.
func (c *client) send(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.enqueueLocked(b, time.Now(), true)
	}
}

// sendCatchUp queues b, a part of the client's catch-up, outside the
// queue's byte bound.
func (c *client) sendCatchUp(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.catchUpPending += len(b) + 1
		c.enqueueLocked(b, time.Now(), true)
	}
}

// goLive ends the catch-up: the client has been sent everything up to seq;
// held events after it are queued and later events flow directly.
func (c *client) goLive(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncing = false
	c.sentSeq = max(c.sentSeq, seq)
	held := c.held
	c.held = nil
	now := time.Now()
	for i := range held {
		ev := &held[i]
		if c.closed || ev.Seq <= c.sentSeq {
			continue
		}
		c.sentSeq = ev.Seq
		if b := ev.For(c.staff, c.actor.Participant); b != nil {
			c.enqueueLocked(b, now, true)
		}
	}
}

// enqueueLocked appends b to the pending frame and makes sure a writer will
// send it: within the flush interval when urgent (durable events, acks),
// within the counter delay otherwise (coalesced counters ride along with the
// next urgent frame when one comes sooner). Past the queue's byte bound the
// client is closed with 4008.
func (c *client) enqueueLocked(b []byte, now time.Time, urgent bool) bool {
	c.unshareLocked()
	used := c.inFlight + len(b) + 1
	if c.pending != nil {
		used += len(c.pending.b)
	}
	if used > c.hub.cfg.MaxQueueBytes+c.catchUpPending+c.catchUpInFlight {
		c.overflowLocked()
		return false
	}
	if c.pending == nil {
		c.pending = getFrameBuf()
	} else if len(c.pending.b) > 0 { // empty when its only event was superseded
		c.pending.b = append(c.pending.b, '\n')
	}
	c.pending.b = append(c.pending.b, b...)
	c.pendingUrgent = c.pendingUrgent || urgent
	if urgent {
		c.urgentEvents.Add(1)
	}
	c.kickLocked(now)
	return true
}

// kickLocked makes sure the pool writes the client by the time the
// pending events are due: an urgent frame a flush interval after the last
// write, a frame of counters only a counter delay after it. A client quiet
// for that long is ready at once.
func (c *client) kickLocked(now time.Time) {
	due := c.lastWrite.Add(c.delayLocked())
	switch c.state {
	case writerWriting:
		return // the flush queues what is pending when it is done
	case writerQueued:
		if due.Before(c.due) { // urgent behind counters: sooner
			c.due = due
			c.hub.writers.sooner(c, due, now)
		}
		return
	}
	c.goroutines.Add(1) // the pool's hold on the client, until its flush ends
	c.state, c.due = writerQueued, due
	c.hub.writers.schedule(c, due, now)
}

// delayLocked is the least time between the last frame and the next for
// what is pending.
func (c *client) delayLocked() time.Duration {
	interval := c.hub.writers.pace.interval()
	if c.pendingUrgent {
		return interval
	}
	return max(c.hub.cfg.CounterDelay, interval)
}

// flush writes everything pending. The pool's writers call it for a ready
// client, one flush at a time per client; scratch is the writer's. It never
// blocks on the socket: what the kernel does not take at once is written
// by a goroutine of the client's own (finishFlush).
//
// A flush takes the client's lock once: the write that does not block
// (socket.tryWrite) happens under it, so a flush the kernel takes whole —
// nearly every flush — ends without a second lock. A delivery to this
// client meanwhile waits for that one system call, never for the peer.
func (c *client) flush(scratch *flushScratch) {
	c.mu.Lock()
	buf, shared := c.pending, c.shared
	c.pending, c.shared, c.pendingUrgent = nil, nil, false
	c.urgentEvents.Store(0)
	c.catchUpInFlight, c.catchUpPending = c.catchUpPending, 0
	if c.closed || (buf == nil && shared == nil) {
		c.state = writerIdle
		c.mu.Unlock()
		putFrameBuf(buf)
		c.goroutines.Done()
		return
	}
	c.state = writerWriting
	if c.sock == nil {
		c.inFlight = len(buf.b)
		c.mu.Unlock()
		err := c.writeFrames(buf.b)
		putFrameBuf(buf)
		c.flushed(err)
		return
	}
	m := c.hub.metrics
	wire := shared
	if shared != nil {
		m.frames.Inc()
		m.bytes.Add(float64(len(shared) - c.sharedHeader))
	} else {
		var frames int
		scratch.wire, frames = appendDataFrames(scratch.wire[:0], buf.b)
		m.frames.Add(float64(frames))
		m.bytes.Add(float64(len(buf.b) - (frames - 1))) // payload: the events without the newlines between frames
		putFrameBuf(buf)
		wire = scratch.wire
	}
	n, err := c.sock.tryWrite(wire, scratch.raw)
	if n < len(wire) && (err == nil || err == errSocketBusy) {
		// The rest may block: it is written on a goroutine of the client's
		// own, from a copy unless the frame is shared (nobody changes one).
		m.slowWrites.Inc()
		c.inFlight = len(wire) - n
		rest := wire[n:]
		if shared == nil {
			rest = bytes.Clone(rest)
		}
		c.goroutines.Add(1)
		c.mu.Unlock()
		go c.finishFlush(rest, err == nil)
		return
	}
	c.flushedLocked(err)
}

// finishFlush writes the rest of a flush the socket could not take at once
// (its buffer full, or another frame being written) and ends the flush.
// locked: the flush holds the socket (it wrote a part).
func (c *client) finishFlush(rest []byte, locked bool) {
	defer c.goroutines.Done()
	c.flushed(c.sock.finishWrite(rest, locked))
}

// flushed ends a flush written outside the client's lock.
func (c *client) flushed(err error) {
	c.mu.Lock()
	c.flushedLocked(err)
}

// flushedLocked ends a flush and unlocks the client: what arrived
// meanwhile waits out its delay in the pool; on a write error the
// connection is dropped.
func (c *client) flushedLocked(err error) {
	c.inFlight, c.catchUpInFlight = 0, 0
	c.lastWrite = time.Now()
	requeued := false
	switch {
	case err != nil || c.closed:
		c.state = writerIdle
	case c.pending != nil:
		c.state, c.due = writerQueued, c.lastWrite.Add(c.delayLocked())
		c.hub.writers.schedule(c, c.due, c.lastWrite)
		requeued = true // the pool keeps its hold
	default:
		c.state = writerIdle
	}
	c.mu.Unlock()
	if err != nil {
		c.conn.CloseNow()
	}
	if !requeued {
		c.goroutines.Done()
	}
}

// flushScratch is what a pool writer reuses from flush to flush.
type flushScratch struct {
	wire []byte // the flush's frames, headers and payloads, as written
	raw  *rawWrite
}

// writeFrames writes pending events through conn.Write (connections
// without a socket: benchmarks and tests) as frames of at most
// MaxFrameBytes, cut at event boundaries; an event larger than that goes
// alone.
func (c *client) writeFrames(b []byte) error {
	m := c.hub.metrics
	for len(b) > 0 {
		n := frameCut(b, MaxFrameBytes)
		// context.Background: a context with a deadline or cancel would cost
		// an AfterFunc per write; the connection is closed explicitly instead.
		if err := c.conn.Write(context.Background(), websocket.MessageText, b[:n]); err != nil {
			return err
		}
		m.frames.Inc()
		m.bytes.Add(float64(n))
		b = b[min(n+1, len(b)):] // skip the newline between frames
	}
	return nil
}

// frameCut returns the length of the first frame of newline-separated
// events b: all of b when it fits in limit, else up to the last event
// boundary within limit, else (one event larger than limit) that event.
func frameCut(b []byte, limit int) int {
	if len(b) <= limit {
		return len(b)
	}
	if i := bytes.LastIndexByte(b[:limit+1], '\n'); i > 0 {
		return i
	}
	if i := bytes.IndexByte(b, '\n'); i > 0 {
		return i
	}
	return len(b)
}

// overflowLocked closes a client whose queue overflowed: 4008, reconnect
// with since. The rest of the room is not slowed: nothing waits for it.
func (c *client) overflowLocked() {
	c.hub.metrics.slowConsumers.Inc()
	c.closeLocked(4008, "too slow: reconnect with since")
}

// closeWith closes the connection with code; it does not block.
func (c *client) closeWith(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason)
}

func (c *client) closeLocked(code websocket.StatusCode, reason string) {
	if !c.markClosedLocked() {
		return
	}
	c.goroutines.Add(1)
	go func() {
		defer c.goroutines.Done()
		if c.netConn != nil {
			// The close handshake bounds itself (5 s to write, 5 s for the
			// answer) except when its frame waits behind a socket write to a
			// peer that stopped reading; then the watchdog drops the socket.
			watchdog := time.AfterFunc(closeWatchdog, func() { c.netConn.Close() })
			defer watchdog.Stop()
		}
		c.conn.Close(code, reason)
	}()
}

// markClosedLocked stops all sending; it reports false when already closed.
func (c *client) markClosedLocked() bool {
	if c.closed {
		return false
	}
	c.closed = true
	putFrameBuf(c.pending)
	c.pending, c.shared = nil, nil
	c.held = nil
	if c.state == writerQueued && c.hub.writers.cancel(c) {
		c.state = writerIdle
		c.goroutines.Done()
	}
	return true
}

// finish is the session's last step: it closes the connection at once if
// nobody is closing it with a code, and waits for the client's goroutines.
func (c *client) finish() {
	c.mu.Lock()
	first := c.markClosedLocked()
	c.mu.Unlock()
	if first {
		c.conn.CloseNow()
	}
	c.goroutines.Wait()
}

// ping checks a silent peer; a peer that does not answer in time is dropped.
func (c *client) ping(timeout time.Duration) {
	defer c.goroutines.Done()
	defer c.pinging.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := c.conn.Ping(ctx); err != nil {
		c.conn.CloseNow()
		return
	}
	c.lastActive.Store(time.Now().UnixNano())
}

// startPing starts a ping unless one is running or the client is closed.
func (c *client) startPing(timeout time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.pinging.CompareAndSwap(false, true) {
		return
	}
	c.goroutines.Add(1)
	go c.ping(timeout)
}

// frameBuf is a pooled frame under construction; results marks its
// `results` events (client_results.go).
type frameBuf struct {
	b       []byte
	results []queuedResults
}

// maxPooledFrame keeps rare huge frames (a long replay) out of the pool.
const maxPooledFrame = 64 << 10

var framePool = sync.Pool{New: func() any { return &frameBuf{b: make([]byte, 0, 2048)} }}

func getFrameBuf() *frameBuf { return framePool.Get().(*frameBuf) }

func putFrameBuf(f *frameBuf) {
	if f == nil || cap(f.b) > maxPooledFrame {
		return
	}
	f.b, f.results = f.b[:0], f.results[:0]
	framePool.Put(f)
}
