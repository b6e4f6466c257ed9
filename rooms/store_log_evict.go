package rooms

import "time"

// ReplicaIdle is how long a room's replica stays in memory after its last
// use when no client of this instance follows it. A room with clients here
// is read at every reaction flush and stays; an idle one costs its whole
// state in memory (every question, comment and ballot), which a server up
// for months would otherwise hold for every room it ever opened. An
// evicted room is opened again from its snapshot and log on its next use.
const ReplicaIdle = 10 * time.Minute

// used marks lr as used now, for EvictIdle.
func (s *LogStore) used(lr *logRoom) { lr.lastUsed.Store(s.now().UnixNano()) }

// EvictIdle drops the replicas of the rooms that no client of this
// instance follows and that were not used since before, and returns how
// many it dropped. The scheduled deletions of evicted rooms stay known
// (DueDeletions). The Service's minute sweep calls it with ReplicaIdle.
func (s *LogStore) EvictIdle(before time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for code, lr := range s.rooms {
		select {
		case <-lr.ready:
		default:
			continue // being opened
		}
		if lr.follows > 0 || lr.lastUsed.Load() >= before.UnixNano() {
			continue
		}
		delete(s.rooms, code)
		n++
	}
	return n
}

// Open reports how many rooms have a replica in memory.
func (s *LogStore) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}
