package rooms

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// insightRecorder buffers what this instance sees happen, per room, until
// the next reaction flush adds it to the store in one round trip
// (Service.flushInsight): counting costs a map update per command, never a
// store call, and nothing on the broadcast path.
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

// see records that participant ("": a staff member, who is not counted as
// a participant) was in room at minute; active: it interacted; kind ≥ 0:
// one interaction of that kind counted.
func (r *insightRecorder) see(room, participant string, minute int64, active bool, kind int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.deltaLocked(room)
	if kind >= 0 {
		d.addCount(minute, kind, 1)
	}
	if participant == "" {
		return
	}
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

// addCount adds n interactions of kind at minute.
func (d *InsightDelta) addCount(minute int64, kind int, n int64) {
	if d.Counts == nil {
		d.Counts = make(map[int64]InsightCounts)
	}
	c := d.Counts[minute]
	c[kind] += n
	d.Counts[minute] = c
}

// reactions records the reactions a flush at now counted, per room.
func (r *insightRecorder) reactions(counted map[string]Reactions, now time.Time) {
	minute, second := now.Unix()/60, now.Unix()
	r.mu.Lock()
	defer r.mu.Unlock()
	for room, rs := range counted {
		var n int64
		for _, c := range rs {
			n += c
		}
		if n == 0 {
			continue
		}
		d := r.deltaLocked(room)
		d.addCount(minute, InsightReactions, n)
		if d.ReactionSeconds == nil {
			d.ReactionSeconds = make(map[int64]int64)
		}
		d.ReactionSeconds[second] += n
	}
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
		for m, c := range old.Counts {
			for k, n := range c {
				if n != 0 {
					d.addCount(m, k, n)
				}
			}
		}
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
		for sec, n := range old.ReactionSeconds {
			if d.ReactionSeconds == nil {
				d.ReactionSeconds = make(map[int64]int64)
			}
			d.ReactionSeconds[sec] += n
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
		s.insight.see(actor.Room, actor.Participant, minuteOf(s.cfg.Now()), false, -1)
		if actor.Addr != "" {
			s.insight.seeAddr(actor.Room, actor.Participant, actor.Addr)
		}
	}
}

// observe updates the insight figures after a command of actor the
// Service applied (ack): one place for every kind of interaction.
func (s *Service) observe(ctx context.Context, actor Actor, cmd Command, ack Ack) {
	active, kind := false, -1
	switch cmd.Type {
	case TypeAsk:
		active = true
		if ack.Seq != 0 {
			kind = InsightQuestions
		}
	case TypeUpvote:
		active = true
		if ack.counted {
			kind = InsightUpvotes
		}
	case TypeVote:
		active = true
		if ack.Changed != nil && *ack.Changed {
			kind = InsightBallots
		}
	case TypeComment:
		active = true
		if ack.Seq != 0 {
			kind = InsightComments
		}
	case TypeReact:
		active = true // reactions are counted when flushed
	case TypePollCreate, TypePollSet, TypePollDelete:
		s.observePoll(ctx, actor.Room, cmd, ack)
	case TypeRoomSet:
		if ack.Seq != 0 && (cmd.Closed != nil || cmd.RetentionDays != nil) {
			if err := s.scheduleDeletion(ctx, actor.Room); err != nil {
				s.log.Warn("room deletion not scheduled", zap.String("room", actor.Room), zap.Error(err))
			}
		}
	}
	participant := actor.Participant
	if actor.Role != RoleAudience {
		participant = "" // staff interactions count; staff are not participants
	}
	if participant != "" || kind >= 0 {
		s.insight.see(actor.Room, participant, minuteOf(s.cfg.Now()), active, kind)
	}
}

// observePoll tells the store when a poll opens or stops being open, so
// that presence reports raise the poll's present while it is open.
func (s *Service) observePoll(ctx context.Context, room string, cmd Command, ack Ack) {
	var err error
	switch {
	case cmd.Type == TypePollCreate && cmd.State == PollOpen && ack.Poll != "":
		err = s.store.PollOpened(ctx, room, ack.Poll)
	case cmd.Type == TypePollSet && ack.Seq != 0 && cmd.State == PollOpen:
		err = s.store.PollOpened(ctx, room, cmd.Poll)
	case cmd.Type == TypePollSet && ack.Seq != 0 && cmd.State == PollClosed:
		err = s.store.PollClosed(ctx, room, cmd.Poll, false)
	case cmd.Type == TypePollDelete:
		err = s.store.PollClosed(ctx, room, cmd.Poll, true)
	}
	if err != nil {
		s.log.Warn("poll figures not updated", zap.String("room", room), zap.String("poll", cmd.Poll), zap.Error(err))
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
