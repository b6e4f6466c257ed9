package loadtest

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// A Driver generates one kind of interaction (comments, reactions,
// questions, upvotes) at a steady rate in every room. The fleet runs
// one pacer goroutine per room and driver; the pacer spreads the room's rate
// over enough publishing clients that none exceeds ClientRate, and writes each
// command on the publisher's connection. Implementations must be safe to call
// from several pacers at once (the ones here are stateless).
type Driver interface {
	// Kind names the interaction in reports ("comment", "react").
	Kind() string
	// Rate is the scenario's commands per second per room for this kind.
	Rate(s Scenario) float64
	// ClientRate is the most commands per second one client may send, to stay
	// under the server's per-participant limit.
	ClientRate(s Scenario) float64
	// AppendCommand appends publisher pub's n-th command of this kind (n from
	// 1) in room r, created at unix time now (ns), to dst.
	AppendCommand(dst []byte, r *room, pub int, n uint64, now int64) []byte
	// CarriesID reports whether each command carries an "id" (idBase + n),
	// so that its ack or error can be matched to it.
	CarriesID() bool
	// counter is the room's count of commands sent.
	counter(r *room) *atomic.Int64
	// idBase is added to n to make the command's id: the ranges tell the
	// kinds apart in acks and errors. -1: no id.
	idBase() int64
	// limit is the most commands one room sends over the run (0: no limit).
	limit(s Scenario) int64
}

// Command id ranges: comments use n itself, questions and upvotes n plus
// these, so that one client's acks of different kinds never collide.
const (
	questionIDBase = int64(1) << 40
	upvoteIDBase   = int64(2) << 40
)

// kindOfID names the kind of command an ack or error id answers.
func kindOfID(id int64) string {
	switch {
	case id >= voteIDBase:
		return "vote"
	case id >= upvoteIDBase:
		return "upvote"
	case id >= questionIDBase:
		return "question"
	case id > 0:
		return "comment"
	}
	return "react"
}

// Drivers are the interaction kinds the harness knows, in report order.
var Drivers = []Driver{commentDriver{}, reactDriver{}, questionDriver{}, upvoteDriver{}, voteDriver{}}

// commentDriver posts comments whose text carries the publish time:
// "lt <unixnano> <publisher> <n>". Every receiver reads the time back to
// measure delivery latency on the same clock. Comments carry an "id" (= n) so
// that the ack's seq and any error can be told apart from reactions.
type commentDriver struct{}

func (commentDriver) Kind() string                  { return "comment" }
func (commentDriver) Rate(s Scenario) float64       { return s.CommentRate }
func (commentDriver) ClientRate(s Scenario) float64 { return s.CommentsPerClient }
func (commentDriver) counter(r *room) *atomic.Int64 { return &r.commentsSent }
func (commentDriver) CarriesID() bool               { return true }
func (commentDriver) idBase() int64                 { return 0 }
func (commentDriver) limit(Scenario) int64          { return 0 }
func (commentDriver) AppendCommand(dst []byte, _ *room, pub int, n uint64, now int64) []byte {
	return appendStamped(dst, "comment", "lt", pub, n, now, int64(n))
}

// appendStamped appends a command whose text carries its publish time:
// {"type":typ,"text":"lt <now> <pub> <n>","cid":"<cidPrefix>-<pub>-<n>","id":id}.
func appendStamped(dst []byte, typ, cidPrefix string, pub int, n uint64, now, id int64) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","text":"lt `...)
	dst = strconv.AppendInt(dst, now, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(pub), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","cid":"`...)
	dst = append(dst, cidPrefix...)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, int64(pub), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","id":`...)
	dst = strconv.AppendInt(dst, id, 10)
	return append(dst, '}')
}

// reactDriver sends reactions, cycling through the kinds. They carry no id.
type reactDriver struct{}

var reactKinds = [...]string{"like", "love", "clap", "laugh", "wow"}

func (reactDriver) Kind() string                  { return "react" }
func (reactDriver) Rate(s Scenario) float64       { return s.ReactRate }
func (reactDriver) ClientRate(s Scenario) float64 { return s.ReactsPerClient }
func (reactDriver) counter(r *room) *atomic.Int64 { return &r.reactsSent }
func (reactDriver) CarriesID() bool               { return false }
func (reactDriver) idBase() int64                 { return -1 }
func (reactDriver) limit(Scenario) int64          { return 0 }
func (reactDriver) AppendCommand(dst []byte, _ *room, pub int, n uint64, now int64) []byte {
	dst = append(dst, `{"type":"react","kind":"`...)
	dst = append(dst, reactKinds[n%uint64(len(reactKinds))]...)
	return append(dst, `"}`...)
}

// questionDriver asks questions whose text carries the publish time like a
// comment's, "lt <unixnano> <publisher> <n>", so that every receiver of the
// durable `question` event measures its delivery latency. The text is unique,
// so the server's duplicate check never refuses one; the per-client pace
// (default 0.04/s) keeps askers under the server's 3 per minute.
type questionDriver struct{}

func (questionDriver) Kind() string                  { return "question" }
func (questionDriver) Rate(s Scenario) float64       { return s.QuestionRate }
func (questionDriver) ClientRate(s Scenario) float64 { return s.QuestionsPerClient }
func (questionDriver) counter(r *room) *atomic.Int64 { return &r.questionsSent }
func (questionDriver) CarriesID() bool               { return true }
func (questionDriver) idBase() int64                 { return questionIDBase }
func (questionDriver) limit(Scenario) int64          { return 0 }
func (questionDriver) AppendCommand(dst []byte, _ *room, pub int, n uint64, now int64) []byte {
	return appendStamped(dst, "ask", "lq", pub, n, now, questionIDBase+int64(n))
}

// upvoteDriver upvotes the questions the harness asked when traffic started.
// A client's n-th action is on question (n-1) mod k of the k asked, and is an
// upvote in even rounds ((n-1)/k even) and an unvote in odd ones: each client
// upvotes each question at most once at a time, as the server allows, and
// toggles when the rate needs more actions than clients × questions.
type upvoteDriver struct{}

func (upvoteDriver) Kind() string                  { return "upvote" }
func (upvoteDriver) Rate(s Scenario) float64       { return s.UpvoteRate }
func (upvoteDriver) ClientRate(s Scenario) float64 { return s.UpvotesPerClient }
func (upvoteDriver) counter(r *room) *atomic.Int64 { return &r.upvotesSent }
func (upvoteDriver) CarriesID() bool               { return true }
func (upvoteDriver) idBase() int64                 { return upvoteIDBase }
func (upvoteDriver) limit(s Scenario) int64 {
	if s.UpvoteFor <= 0 {
		return 0
	}
	return int64(math.Round(s.UpvoteRate * s.UpvoteFor.Seconds()))
}

// upvoteAction tells which question index and whether an upvote (or an
// unvote) a client's n-th upvote action is, with k questions.
func upvoteAction(n uint64, k int) (q int, up bool) {
	if k < 1 {
		k = 1
	}
	return int((n - 1) % uint64(k)), ((n-1)/uint64(k))%2 == 0
}

func (upvoteDriver) AppendCommand(dst []byte, r *room, pub int, n uint64, now int64) []byte {
	qs := r.questions()
	if len(qs) == 0 {
		return dst
	}
	q, up := upvoteAction(n, len(qs))
	if up {
		dst = append(dst, `{"type":"upvote","question":"`...)
	} else {
		dst = append(dst, `{"type":"unvote","question":"`...)
	}
	dst = append(dst, qs[q]...)
	dst = append(dst, `","id":`...)
	dst = strconv.AppendInt(dst, upvoteIDBase+int64(n), 10)
	return append(dst, '}')
}

// publishers picks the room's publishing clients for a driver: enough that
// each sends at most ClientRate, taken from consecutive clients (which the
// fleet spread round-robin over the targets). from picks the end of the
// room's client list to start from, so that two drivers use different clients.
func publishers(r *room, rate, perClient float64, fromEnd bool) []*client {
	n := int(math.Ceil(rate / perClient))
	if n > len(r.clients) {
		n = len(r.clients)
	}
	if n < 1 {
		n = 1
	}
	if fromEnd {
		return r.clients[len(r.clients)-n:]
	}
	return r.clients[:n]
}

// pacerTick is how often a pacer wakes to send what is due.
const pacerTick = 10 * time.Millisecond

// pace sends d's commands in room r at rate per second from pubs until ctx
// ends. A pacer that falls more than a second behind drops the backlog rather
// than bursting past the publishers' rate limits. A write blocked on a server
// that does not read ends when the fleet stops.
func (f *fleet) pace(ctx context.Context, d Driver, r *room, rate float64, pubs []*client) {
	counts := make([]uint64, len(pubs))
	sent := d.counter(r)
	lim := d.limit(f.sc)
	var buf []byte
	var issued, next int64
	everyTick(ctx, rate, func(due int64) bool {
		if lim > 0 && due >= lim {
			due = lim
		}
		if due-issued > int64(rate)+1 {
			f.st.pacerBehind.Add(due - issued)
			issued = due
		}
		for ; issued < due && ctx.Err() == nil; issued++ {
			i := int(next % int64(len(pubs)))
			next++
			conn := pubs[i].conn.Load()
			if conn == nil {
				f.st.skippedSends.Add(1)
				continue
			}
			counts[i]++
			now := time.Now().UnixNano()
			buf = d.AppendCommand(buf[:0], r, pubs[i].idx, counts[i], now)
			if len(buf) == 0 {
				continue
			}
			switch d.idBase() { // ack latency is measured for comments and votes
			case 0:
				pubs[i].sentAt[counts[i]%ackRing].Store(now)
			case voteIDBase:
				pubs[i].polls.sentAt[counts[i]%ackRing].Store(now)
				pubs[i].polls.noteSent(counts[i], len(r.pollIDs()))
			}
			if err := conn.Write(f.writeCtx, websocket.MessageText, buf); err != nil {
				if !f.stopping.Load() {
					f.st.writeErrors.Add(1)
				}
				continue
			}
			sent.Add(1)
			f.st.sent.Add(1)
		}
		return lim <= 0 || issued < lim
	})
}

// everyTick calls tick every pacerTick until ctx ends or tick returns
// false, with how many actions are due at rate per second since it began.
func everyTick(ctx context.Context, rate float64, tick func(due int64) bool) {
	start := time.Now()
	t := time.NewTicker(pacerTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !tick(int64(rate * time.Since(start).Seconds())) {
			return
		}
	}
}
