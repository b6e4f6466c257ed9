package hub

import (
	"context"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// Presence sums each room's connections over every instance serving it.
type Presence interface {
	// Report records this instance's connection count per room (a room
	// whose last local client left is reported once with 0) and returns the
	// total across live instances of every room reported.
	Report(ctx context.Context, local map[string]int) (map[string]int, error)
	// Count returns one room's total across live instances.
	Count(ctx context.Context, room string) (int, error)
}

// LocalPresence is the Presence of a single instance: a room's total is its
// local count. Count is answered from the last Report.
type LocalPresence struct{ hub *Hub }

// Report implements Presence.
func (LocalPresence) Report(_ context.Context, local map[string]int) (map[string]int, error) {
	return local, nil
}

// Count implements Presence.
func (p LocalPresence) Count(_ context.Context, room string) (int, error) {
	return p.hub.localCount(room), nil
}

// reportPresence reports the local counts and queues a `presence` event to
// every local room whose total changed. Called once per presenceInterval.
func (h *Hub) reportPresence() {
	h.mu.Lock()
	list := make([]*room, 0, len(h.rooms))
	local := make(map[string]int, len(h.rooms)+len(h.emptied))
	for code := range h.emptied {
		local[code] = 0
	}
	clear(h.emptied)
	for code, r := range h.rooms {
		list = append(list, r)
		local[code] = r.size()
	}
	h.mu.Unlock()
	if len(local) == 0 {
		return
	}
	totals, err := h.presence.Report(h.ctx, local)
	if err != nil {
		h.log.Warn("presence not reported", zap.Error(err))
		return
	}
	for _, r := range list {
		if n, ok := totals[r.code]; ok {
			r.sendPresence(n)
		}
	}
}

// flushReactions adds this instance's summed reactions to the store and
// sends every local room the totals and the change since the last event it
// sent there. Called once per reaction flush interval.
func (h *Hub) flushReactions() {
	list := h.roomList()
	codes := make([]string, len(list))
	for i, r := range list {
		codes[i] = r.code
	}
	totals, err := h.svc.FlushReactions(h.ctx, codes)
	if err != nil {
		h.log.Warn("reactions not flushed", zap.Error(err))
		return
	}
	now := time.Now().UnixNano()
	for _, r := range list {
		if t, ok := totals[r.code]; ok {
			r.sendReactions(t, now)
		}
	}
}

// flushVotes reads, in one round trip, the upvote counts that changed in the
// local rooms since the vote version each last sent, and queues a `votes`
// event to each such room: all changed counts for staff, those of
// questions the audience may see for everyone else. Called once per vote
// flush interval, so a room gets at most that many votes events.
func (h *Hub) flushVotes() {
	list := h.roomList()
	since := make(map[string]uint64, len(list))
	for _, r := range list {
		if v, ok := r.votesVersion(); ok {
			since[r.code] = v
		}
	}
	if len(since) == 0 {
		return
	}
	changes, err := h.svc.FlushVotes(h.ctx, since)
	if err != nil {
		h.log.Warn("votes not flushed", zap.Error(err))
		return
	}
	now := time.Now().UnixNano()
	for _, r := range list {
		if ch, ok := changes[r.code]; ok {
			r.sendVotes(ch, now)
		}
	}
}

// Presence returns how many people are connected to a room across all
// instances (0 when it cannot be told).
func (h *Hub) Presence(ctx context.Context, code string) int {
	n, err := h.presence.Count(ctx, code)
	if err != nil {
		h.log.Warn("presence unknown", zap.String("room", code), zap.Error(err))
	}
	return n
}

// localCount returns how many clients this instance has in a room.
func (h *Hub) localCount(code string) int {
	h.mu.Lock()
	r := h.rooms[code]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	return r.size()
}

// roomList returns the local rooms.
func (h *Hub) roomList() []*room {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		list = append(list, r)
	}
	return list
}

// sendReactions queues a `reactions` event when the room's totals moved
// since the last one this instance sent. The first totals after the room's
// start only set the baseline (its clients got them in their snapshots).
func (r *room) sendReactions(totals rooms.Reactions, at int64) {
	r.countersMu.Lock()
	if !r.reactionsKnown || totals == r.reactionsSent {
		r.countersMu.Unlock()
		return
	}
	delta := totals.Sub(r.reactionsSent)
	r.reactionsSent = totals
	r.countersMu.Unlock()
	r.receive(rooms.Event{Type: rooms.EventReactions, Data: rooms.ReactionsEvent(totals, delta), At: at})
}

// votesVersion returns the vote version the room's clients are at; false
// until the worker has read the starting one.
func (r *room) votesVersion() (uint64, bool) {
	r.countersMu.Lock()
	defer r.countersMu.Unlock()
	return r.votesSent, r.votesKnown
}

// sendVotes queues the `votes` event of changes and advances the room's
// vote version.
func (r *room) sendVotes(ch rooms.VoteChanges, at int64) {
	r.countersMu.Lock()
	if !r.votesKnown || ch.Version <= r.votesSent {
		r.countersMu.Unlock()
		return
	}
	r.votesSent = ch.Version
	r.countersMu.Unlock()
	staff := rooms.VotesEvent(ch.Counts, true)
	if staff == nil {
		return
	}
	r.receive(rooms.Event{Type: rooms.EventVotes, Data: rooms.VotesEvent(ch.Counts, false), Staff: staff, At: at})
}

// setVotesBaseline records the vote version the room's clients start from.
func (r *room) setVotesBaseline(version uint64) {
	r.countersMu.Lock()
	r.votesSent, r.votesKnown = version, true
	r.countersMu.Unlock()
}

// setReactionBaseline records the totals the room's clients start from.
func (r *room) setReactionBaseline(totals rooms.Reactions) {
	r.countersMu.Lock()
	r.reactionsSent, r.reactionsKnown = totals, true
	r.countersMu.Unlock()
}
