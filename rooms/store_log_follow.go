package rooms

import "context"

// Rooms whose log several instances share (Redis) change under a replica
// without its knowing: each instance follows the rooms its clients are in,
// applying the entries the log announces (Receive), so their events reach
// its clients as they happen.

// Follow opens room code's replica and brings it up to date; Receive, the
// log's announcements (which the caller subscribed to before calling
// Follow), keep it so, and its events flowing to this instance's clients.
// A followed room's replica is never evicted (EvictIdle) until Unfollow.
func (s *LogStore) Follow(ctx context.Context, code string) error {
	lr, err := s.room(ctx, code)
	if err != nil {
		return err
	}
	if err := lr.replica.CatchUp(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	lr.follows++
	s.mu.Unlock()
	return nil
}

// Unfollow undoes one Follow of room code: once no client of this
// instance is in the room, its replica may be evicted when idle.
func (s *LogStore) Unfollow(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lr := s.rooms[code]; lr != nil && lr.follows > 0 {
		lr.follows--
	}
}

// Receive applies an entry the log announced for room code (and any entry
// before it the replica missed). Rooms not open here are left alone: they
// are read from the log when needed.
func (s *LogStore) Receive(ctx context.Context, code string, e Entry) error {
	if lr := s.opened(code); lr != nil {
		return lr.replica.Receive(ctx, e)
	}
	return nil
}

// CatchUp applies every entry of room code's log that its replica has not:
// after a follower's subscription was lost and restored.
func (s *LogStore) CatchUp(ctx context.Context, code string) error {
	if lr := s.opened(code); lr != nil {
		return lr.replica.CatchUp(ctx)
	}
	return nil
}

// opened returns room code if it is open here (waiting for an opening in
// progress), or nil.
func (s *LogStore) opened(code string) *logRoom {
	s.mu.Lock()
	lr := s.rooms[code]
	s.mu.Unlock()
	if lr == nil {
		return nil
	}
	<-lr.ready
	if lr.err != nil {
		return nil
	}
	return lr
}

// Forget drops room code's replica after another instance deleted the
// room's log: the room is read from the log (and not found) from now on.
func (s *LogStore) Forget(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.rooms, code)
	delete(s.due, code)
}
