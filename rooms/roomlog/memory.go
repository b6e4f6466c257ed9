package roomlog

import (
	"context"
	"sync"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// Memory is a rooms.Log held in the process: for tests, and for a server
// run without a data directory. Nothing survives the process.
type Memory struct {
	mu     sync.Mutex
	rooms  map[string]*memoryRoom
	epochs epochClock
	now    func() int64 // Unix ms
}

// memoryRoom is one room's log: entries[i] is at position first+i.
type memoryRoom struct {
	epoch   uint64
	first   uint64
	entries []rooms.Entry
	snap    rooms.Snapshot
	hasSnap bool
}

func (r *memoryRoom) last() uint64 { return r.first + uint64(len(r.entries)) - 1 }

// NewMemory returns an empty log.
func NewMemory() *Memory {
	return NewMemoryWithClock(func() int64 { return time.Now().UnixMilli() })
}

// NewMemoryWithClock returns an empty log that stamps entries with now
// (Unix ms; never going back, as with every log): for tests that set the
// time of each command.
func NewMemoryWithClock(now func() int64) *Memory {
	return &Memory{rooms: make(map[string]*memoryRoom), now: now}
}

// Rooms lists the rooms that have a log, in no order.
func (m *Memory) Rooms(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.rooms))
	for code := range m.rooms {
		out = append(out, code)
	}
	return out, nil
}

// Create implements rooms.Log.
func (m *Memory) Create(_ context.Context, room string, rules uint32, data []byte) (rooms.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rooms[room] != nil {
		return rooms.Entry{}, rooms.ErrRoomExists
	}
	r := &memoryRoom{epoch: m.epochs.next(0), first: 1}
	m.rooms[room] = r
	return r.append(rules, data, m.now()), nil
}

// Append implements rooms.Log.
func (m *Memory) Append(_ context.Context, room string, rules uint32, data []byte, epoch, known uint64) (rooms.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return rooms.Entry{}, rooms.ErrRoomNotFound
	}
	if wentBackwards(r.epoch, r.last(), epoch, known) {
		r.epoch = m.epochs.next(r.epoch)
	}
	return r.append(rules, data, m.now()), nil
}

func (r *memoryRoom) append(rules uint32, data []byte, now int64) rooms.Entry {
	var prev int64
	if n := len(r.entries); n > 0 {
		prev = r.entries[n-1].Time
	}
	e := rooms.Entry{
		Pos:   r.last() + 1,
		Time:  stampTime(now, prev),
		Epoch: r.epoch,
		Rules: rules,
		Data:  append([]byte(nil), data...),
	}
	r.entries = append(r.entries, e)
	return e
}

// Read implements rooms.Log.
func (m *Memory) Read(_ context.Context, room string, after uint64, max int) ([]rooms.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return nil, rooms.ErrRoomNotFound
	}
	if after+1 < r.first {
		return nil, rooms.ErrLogTrimmed
	}
	if after >= r.last() || max <= 0 {
		return nil, nil
	}
	from := after + 1 - r.first
	to := min(from+uint64(max), uint64(len(r.entries)))
	return append([]rooms.Entry(nil), r.entries[from:to]...), nil
}

// Snapshot implements rooms.Log.
func (m *Memory) Snapshot(_ context.Context, room string) (rooms.Snapshot, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return rooms.Snapshot{}, false, rooms.ErrRoomNotFound
	}
	return r.snap, r.hasSnap, nil
}

// SaveSnapshot implements rooms.Log.
func (m *Memory) SaveSnapshot(_ context.Context, room string, snap rooms.Snapshot) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return false, rooms.ErrRoomNotFound
	}
	if !newerSnapshot(snap, r.snap, r.hasSnap, r.last()) {
		return false, nil
	}
	snap.Data = append([]byte(nil), snap.Data...)
	r.snap, r.hasSnap = snap, true
	return true, nil
}

// Trim implements rooms.Log.
func (m *Memory) Trim(_ context.Context, room string, through uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		return rooms.ErrRoomNotFound
	}
	if !r.hasSnap {
		return nil
	}
	through = min(through, r.snap.Pos)
	if through < r.first {
		return nil
	}
	drop := through + 1 - r.first
	r.entries = append([]rooms.Entry(nil), r.entries[drop:]...)
	r.first = through + 1
	return nil
}

// Delete implements rooms.Log.
func (m *Memory) Delete(_ context.Context, room string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rooms, room)
	return nil
}
