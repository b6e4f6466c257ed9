package hub

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// room is one room's local fan-out: the clients of this instance in the
// room, and a worker goroutine that takes the room's events from the broker
// in order and queues each to every member. It exists while the room has
// local members.
//
// Ordering: the worker delivers durable events strictly by seq. An event
// that skips ahead means the broker lost something: the worker fetches the
// missing events from the store first. Events at or below the delivered seq
// are duplicates and dropped.
type room struct {
	hub  *Hub
	code string
	done chan struct{} // closed when the room is removed from the hub

	mu      sync.RWMutex
	members []*client
	present int // members with counted set: the room's presence on this instance

	inboxMu sync.Mutex
	inbox   []rooms.Event
	spare   []rooms.Event
	lost    bool // the inbox overflowed since the worker last looked
	wake    chan struct{}

	ready chan struct{} // closed once subscribed and the starting seq is read

	// Owned by the worker goroutine.
	seq      uint64
	seqKnown bool // false while the store could not tell the starting seq

	quiz quizTimers // owned by the worker goroutine

	presenceSent int // owned by the hub's presence ticker

	countersMu     sync.Mutex
	reactionsSent  rooms.Reactions // totals in the last reactions event
	reactionsKnown bool            // reactionsSent holds the baseline
	votesSent      uint64          // vote version of the last votes event
	votesKnown     bool            // votesSent holds the baseline
	resultsSent    uint64          // results version of the last results events
	resultsKnown   bool            // resultsSent holds the baseline
}

func newRoom(h *Hub, code string) *room {
	return &room{hub: h, code: code, done: make(chan struct{}), ready: make(chan struct{}), wake: make(chan struct{}, 1), presenceSent: -1}
}

// receive is the broker handler: it queues ev for the worker without blocking.
func (r *room) receive(ev rooms.Event) {
	r.inboxMu.Lock()
	if len(r.inbox) >= r.hub.cfg.RoomInbox {
		r.lost = true
		r.hub.metrics.inboxDrops.Inc()
	} else {
		r.inbox = append(r.inbox, ev)
	}
	r.inboxMu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run is the room's worker; it returns when the room is removed.
//
// Start-up order matters: it subscribes first, and reads the room's seq only
// once the subscription is active; members start their catch-up only after
// that (they wait for ready). So every event is either at or below the
// starting seq, and then in every member's catch-up, or above it and
// delivered by the broker (or refetched when the broker loses it).
func (r *room) run(ctx context.Context) {
	unsubscribe, ok := r.subscribe(ctx)
	if !ok {
		return
	}
	defer unsubscribe()
	seq, err := r.hub.svc.Seq(ctx, r.code)
	if err != nil {
		r.hub.log.Warn("room seq unknown; trusting the first event", zap.String("room", r.code), zap.Error(err))
	}
	r.seq, r.seqKnown = seq, err == nil
	if totals, err := r.hub.svc.ReactionTotals(ctx, r.code); err == nil {
		r.setReactionBaseline(totals)
	} else {
		r.hub.log.Warn("room reaction totals unknown", zap.String("room", r.code), zap.Error(err))
	}
	if votes, err := r.hub.svc.CurrentVotes(ctx, r.code); err == nil {
		r.setVotesBaseline(votes.Version)
	} else {
		r.hub.log.Warn("room vote version unknown", zap.String("room", r.code), zap.Error(err))
	}
	if results, err := r.hub.svc.CurrentResults(ctx, r.code); err == nil {
		r.setResultsBaseline(results.Version)
	} else {
		r.hub.log.Warn("room results version unknown", zap.String("room", r.code), zap.Error(err))
	}
	close(r.ready)
	defer r.stopQuizTimer()
	r.startQuizzes(ctx)
	for {
		select {
		case <-r.done:
			return
		case <-r.quizTimerC():
			r.expireQuizzes(ctx)
			continue
		case <-r.wake:
		}
		r.inboxMu.Lock()
		batch := r.inbox
		r.inbox = r.spare[:0]
		lost := r.lost
		r.lost = false
		r.inboxMu.Unlock()

		for i := range batch {
			r.process(ctx, &batch[i])
		}
		if lost {
			r.fill(ctx, 0)
		}
		clear(batch)
		r.inboxMu.Lock()
		r.spare = batch
		r.inboxMu.Unlock()
	}
}

// subscribe subscribes to the room's channel, retrying with backoff until
// it succeeds or the room is removed.
func (r *room) subscribe(ctx context.Context) (func(), bool) {
	backoff := 50 * time.Millisecond
	for {
		unsubscribe, err := r.hub.broker.Subscribe(ctx, r.code, r.receive)
		if err == nil {
			return unsubscribe, true
		}
		r.hub.log.Warn("room subscription failed; retrying", zap.String("room", r.code), zap.Error(err))
		select {
		case <-r.done:
			return nil, false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// awaitReady waits until the room's worker is subscribed and knows its
// starting seq; false when that took longer than timeout.
func (r *room) awaitReady(timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-r.ready:
		return true
	case <-t.C:
		return false
	}
}

func (r *room) process(ctx context.Context, ev *rooms.Event) {
	if ev.Internal() {
		r.handleInternal(ctx, ev)
		return
	}
	if ev.Seq != 0 {
		if r.seqKnown && ev.Seq <= r.seq {
			return // a member's catch-up, or an earlier fill, sent it
		}
		if r.seqKnown && ev.Seq > r.seq+1 {
			r.fill(ctx, ev.Seq-1)
		}
		r.seq, r.seqKnown = ev.Seq, true
	}
	r.fanout(ev)
	if ev.Seq != 0 {
		r.afterPollEvent(ctx, ev)
	}
}

// fill fetches from the store the durable events after the delivered seq,
// up to upTo (0: all there are), and delivers them. If the store no longer
// holds them, every member is closed with 1012 to resume with since.
func (r *room) fill(ctx context.Context, upTo uint64) {
	events, ok, err := r.hub.svc.Since(ctx, r.code, r.seq)
	if err != nil || !ok {
		r.hub.log.Warn("room lost events it cannot refetch; members will resume",
			zap.String("room", r.code), zap.Uint64("seq", r.seq), zap.Error(err))
		r.closeAll(websocket.StatusServiceRestart, "missed events: reconnect with since")
		if upTo > 0 {
			r.seq = upTo
		}
		return
	}
	for i := range events {
		ev := &events[i]
		if ev.Seq <= r.seq || (upTo > 0 && ev.Seq > upTo) {
			continue
		}
		r.hub.metrics.gapsFilled.Inc()
		r.seq = ev.Seq
		r.fanout(ev)
		r.afterPollEvent(ctx, ev)
	}
}

// fanout queues ev to every member: the same bytes for everyone of an
// audience, no encoding and no allocation per member.
func (r *room) fanout(ev *rooms.Event) {
	r.fanoutEach(ev, nil)
}

// fanoutEach is fanout with the event of each member chosen by pick (nil:
// ev for every member); pick runs with the room's members read-locked.
func (r *room) fanoutEach(ev *rooms.Event, pick func(c *client) *rooms.Event) {
	now := time.Now()
	n := 0
	var frames *frameOnce
	if pick == nil {
		frames = new(frameOnce) // each audience's frame built once, for its quiet clients
	}
	r.mu.RLock()
	for _, c := range r.members {
		e := ev
		if pick != nil {
			e = pick(c)
		}
		if c.deliverFramed(e, now, frames) {
			n++
		}
	}
	r.mu.RUnlock()
	m := r.hub.metrics
	m.broadcasts.Inc()
	m.delivered.Add(float64(n))
	if ev.At > 0 {
		m.broadcastLatency.Observe(time.Since(time.Unix(0, ev.At)).Seconds())
	}
}

func (r *room) handleInternal(ctx context.Context, ev *rooms.Event) {
	switch ev.Type {
	case rooms.EventResync:
		// The broker (re)subscribed: fetch what was published meanwhile.
		if r.seqKnown {
			r.fill(ctx, 0)
		}
		return
	case rooms.EventRoomDeleted:
		r.closeAll(rooms.CloseRoomDeleted, "room deleted")
		return
	case rooms.EventUpgrade:
		r.closeAll(websocket.StatusServiceRestart, "the room runs newer rules: reconnect")
		return
	case rooms.EventKeys:
		r.closeRotated(ev)
		return
	case rooms.EventBan:
	default:
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range r.members {
		if c.actor.Participant == ev.Participant {
			c.closeWith(4003, "banned")
		}
	}
}

func (r *room) closeAll(code websocket.StatusCode, reason string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range r.members {
		c.closeWith(code, reason)
	}
}

// add and remove change membership; the hub calls them under its mutex.
func (r *room) add(c *client) {
	r.mu.Lock()
	c.roomIndex = len(r.members)
	r.members = append(r.members, c)
	if c.counted {
		r.present++
	}
	r.mu.Unlock()
}

// remove takes c out and reports how many members remain.
func (r *room) remove(c *client) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := len(r.members) - 1
	moved := r.members[last]
	r.members[c.roomIndex] = moved
	moved.roomIndex = c.roomIndex
	r.members[last] = nil
	r.members = r.members[:last]
	if c.counted {
		r.present--
	}
	return len(r.members)
}

// size is how many clients are in the room.
func (r *room) size() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.members)
}

// audience is how many clients count in the room's presence: audience
// participants, not staff, not displays.
func (r *room) audience() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.present
}

// presenceEvent encodes the ephemeral `presence` event.
func presenceEvent(count int) []byte {
	b := make([]byte, 0, 40)
	b = append(b, `{"type":"presence","count":`...)
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, '}')
}

// sendPresence queues a presence event through the worker when the room's
// total changed since the last one. Called once per presenceInterval.
func (r *room) sendPresence(total int) {
	if total == r.presenceSent {
		return
	}
	r.presenceSent = total
	r.receive(rooms.Event{Type: rooms.EventPresence, Data: presenceEvent(total)})
}
