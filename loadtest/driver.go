package loadtest

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// A Driver generates one kind of interaction (comments, reactions; later
// questions, upvotes, votes) at a steady rate in every room. The fleet runs
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
	// 1), created at unix time now (ns), to dst.
	AppendCommand(dst []byte, pub int, n uint64, now int64) []byte
	// CarriesID reports whether each command carries "id": n, so that its
	// ack (and latency) or error can be matched to it.
	CarriesID() bool
	// counter is the room's count of commands sent.
	counter(r *room) *atomic.Int64
}

// Drivers are the interaction kinds the harness knows, in report order.
var Drivers = []Driver{commentDriver{}, reactDriver{}}

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
func (commentDriver) AppendCommand(dst []byte, pub int, n uint64, now int64) []byte {
	dst = append(dst, `{"type":"comment","text":"lt `...)
	dst = strconv.AppendInt(dst, now, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(pub), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","cid":"lt-`...)
	dst = strconv.AppendInt(dst, int64(pub), 10)
	dst = append(dst, '-')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","id":`...)
	dst = strconv.AppendUint(dst, n, 10)
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
func (reactDriver) AppendCommand(dst []byte, pub int, n uint64, now int64) []byte {
	dst = append(dst, `{"type":"react","kind":"`...)
	dst = append(dst, reactKinds[n%uint64(len(reactKinds))]...)
	return append(dst, `"}`...)
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
	var buf []byte
	var issued, next int64
	start := time.Now()
	t := time.NewTicker(pacerTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		due := int64(rate * time.Since(start).Seconds())
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
			buf = d.AppendCommand(buf[:0], pubs[i].idx, counts[i], now)
			if d.CarriesID() {
				pubs[i].sentAt[counts[i]%ackRing].Store(now)
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
	}
}
