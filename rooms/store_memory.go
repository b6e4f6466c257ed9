package rooms

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// MemoryStore is the embedded Store: everything in this process's memory,
// for a single instance. Each room has its own mutex; a change, its seq, its
// log entry and its publication happen inside it.
type MemoryStore struct {
	pub      Publisher
	retained int

	mu    sync.RWMutex
	rooms map[string]*memoryRoom
}

type memoryRoom struct {
	mu  sync.Mutex
	rec RoomRecord
	seq uint64
	// log is a ring of the newest events, at most retained of them:
	// log[(seq-1)%retained] holds seq. It grows as events come, so an empty
	// room costs no ring (a full one of the default 2,000 is ~220 KiB).
	log       []Event
	logLen    int // how many entries of log are filled
	retained  int
	comments  []Comment
	commentAt map[string]int    // comment id → index in comments
	cids      map[string]string // participant "|" cid → comment id
	banned    map[string]bool
	reactions Reactions
	nextID    uint64
	qa        memoryQA    // questions: store_memory_qa.go
	polls     memoryPolls // polls: store_memory_polls.go

	// insight holds the figures and the retention (store_memory_insight.go).
	insight memoryInsight
}

// NewMemoryStore returns an empty store that keeps the newest retained
// events of each room and publishes every durable event on pub.
func NewMemoryStore(pub Publisher, retained int) *MemoryStore {
	if retained <= 0 {
		retained = DefaultRetainedEvents
	}
	return &MemoryStore{pub: pub, retained: retained, rooms: make(map[string]*memoryRoom)}
}

func (s *MemoryStore) room(code string) (*memoryRoom, error) {
	s.mu.RLock()
	r := s.rooms[code]
	s.mu.RUnlock()
	if r == nil {
		return nil, ErrRoomNotFound
	}
	return r, nil
}

// CreateRoom implements Store.
func (s *MemoryStore) CreateRoom(_ context.Context, rec RoomRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.rooms[rec.Code]; taken {
		return ErrRoomExists
	}
	s.rooms[rec.Code] = &memoryRoom{
		rec:       rec,
		retained:  s.retained,
		commentAt: make(map[string]int),
		cids:      make(map[string]string),
		banned:    make(map[string]bool),
	}
	return nil
}

// Room implements Store.
func (s *MemoryStore) Room(_ context.Context, code string) (RoomRecord, error) {
	r, err := s.room(code)
	if err != nil {
		return RoomRecord{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec, nil
}

// UpdateRoom implements Store.
func (s *MemoryStore) UpdateRoom(_ context.Context, code string, patch RoomPatch) (Room, Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Room{}, Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.Room = patch.Apply(r.rec.Room)
	seq := r.seq + 1
	ev := s.appendLocked(r, Event{Seq: seq, Type: EventRoom, Data: roomEvent(seq, r.rec.Room)})
	return r.rec.Room, ev, nil
}

// AddComment implements Store.
func (s *MemoryStore) AddComment(_ context.Context, code string, c Comment, cid string) (Comment, Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Comment{}, Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := postAllowed(r.rec.Room, r.banned[c.Participant]); err != nil {
		return Comment{}, Event{}, err
	}
	if !r.rec.Comments {
		return Comment{}, Event{}, errCommentsOff
	}
	cidKey := c.Participant + "|" + cid
	if cid != "" {
		if id, seen := r.cids[cidKey]; seen {
			if i, ok := r.commentAt[id]; ok {
				return r.comments[i], Event{}, nil
			}
			return Comment{ID: id}, Event{}, nil // made, then deleted
		}
	}
	r.nextID++
	c.ID = "c" + strconv.FormatUint(r.nextID, 10)
	if cid != "" {
		r.cids[cidKey] = c.ID
	}
	r.commentAt[c.ID] = len(r.comments)
	r.comments = append(r.comments, c)
	seq := r.seq + 1
	ev := s.appendLocked(r, commentEvent(seq, c))
	return c, ev, nil
}

// DeleteComment implements Store.
func (s *MemoryStore) DeleteComment(_ context.Context, code, id, author string) (Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.commentAt[id]
	if !ok {
		return Event{}, ErrCommentNotFound
	}
	if author != "" && r.comments[i].Participant != author {
		return Event{}, ErrNotAuthor
	}
	delete(r.commentAt, id)
	r.comments = append(r.comments[:i], r.comments[i+1:]...)
	for j := i; j < len(r.comments); j++ {
		r.commentAt[r.comments[j].ID] = j
	}
	seq := r.seq + 1
	return s.appendLocked(r, Event{Seq: seq, Type: EventCommentDeleted, Data: commentDeletedEvent(seq, id)}), nil
}

// Ban implements Store.
func (s *MemoryStore) Ban(_ context.Context, code, participant string) error {
	r, err := s.room(code)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.banned[participant] = true
	return nil
}

// Banned implements Store.
func (s *MemoryStore) Banned(_ context.Context, code, participant string) (bool, error) {
	r, err := s.room(code)
	if err != nil {
		return false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.banned[participant], nil
}

// AddReactions implements Store.
func (s *MemoryStore) AddReactions(_ context.Context, code string, delta Reactions) (Reactions, error) {
	r, err := s.room(code)
	if err != nil {
		return Reactions{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reactions = r.reactions.Add(delta)
	return r.reactions, nil
}

// FlushReactions implements Store.
func (s *MemoryStore) FlushReactions(ctx context.Context, deltas map[string]Reactions, watch []string) (map[string]Reactions, error) {
	totals := make(map[string]Reactions, len(deltas)+len(watch))
	for code, d := range deltas {
		if t, err := s.AddReactions(ctx, code, d); err == nil {
			totals[code] = t
		}
	}
	for _, code := range watch {
		if _, done := totals[code]; done {
			continue
		}
		if t, err := s.AddReactions(ctx, code, Reactions{}); err == nil {
			totals[code] = t
		}
	}
	return totals, nil
}

// Since implements Store.
func (s *MemoryStore) Since(_ context.Context, code string, seq uint64) ([]Event, bool, error) {
	r, err := s.room(code)
	if err != nil {
		return nil, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq > r.seq || r.seq-seq > uint64(r.logLen) {
		return nil, false, nil
	}
	events := make([]Event, 0, r.seq-seq)
	for n := seq + 1; n <= r.seq; n++ {
		events = append(events, r.log[(n-1)%uint64(r.retained)])
	}
	return events, true, nil
}

// State implements Store.
func (s *MemoryStore) State(_ context.Context, code string, comments int) (State, error) {
	r, err := s.room(code)
	if err != nil {
		return State{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	from := max(0, len(r.comments)-comments)
	return State{
		Seq:       r.seq,
		Room:      r.rec.Room,
		Comments:  append([]Comment(nil), r.comments[from:]...),
		Reactions: r.reactions,
	}, nil
}

// Seq implements Store.
func (s *MemoryStore) Seq(_ context.Context, code string) (uint64, error) {
	r, err := s.room(code)
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq, nil
}

// Ping implements Store; memory is always there.
func (s *MemoryStore) Ping(context.Context) error { return nil }

// appendLocked makes ev the room's next event: it stamps it, puts it in the
// log, advances seq and publishes it. r.mu is held, so publish order is seq order.
func (s *MemoryStore) appendLocked(r *memoryRoom, ev Event) Event {
	ev.At = time.Now().UnixNano()
	r.seq = ev.Seq
	if len(r.log) < r.retained {
		r.log = append(r.log, ev) // seq n is entry n-1 until the ring is full
	} else {
		r.log[(ev.Seq-1)%uint64(r.retained)] = ev
	}
	r.logLen = min(r.logLen+1, r.retained)
	if s.pub != nil {
		s.pub.Publish(r.rec.Code, ev)
	}
	return ev
}

// postAllowed refuses posts to closed rooms and from banned participants.
func postAllowed(r Room, banned bool) error {
	if banned {
		return ErrBanned
	}
	if r.Closed {
		return ErrRoomClosed
	}
	return nil
}

var errCommentsOff = &Error{Code: CodeForbidden, Message: "comments are turned off in this room"}
