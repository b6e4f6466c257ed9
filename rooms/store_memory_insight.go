package rooms

import (
	"context"
	"maps"
)

// memoryInsight is the insight of a memory room, guarded by the room's
// mutex.
type memoryInsight struct {
	seen            map[string]bool // participants ever seen
	active          map[string]bool // participants who interacted
	connected       int64
	peak, peakAt    int64
	minutes         map[int64]*InsightMinute
	reactionSeconds map[int64]int64
	pollPresent     map[string]int64
	open            map[string]bool // polls open, as PollOpened/PollClosed told
	closedAt        int64
	deleteAt        int64
}

func (in *memoryInsight) minute(m int64) *InsightMinute {
	if in.minutes == nil {
		in.minutes = make(map[int64]*InsightMinute)
	}
	im := in.minutes[m]
	if im == nil {
		im = new(InsightMinute)
		in.minutes[m] = im
	}
	return im
}

// AddInsight implements InsightStore.
func (s *MemoryStore) AddInsight(_ context.Context, deltas map[string]*InsightDelta) error {
	for code, d := range deltas {
		r, err := s.room(code)
		if err != nil {
			continue
		}
		r.mu.Lock()
		in := &r.insight
		for m, c := range d.Counts {
			im := in.minute(m)
			im.Counts = im.Counts.Add(c)
		}
		if in.seen == nil {
			in.seen, in.active = make(map[string]bool), make(map[string]bool)
			in.reactionSeconds = make(map[int64]int64)
		}
		for p, m := range d.Seen {
			if !in.seen[p] {
				in.seen[p] = true
				in.minute(m).Joined++
			}
		}
		for p := range d.Active {
			in.active[p] = true
		}
		for sec, n := range d.ReactionSeconds {
			in.reactionSeconds[sec] += n
		}
		r.mu.Unlock()
	}
	return nil
}

// RecordPresence implements InsightStore.
func (s *MemoryStore) RecordPresence(_ context.Context, counts map[string]int, now int64) error {
	for code, n := range counts {
		r, err := s.room(code)
		if err != nil {
			continue
		}
		c := int64(n)
		r.mu.Lock()
		in := &r.insight
		in.connected = c
		if c > in.peak {
			in.peak, in.peakAt = c, now
		}
		im := in.minute(now / 60000)
		im.Connected = max(im.Connected, c)
		for id := range in.open {
			if p := r.polls.polls[id]; p == nil || p.p.State != PollOpen {
				delete(in.open, id) // closed or deleted without PollClosed
				continue
			}
			in.pollPresent[id] = max(in.pollPresent[id], c)
		}
		r.mu.Unlock()
	}
	return nil
}

// PollOpened implements InsightStore.
func (s *MemoryStore) PollOpened(_ context.Context, code, id string) error {
	r, err := s.room(code)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	in := &r.insight
	if in.open == nil {
		in.open, in.pollPresent = make(map[string]bool), make(map[string]int64)
	}
	in.open[id] = true
	in.pollPresent[id] = max(in.pollPresent[id], in.connected)
	return nil
}

// PollClosed implements InsightStore.
func (s *MemoryStore) PollClosed(_ context.Context, code, id string, deleted bool) error {
	r, err := s.room(code)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.insight.open, id)
	if deleted {
		delete(r.insight.pollPresent, id)
	}
	return nil
}

// Insight implements InsightStore.
func (s *MemoryStore) Insight(_ context.Context, code string) (Insight, error) {
	r, err := s.room(code)
	if err != nil {
		return Insight{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	in := &r.insight
	out := Insight{
		Unique: int64(len(in.seen)), Active: int64(len(in.active)),
		Connected: in.connected, Peak: in.peak, PeakAt: in.peakAt,
		Minutes:         make(map[int64]InsightMinute, len(in.minutes)),
		ReactionSeconds: maps.Clone(in.reactionSeconds),
		PollPresent:     maps.Clone(in.pollPresent),
		ClosedAt:        in.closedAt, DeleteAt: in.deleteAt,
	}
	for m, im := range in.minutes {
		out.Minutes[m] = *im
	}
	if out.ReactionSeconds == nil {
		out.ReactionSeconds = map[int64]int64{}
	}
	if out.PollPresent == nil {
		out.PollPresent = map[string]int64{}
	}
	return out, nil
}

// ScheduleDeletion implements InsightStore.
func (s *MemoryStore) ScheduleDeletion(_ context.Context, code string, closedAt, deleteAt int64) error {
	r, err := s.room(code)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if deleteAt <= 0 {
		closedAt, deleteAt = 0, 0
	}
	r.insight.closedAt, r.insight.deleteAt = closedAt, deleteAt
	return nil
}

// DueDeletions implements InsightStore: a look at every room, which the
// Service's sweep does once a minute.
func (s *MemoryStore) DueDeletions(_ context.Context, now int64) ([]string, error) {
	s.mu.RLock()
	list := make(map[string]*memoryRoom, len(s.rooms))
	maps.Copy(list, s.rooms)
	s.mu.RUnlock()
	var due []string
	for code, r := range list {
		r.mu.Lock()
		if at := r.insight.deleteAt; at > 0 && at <= now {
			due = append(due, code)
		}
		r.mu.Unlock()
	}
	return due, nil
}

// DeleteRoom implements InsightStore.
func (s *MemoryStore) DeleteRoom(_ context.Context, code string, dueBy int64) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[code]
	if r == nil {
		return false, nil
	}
	if dueBy > 0 {
		r.mu.Lock()
		at := r.insight.deleteAt
		r.mu.Unlock()
		if at <= 0 || at > dueBy {
			return false, nil
		}
	}
	delete(s.rooms, code)
	return true, nil
}
