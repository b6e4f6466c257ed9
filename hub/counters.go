package hub

import (
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// Coalesced counters: reactions and upvote counts change far more often than
// anyone needs to see them, so each instance reads the room-wide values a
// few times per second (one store round trip for all its rooms) and sends
// each local room one event with what changed since the last it sent there.
// A room's worker reads the starting values (the baseline its members'
// snapshots already carry) before members catch up.

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

// flushResults reads, in one round trip, the poll tallies that changed in
// the local rooms since the results version each last sent, and queues a
// `results` event per changed poll: to staff always, to everyone else only
// when the poll's results are revealed. Called once per vote flush
// interval, so a poll's results go out at most that often.
func (h *Hub) flushResults() {
	list := h.roomList()
	since := make(map[string]uint64, len(list))
	for _, r := range list {
		if v, ok := r.resultsVersion(); ok {
			since[r.code] = v
		}
	}
	if len(since) == 0 {
		return
	}
	changes, err := h.svc.FlushResults(h.ctx, since)
	if err != nil {
		h.log.Warn("results not flushed", zap.Error(err))
		return
	}
	now := time.Now().UnixNano()
	for _, r := range list {
		if ch, ok := changes[r.code]; ok {
			r.sendResults(ch, now)
		}
	}
}

// resultsEvent is the `results` event of one poll: staff always receive
// it, everyone else only when the poll's results are revealed.
func resultsEvent(res rooms.PollResult, at int64) rooms.Event {
	b := rooms.ResultsEvent(res)
	ev := rooms.Event{Type: rooms.EventResults, Staff: b, At: at}
	if res.Revealed {
		ev.Data = b
	}
	return ev
}

// resultsVersion returns the results version the room's clients are at;
// false until the worker has read the starting one.
func (r *room) resultsVersion() (uint64, bool) {
	r.countersMu.Lock()
	defer r.countersMu.Unlock()
	return r.resultsSent, r.resultsKnown
}

// sendResults queues the `results` events of changes and advances the
// room's results version.
func (r *room) sendResults(ch rooms.ResultsChanges, at int64) {
	r.countersMu.Lock()
	if !r.resultsKnown || ch.Version <= r.resultsSent {
		r.countersMu.Unlock()
		return
	}
	r.resultsSent = ch.Version
	r.countersMu.Unlock()
	for _, res := range ch.Results {
		r.receive(resultsEvent(res, at))
	}
}

// setResultsBaseline records the results version the room's clients start from.
func (r *room) setResultsBaseline(version uint64) {
	r.countersMu.Lock()
	r.resultsSent, r.resultsKnown = version, true
	r.countersMu.Unlock()
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
