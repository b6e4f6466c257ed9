package rooms

import (
	"context"
	"sync"
	"time"
)

// MemoryLog is a Log held in the process: for tests, and for a server
// run without a data directory. Nothing survives the process.
type MemoryLog struct {
	mu     sync.Mutex
	rooms  map[string]*memoryLogRoom
	epochs EpochClock
	now    func() int64 // Unix ms
}

// memoryLogRoom is one room's log: entries[i] is at position first+i.
type memoryLogRoom struct {
	epoch   uint64
	first   uint64
	entries []Entry
	snap    Snapshot
	hasSnap bool
}

func (r *memoryLogRoom) last() uint64 { return r.first + uint64(len(r.entries)) - 1 }

// NewMemory returns an empty log.
func NewMemoryLog() *MemoryLog {
	return NewMemoryLogWithClock(func() int64 { return time.Now().UnixMilli() })
}

// NewMemoryLogWithClock returns an empty log that stamps entries with now
// (Unix ms; never going back, as with every log): for tests that set the
// time of each command.
func NewMemoryLogWithClock(now func() int64) *MemoryLog {
	return &MemoryLog{rooms: make(map[string]*memoryLogRoom), now: now}
}

// Rooms lists the rooms that have a log, in no order.
func (m *MemoryLog) Rooms(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.rooms))
	for code := range m.rooms {
		out = append(out, code)
	}
	return out, nil
}

// Create implements Log.
func (m *MemoryLog) Create(_ context.Context, room string, rules uint32, data []byte) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rooms[room] != nil {
		return Entry{}, ErrRoomExists
	}
	r := &memoryLogRoom{epoch: m.epochs.Next(0), first: 1}
	m.rooms[room] = r
	return r.append(rules, data, m.now()), nil
}

// Append implements Log.
func (m *MemoryLog) Append(_ context.Context, room string, rules uint32, data []byte, epoch, known uint64) (Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return Entry{}, ErrRoomNotFound
	}
	if LogWentBackwards(r.epoch, r.last(), epoch, known) {
		r.epoch = m.epochs.Next(r.epoch)
	}
	return r.append(rules, data, m.now()), nil
}

func (r *memoryLogRoom) append(rules uint32, data []byte, now int64) Entry {
	var prev int64
	if n := len(r.entries); n > 0 {
		prev = r.entries[n-1].Time
	}
	e := Entry{
		Pos:   r.last() + 1,
		Time:  StampTime(now, prev),
		Epoch: r.epoch,
		Rules: rules,
		Data:  append([]byte(nil), data...),
	}
	r.entries = append(r.entries, e)
	return e
}

// Read implements Log.
func (m *MemoryLog) Read(_ context.Context, room string, after uint64, max int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return nil, ErrRoomNotFound
	}
	if after+1 < r.first {
		return nil, ErrLogTrimmed
	}
	if after >= r.last() || max <= 0 {
		return nil, nil
	}
	from := after + 1 - r.first
	to := min(from+uint64(max), uint64(len(r.entries)))
	return append([]Entry(nil), r.entries[from:to]...), nil
}

// Snapshot implements Log.
func (m *MemoryLog) Snapshot(_ context.Context, room string) (Snapshot, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return Snapshot{}, false, ErrRoomNotFound
	}
	return r.snap, r.hasSnap, nil
}

// SaveSnapshot implements Log.
func (m *MemoryLog) SaveSnapshot(_ context.Context, room string, snap Snapshot) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return false, ErrRoomNotFound
	}
	if !snap.Replaces(r.snap, r.hasSnap, r.last()) {
		return false, nil
	}
	snap.Data = append([]byte(nil), snap.Data...)
	r.snap, r.hasSnap = snap, true
	return true, nil
}

// Trim implements Log.
func (m *MemoryLog) Trim(_ context.Context, room string, through uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return ErrRoomNotFound
	}
	if !r.hasSnap {
		return nil
	}
	through = min(through, r.snap.Pos)
	if through < r.first {
		return nil
	}
	drop := through + 1 - r.first
	r.entries = append([]Entry(nil), r.entries[drop:]...)
	r.first = through + 1
	return nil
}

// Delete implements Log.
func (m *MemoryLog) Delete(_ context.Context, room string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rooms, room)
	return nil
}
