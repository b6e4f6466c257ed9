package rooms

import (
	"context"
	"maps"
	"slices"
)

// AddInsight implements InsightStore. The log's machine counts every
// interaction itself as it applies it (Machine.Insight), so of a delta it
// takes only the participants: those seen (who may have joined without
// acting) and those active (reactions reach the log in batches, without
// their senders). One entry per room with any.
func (s *LogStore) AddInsight(ctx context.Context, deltas map[string]*InsightDelta) error {
	for code, d := range deltas {
		if len(d.Seen) == 0 && len(d.Active) == 0 && len(d.Addrs) == 0 {
			continue
		}
		active := slices.Sorted(maps.Keys(d.Active))
		if _, err := s.apply(ctx, code, Record{Op: OpSeen, Seen: d.Seen, Active: active, Addrs: d.Addrs}); err != nil && !isRefusal(err) {
			return err
		}
	}
	return nil
}

// RecordPresence implements InsightStore: one entry per room.
func (s *LogStore) RecordPresence(ctx context.Context, counts map[string]int, _ int64) error {
	for code, n := range counts {
		if _, err := s.apply(ctx, code, Record{Op: OpPresence, Connected: int64(n)}); err != nil && !isRefusal(err) {
			return err
		}
	}
	return nil
}

// Insight implements InsightStore.
func (s *LogStore) Insight(ctx context.Context, code string) (in Insight, err error) {
	err = s.read(ctx, code, func(m *Machine) { in = m.Insight() })
	return in, err
}

// ScheduleDeletion implements InsightStore.
func (s *LogStore) ScheduleDeletion(ctx context.Context, code string, closedAt, deleteAt int64) error {
	// Applying it sets the room's expiry on the log too (noteDeletion).
	_, err := s.apply(ctx, code, Record{Op: OpSchedule, ClosedAt: closedAt, DeleteAt: deleteAt})
	return err
}

// DueDeletions implements InsightStore. The first call opens every room
// of a log that lists them (RoomLister), so rooms scheduled before this
// process started are found too.
func (s *LogStore) DueDeletions(ctx context.Context, now int64) ([]string, error) {
	if err := s.openAll(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []string
	for code, at := range s.due {
		if at <= now {
			due = append(due, code)
		}
	}
	slices.Sort(due)
	return due, nil
}

// openAll opens every room of the log once, when the log lists them.
func (s *LogStore) openAll(ctx context.Context) error {
	s.mu.Lock()
	listed := s.listed
	s.mu.Unlock()
	lister, ok := s.log.(RoomLister)
	if listed || !ok {
		return nil
	}
	codes, err := lister.Rooms(ctx)
	if err != nil {
		return err
	}
	for _, code := range codes {
		if _, err := s.room(ctx, code); err != nil && !isRefusal(err) {
			return err
		}
	}
	s.mu.Lock()
	s.listed = true
	s.mu.Unlock()
	return nil
}

// DeleteRoom implements InsightStore.
func (s *LogStore) DeleteRoom(ctx context.Context, code string, dueBy int64) (bool, error) {
	lr, err := s.room(ctx, code)
	if isRefusal(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if dueBy > 0 {
		var at int64
		lr.replica.Read(func(m *Machine) { at = s.dueAt(m) })
		if at == 0 || at > dueBy {
			return false, nil
		}
	}
	if err := s.log.Delete(ctx, code); err != nil {
		return false, err
	}
	s.forget(code, lr)
	return true, nil
}
