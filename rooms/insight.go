package rooms

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// insightRecorder buffers who this instance sees in each room (joined,
// active, and from which address group) until the next reaction flush adds
// it to the store in one round trip (Service.flushInsight): a map update
// per command, never a store call, and nothing on the broadcast path. The
// interactions themselves are counted by the room's rules as they apply
// them (machine_insight.go), once for every instance.
type insightRecorder struct {
	mu      sync.Mutex
	pending map[string]*InsightDelta
}

func newInsightRecorder() *insightRecorder {
	return &insightRecorder{pending: make(map[string]*InsightDelta)}
}

// deltaLocked returns room's pending delta, made when missing. r.mu is held.
func (r *insightRecorder) deltaLocked(room string) *InsightDelta {
	d := r.pending[room]
	if d == nil {
		d = &InsightDelta{}
		r.pending[room] = d
	}
	return d
}

// see records that participant was in room at minute; active: it
// interacted.
func (r *insightRecorder) see(room, participant string, minute int64, active bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.deltaLocked(room)
	if d.Seen == nil {
		d.Seen = make(map[string]int64)
	}
	if _, ok := d.Seen[participant]; !ok {
		d.Seen[participant] = minute
	}
	if active {
		if d.Active == nil {
			d.Active = make(map[string]struct{})
		}
		d.Active[participant] = struct{}{}
	}
}

// seeAddr records that participant joined room from the address group
// of hash addr.
func (r *insightRecorder) seeAddr(room, participant, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.deltaLocked(room)
	if d.Addrs == nil {
		d.Addrs = make(map[string]string)
	}
	d.Addrs[participant] = addr
}

// take returns the pending deltas and starts new ones.
func (r *insightRecorder) take() map[string]*InsightDelta {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return nil
	}
	p := r.pending
	r.pending = make(map[string]*InsightDelta, len(p))
	return p
}

// restore puts deltas the store did not take back, to try again.
func (r *insightRecorder) restore(deltas map[string]*InsightDelta) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for room, old := range deltas {
		d := r.deltaLocked(room)
		for p, m := range old.Seen {
			if d.Seen == nil {
				d.Seen = make(map[string]int64)
			}
			if cur, ok := d.Seen[p]; !ok || m < cur {
				d.Seen[p] = m
			}
		}
		for p, a := range old.Addrs {
			if d.Addrs == nil {
				d.Addrs = make(map[string]string)
			}
			if _, newer := d.Addrs[p]; !newer {
				d.Addrs[p] = a
			}
		}
		for p := range old.Active {
			if d.Active == nil {
				d.Active = make(map[string]struct{})
			}
			d.Active[p] = struct{}{}
		}
	}
}

// flushInsight adds what this instance buffered to the store, in one
// round trip; on failure it stays buffered for the next flush.
func (s *Service) flushInsight(ctx context.Context) error {
	deltas := s.insight.take()
	if len(deltas) == 0 {
		return nil
	}
	if err := s.store.AddInsight(ctx, deltas); err != nil {
		s.insight.restore(deltas)
		return err
	}
	return nil
}

// minuteOf is the Unix minute of t.
func minuteOf(t time.Time) int64 { return t.Unix() / 60 }

// joined records that an audience member joined a room.
func (s *Service) joined(actor Actor) {
	if actor.Role == RoleAudience {
		s.insight.see(actor.Room, actor.Participant, minuteOf(s.cfg.Now()), false)
		if actor.Addr != "" {
			s.insight.seeAddr(actor.Room, actor.Participant, actor.Addr)
		}
	}
}

// observe updates what the Service records after a command of actor it
// applied (ack): an audience participant who asks, upvotes, votes,
// comments or reacts is active; closing a room, or changing how long it is
// kept, schedules its deletion.
func (s *Service) observe(ctx context.Context, actor Actor, cmd Command, ack Ack) {
	active := false
	switch cmd.Type {
	case TypeAsk, TypeUpvote, TypeVote, TypeComment, TypeReact:
		active = true
	case TypeRoomSet:
		if ack.Seq != 0 && (cmd.Closed != nil || cmd.RetentionDays != nil) {
			if err := s.scheduleDeletion(ctx, actor.Room); err != nil {
				s.log.Warn("room deletion not scheduled", zap.String("room", actor.Room), zap.Error(err))
			}
		}
	}
	if actor.Role == RoleAudience {
		s.insight.see(actor.Room, actor.Participant, minuteOf(s.cfg.Now()), active)
	}
}

// RecordPresence gives the store each room's connected count across all
// instances (the totals of a presence report): the current and peak
// figures, the minute's most, and the present of the polls open in the
// room. The hub calls it after every presence report (once per second),
// so an open poll's present follows the room even when the count holds
// still: one pipelined round trip for all of the instance's rooms.
func (s *Service) RecordPresence(ctx context.Context, totals map[string]int) {
	if len(totals) == 0 {
		return
	}
	if err := s.store.RecordPresence(ctx, totals, s.cfg.Now().UnixMilli()); err != nil {
		s.log.Warn("presence figures not recorded", zap.Error(err))
	}
}
