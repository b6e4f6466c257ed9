package loadtest

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const (
	subprotocol  = "hubbub.v1"
	maxFrameSize = 64 << 20 // server frames batch many events; snapshots can be large
	initialBuf   = 1 << 10
	ackRing      = 16 // commands in flight per publisher whose ack latency is measured
	votesRing    = 16 // receipt times of the last votes events a client keeps
)

// client is one simulated participant: one WebSocket connection at a time
// (it resumes on a new one after 1001/1012/4008), one reader goroutine, and no
// writer goroutine: drivers write commands on its connection directly.
type client struct {
	idx    int    // global index, also the publisher id in comment texts
	name   string // hello name, "lt-<idx>"
	url    string // ws:// URL of the target's /ws
	target int    // index of the target in the scenario
	room   *room
	shard  *shard

	conn    atomic.Pointer[websocket.Conn] // nil while not welcomed
	lastSeq atomic.Int64                   // mirror of seqs.last() for the drain check
	sentAt  [ackRing]atomic.Int64          // send time (unix ns) of command id n at n % ackRing

	// Owned by the reader goroutine; read by others only after it has ended.
	token      string
	seqs       seqTracker
	reactSeen  bool
	reactBase  int64 // room reaction total when first seen
	reactLast  int64 // room reaction total last seen
	reactDelta int64 // sum of deltas seen
	buf        []byte
	lats       []int64
	cross      []bool  // per lats entry, with several targets: publisher on another target
	qlats      []int64 // question delivery latencies of the current frame
	ev         event

	// votes events: the last count seen of each upvote question (+1; 0 =
	// none yet), read by the drain check while the reader runs.
	votesSeen [MaxUpvoteQuestions]atomic.Int64
	// votes measures how often votes events arrive; owned by the reader.
	votes eventRate

	polls clientPolls // the poll storm (polls.go)

	// rejoin is set by the churn driver before it closes the connection
	// with 1000 (a leave): the client then comes back as the same
	// participant, as after 1001.
	rejoin atomic.Bool
	// connectedAtEnd: the client was connected when the run closed it.
	connectedAtEnd atomic.Bool
}

// seenVotes returns the last count of upvote question i this client saw.
func (c *client) seenVotes(i int) (int64, bool) {
	v := c.votesSeen[i].Load()
	return v - 1, v > 0
}

// session runs one connection to the end: dial, hello, read until it closes.
// welcomed reports whether the server sent a welcome; onWelcome runs once when
// it does. resume sends the token and since = last seq.
func (c *client) session(f *fleet, resume bool, onWelcome func(connect time.Duration)) (welcomed bool, err error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(f.ctx, f.sc.ConnectTimeout)
	conn, resp, err := websocket.Dial(ctx, c.url, &websocket.DialOptions{
		HTTPClient:   f.http,
		Subprotocols: []string{subprotocol},
	})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode != 101 {
			return false, httpStatusError(resp.StatusCode)
		}
		return false, err
	}
	conn.SetReadLimit(maxFrameSize)

	// A timer, not a context, bounds the wait for the welcome: coder/websocket
	// closes the connection when a read context expires.
	remaining := f.sc.ConnectTimeout - time.Since(start)
	var timedOut atomic.Bool
	timer := time.AfterFunc(remaining, func() { timedOut.Store(true); conn.CloseNow() })
	defer timer.Stop()

	if err := conn.Write(context.Background(), websocket.MessageText, c.appendHello(nil, resume)); err != nil {
		conn.CloseNow()
		return false, err
	}
	defer func() {
		if welcomed {
			c.conn.Store(nil)
			f.st.connected.Add(-1)
		}
		conn.CloseNow()
	}()
	for {
		_, r, err := conn.Reader(context.Background())
		if err != nil {
			if !welcomed && timedOut.Load() {
				err = context.DeadlineExceeded
			}
			return welcomed, err
		}
		if c.buf, err = readAll(r, c.buf[:0]); err != nil {
			return welcomed, err
		}
		now := time.Now().UnixNano()
		gotWelcome := c.handleFrame(f, c.buf, now)
		if gotWelcome && !welcomed {
			welcomed = true
			timer.Stop()
			c.conn.Store(conn)
			f.st.connected.Add(1)
			onWelcome(time.Since(start))
		}
	}
}

// appendHello appends the hello command. A resume carries the token and since.
func (c *client) appendHello(dst []byte, resume bool) []byte {
	dst = append(dst, `{"type":"hello","room":"`...)
	dst = append(dst, c.room.code...)
	dst = append(dst, `","name":"`...)
	dst = append(dst, c.name...)
	dst = append(dst, '"')
	if resume && c.token != "" {
		dst = append(dst, `,"token":"`...)
		dst = append(dst, c.token...)
		dst = append(dst, '"')
	}
	if resume && c.seqs.started {
		dst = append(dst, `,"since":`...)
		dst = strconv.AppendInt(dst, c.seqs.last(), 10)
	}
	return append(dst, '}')
}

// handleFrame accounts every event of one frame received at now (unix ns) and
// reports whether the frame carried a welcome. It does not allocate in steady
// state (a welcome allocates its token).
func (c *client) handleFrame(f *fleet, frame []byte, now int64) (welcome bool) {
	c.lats, c.cross, c.qlats = c.lats[:0], c.cross[:0], c.qlats[:0]
	split := len(f.sc.Targets) > 1
	events, size := 0, len(frame)
	for len(frame) > 0 {
		line := frame
		if i := bytes.IndexByte(frame, '\n'); i >= 0 {
			line, frame = frame[:i], frame[i+1:]
		} else {
			frame = nil
		}
		if len(line) == 0 {
			continue
		}
		events++
		ev := &c.ev
		if !scanEvent(line, ev) {
			f.st.badEvents.Add(1)
			continue
		}
		switch ev.typ {
		case evWelcome:
			welcome = true
			if len(ev.token) > 0 {
				c.token = string(ev.token)
			}
			if !c.seqs.started {
				c.seqs.start(ev.seq)
			} else if !ev.resumed {
				c.seqs.resync(ev.seq)
			}
		case evSnapshot, evReactions:
			if ev.hasCnt {
				if !c.reactSeen {
					c.reactSeen, c.reactBase = true, ev.counts-ev.delta
				}
				c.reactLast = ev.counts
			}
			c.reactDelta += ev.delta
		case evAck:
			f.st.acks.Add(1)
			c.room.noteSeq(ev.seq)
			switch kindOfID(ev.id) {
			case "comment":
				if sent := c.sentAt[uint64(ev.id)%ackRing].Swap(0); sent > 0 {
					f.st.recordAck(now - sent)
				}
				if v := c.room.verify; v != nil {
					v.add(&v.comments, c.idx, uint64(ev.id))
				}
			case "question":
				f.st.questionAcks.Add(1)
				if v := c.room.verify; v != nil {
					v.add(&v.questions, c.idx, uint64(ev.id-questionIDBase))
				}
			case "upvote":
				c.upvoteAcked(ev)
			case "vote":
				c.voteAcked(f, ev, now)
			}
		case evError:
			f.st.errorCodes[ev.code].Add(1)
			kind := kindOfID(ev.id)
			switch kind {
			case "comment":
				c.sentAt[uint64(ev.id)%ackRing].Store(0)
			case "upvote":
				c.room.upvoteErrors.Add(1)
			case "vote":
				c.polls.sentAt[uint64(ev.id-voteIDBase)%ackRing].Store(0)
				c.room.polls.errors.Add(1)
			}
			if ev.code == errRateLimited {
				f.st.rateLimitedKind(kind).Add(1)
			}
		case evResults:
			c.noteResults(ev, now)
		case evVotes:
			c.votes.note(now)
			if qs := c.room.questions(); len(qs) > 0 && ev.qcounts != nil {
				eachCount(ev.qcounts, func(key []byte, n int64) {
					for i, id := range qs {
						if string(key) == id {
							c.votesSeen[i].Store(n + 1)
						}
					}
				})
			}
		}
		if ev.durable() {
			c.seqs.see(ev.seq)
			if ev.typ == evComment && ev.sentNs > 0 {
				c.lats = append(c.lats, now-ev.sentNs)
				if split {
					cross := ev.pub >= 0 && ev.pub < int64(len(f.clients)) && f.clients[ev.pub].target != c.target
					c.cross = append(c.cross, cross)
				}
			}
			if ev.typ == evQuestion && ev.sentNs > 0 {
				c.qlats = append(c.qlats, now-ev.sentNs)
			}
		}
	}
	c.lastSeq.Store(c.seqs.last())
	c.shard.record(c.lats, c.cross, c.qlats, events, size)
	return welcome
}

// upvoteAcked accounts the ack of an upvote or unvote: which it was follows
// from the command's n (see upvoteAction), the question from the ack.
func (c *client) upvoteAcked(ev *event) {
	qs := c.room.questions()
	if len(qs) == 0 {
		return
	}
	i, up := upvoteAction(uint64(ev.id-upvoteIDBase), len(qs))
	for j, id := range qs {
		if string(ev.question) == id {
			i = j
		}
	}
	if up {
		c.room.upAcked[i].Add(1)
	} else {
		c.room.downAcked[i].Add(1)
	}
	if ev.hasVotes {
		raise(&c.room.maxAckVotes, ev.votes)
	}
}

// readAll reads r to the end into buf, growing it as needed.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// httpStatusError is a handshake answered with a status other than 101.
type httpStatusError int

func (e httpStatusError) Error() string { return "http " + strconv.Itoa(int(e)) }
