package rooms

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSnapshotEvery is how many entries a room's log grows by between
// the snapshots a LogStore saves (and trims the log through).
const DefaultSnapshotEvery = 4096

// LogStore is the Store over a Log: each room is a Replica (a Machine
// kept in step with the room's log), every change is one Record appended
// to the log, and every read is of the replica. The rules live once, in
// Machine.Apply; the store only turns Store calls into records and
// outcomes back into results.
//
// The events of an entry are published as the replica applies it, under
// its lock, so publish order is seq order: the durable ones, and the
// internal ones (a ban, which closes the participant's connections). When
// several instances share the log (Redis), each follows the rooms its
// clients are in (Follow, Receive) and publishes to its own clients only,
// and catches up with the log before every read.
//
// Votes and ballots make no durable event: the store keeps, per room, a
// version that grows with every entry that changed a count, and which
// questions and polls changed at which version, for VoteChanges and
// ResultsChanges.
type LogStore struct {
	log           Log
	pub           Publisher
	shared        bool // other instances append to the log too
	retained      int
	snapshotEvery uint64
	caps          RoomCaps
	idleExpiry    time.Duration // 0: idle rooms are kept
	now           func() time.Time

	mu    sync.Mutex
	rooms map[string]*logRoom // open replicas, and those being opened
	// due is each open room's scheduled deletion (Unix ms), for
	// DueDeletions; listed marks that every room of the log was opened.
	due    map[string]int64
	listed bool
}

// logRoom is one open room of a LogStore.
type logRoom struct {
	ready   chan struct{} // closed once replica or err is set
	replica *Replica
	err     error

	// Under the replica's lock (written in emit, read through Read):
	votes    changeLog // questions whose count changed, by version
	results  changeLog // polls whose tally changed, by version
	deleteAt int64     // the deletion (scheduled or idle) s.due was last told of

	snapPos  atomic.Uint64 // the position of the last snapshot saved
	snapping sync.Mutex    // one snapshot of the room at a time

	lastUsed atomic.Int64 // Unix ns of the last lookup (EvictIdle)
	follows  int          // this instance's followers (Follow); under the store's lock
}

// changeLog is a room's version of one kind of coalesced counter and the
// version at which each item last changed. Versions are log positions, so
// a replica opened again after EvictIdle goes on from where the one before
// it left off, and a caller's version stays valid.
type changeLog struct {
	version uint64
	changed map[string]uint64
}

// changedAfter reports whether item id changed after version v.
func (c *changeLog) changedAfter(id string, v uint64) bool {
	at, ok := c.changed[id]
	return ok && at > v
}

// eachSince calls f, under each room's replica lock, for every room of
// since that exists, with the version given for it: f reports what changed
// after it.
func (s *LogStore) eachSince(ctx context.Context, since map[string]uint64, f func(code string, lr *logRoom, m *Machine, v uint64)) error {
	for code, v := range since {
		lr, err := s.room(ctx, code)
		if isRefusal(err) {
			continue // gone: left out
		}
		if err != nil {
			return err
		}
		lr.replica.Read(func(m *Machine) { f(code, lr, m, v) })
	}
	return nil
}

// mark notes that ids changed at the entry at position pos.
func (c *changeLog) mark(ids []string, pos uint64) {
	if len(ids) == 0 {
		return
	}
	c.version = max(c.version+1, pos)
	if c.changed == nil {
		c.changed = make(map[string]uint64)
	}
	for _, id := range ids {
		c.changed[id] = c.version
	}
}

// LogStoreOptions configure NewLogStore.
type LogStoreOptions struct {
	// Retained is how many durable events each room keeps for Since;
	// 0: DefaultRetainedEvents.
	Retained int
	// SnapshotEvery is how many entries a room's log grows by between
	// snapshots; 0: DefaultSnapshotEvery.
	SnapshotEvery int
	// Shared: other instances append to the log too (Redis). Reads then
	// catch up with the log first.
	Shared bool
	// Caps bound what one room holds; zero fields: DefaultMaxQuestions,
	// DefaultMaxComments, DefaultMaxPolls. They are stamped on the entries
	// this store appends (Record.Cap).
	Caps RoomCaps
	// IdleExpiry: an open room whose last activity (Machine.LastActive)
	// is older than this is due for deletion (DueDeletions); 0: never.
	IdleExpiry time.Duration
}

// RoomLister is a Log that can list its rooms; a LogStore over one finds
// every room's scheduled deletion (DueDeletions), also of rooms it has not
// opened since it started.
type RoomLister interface {
	Rooms(ctx context.Context) ([]string, error)
}

// NewLogStore returns a Store over log that publishes durable events on
// pub.
func NewLogStore(log Log, pub Publisher, opts LogStoreOptions) *LogStore {
	if opts.Retained <= 0 {
		opts.Retained = DefaultRetainedEvents
	}
	if opts.SnapshotEvery <= 0 {
		opts.SnapshotEvery = DefaultSnapshotEvery
	}
	return &LogStore{
		log: log, pub: pub, shared: opts.Shared, retained: opts.Retained, snapshotEvery: uint64(opts.SnapshotEvery), now: time.Now,
		caps: opts.Caps.withDefaults(), idleExpiry: max(opts.IdleExpiry, 0),
		rooms: make(map[string]*logRoom), due: make(map[string]int64),
	}
}

// room returns room code's open replica, opening it from the log the
// first time. ErrRoomNotFound when the log has no such room.
func (s *LogStore) room(ctx context.Context, code string) (*logRoom, error) {
	s.mu.Lock()
	lr := s.rooms[code]
	if lr == nil {
		// deleteAt -1: the first noteDeletion tells s.due, also when the
		// room has no deletion (a stale entry from before an eviction goes).
		lr = &logRoom{ready: make(chan struct{}), deleteAt: -1}
		s.rooms[code] = lr
		s.mu.Unlock()
		lr.replica, lr.err = OpenReplica(ctx, s.log, code, ReplicaOptions{
			Retained: s.retained,
			Emit:     func(m *Machine, e Entry, events []Event) { s.emit(lr, m, e, events) },
			OnResync: func(m *Machine) { s.resynced(lr, m) },
		})
		if lr.err == nil {
			lr.replica.Read(func(m *Machine) {
				lr.snapPos.Store(m.Pos())
				lr.votes.version, lr.results.version = m.Pos(), m.Pos()
				if !m.Created() {
					lr.err = ErrRoomNotFound
				}
				s.noteDeletion(lr, m)
			})
		}
		if lr.err != nil {
			s.mu.Lock()
			delete(s.rooms, code)
			s.mu.Unlock()
		}
		close(lr.ready)
	} else {
		s.mu.Unlock()
		<-lr.ready
	}
	if lr.err != nil {
		return nil, lr.err
	}
	s.used(lr)
	return lr, nil
}

// emit runs for every entry a room's replica applies, under its lock:
// it publishes the entry's durable events and notes what changed.
func (s *LogStore) emit(lr *logRoom, m *Machine, e Entry, events []Event) {
	now := s.now().UnixNano()
	for _, ev := range events {
		ev.At = now
		s.pub.Publish(m.code, ev)
	}
	if vc := m.TakeVoteChanges(); len(vc) > 0 {
		ids := make([]string, len(vc))
		for i, c := range vc {
			ids[i] = c.ID
		}
		lr.votes.mark(ids, e.Pos)
	}
	if rc := m.TakeResultsChanges(); len(rc) > 0 {
		ids := make([]string, len(rc))
		for i, c := range rc {
			ids[i] = c.ID
		}
		lr.results.mark(ids, e.Pos)
	}
	s.noteDeletion(lr, m)
}

// resynced runs after a room's replica rebuilt itself because the log
// went backwards: the room's clients resume, and the seq jump of the new
// epoch (EpochSeqGap) gives each a fresh snapshot.
func (s *LogStore) resynced(lr *logRoom, m *Machine) {
	s.noteDeletion(lr, m)
	s.pub.Publish(m.code, Event{Type: EventResync, At: s.now().UnixNano()})
}

// noteDeletion keeps the room's deletion time for DueDeletions: the
// scheduled one of a closed room, or the idle expiry of an open one
// (IdleAt). On a log that drops rooms by itself (Expirer: Redis) it sets
// the same time there, so a room goes when it is due even if no instance
// has it open then. It runs under the room's replica lock after every
// entry, so it does either only when the time changed, which for the idle
// expiry (rounded up to the hour) is at most once an hour.
func (s *LogStore) noteDeletion(lr *logRoom, m *Machine) {
	at := m.DeleteAt()
	if at <= 0 {
		at = s.idleAt(m)
	}
	if at == lr.deleteAt {
		return
	}
	prev := lr.deleteAt
	lr.deleteAt = at
	if ex, ok := s.log.(Expirer); ok && (at > 0 || prev > 0) {
		ctx, cancel := context.WithTimeout(context.Background(), expireTimeout)
		err := ex.ExpireAt(ctx, m.code, max(at, 0))
		cancel()
		if err != nil {
			lr.deleteAt = -1 // the next entry tries again; the sweep deletes it meanwhile
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if at > 0 {
		s.due[m.code] = at
	} else {
		delete(s.due, m.code)
	}
}

// expireTimeout bounds setting a room's expiry on the log.
const expireTimeout = 2 * time.Second

// idleAt is when open room m expires for want of activity (Unix ms): its
// last activity plus the store's IdleExpiry, rounded up to the hour; 0
// for a closed room (its retention decides), without an idle expiry, or
// when the last activity is unknown (a snapshot of rules version 1, and
// nothing since: the next entry tells).
func (s *LogStore) idleAt(m *Machine) int64 {
	last := m.LastActive()
	if s.idleExpiry <= 0 || m.Room().Closed || last <= 0 {
		return 0
	}
	const hour = int64(time.Hour / time.Millisecond)
	at := last + s.idleExpiry.Milliseconds()
	return (at + hour - 1) / hour * hour
}

// dueAt is when room m is due for deletion: scheduled or idle; 0: never.
func (s *LogStore) dueAt(m *Machine) int64 {
	if at := m.DeleteAt(); at > 0 {
		return at
	}
	return s.idleAt(m)
}

// apply appends rec to room code's log and returns the outcome of its
// entry: a refusal as the error, a failure of the log as the error too.
func (s *LogStore) apply(ctx context.Context, code string, rec Record) (Outcome, error) {
	lr, err := s.room(ctx, code)
	if err != nil {
		return Outcome{}, err
	}
	e, out, err := lr.replica.Append(ctx, rec)
	if err != nil {
		if errors.Is(err, ErrRoomNotFound) {
			s.forget(code, lr)
		}
		return Outcome{}, err
	}
	if out.Err != nil {
		return out, out.Err
	}
	if e.Pos >= lr.snapPos.Load()+s.snapshotEvery {
		s.snapshot(ctx, lr)
	}
	return out, nil
}

// snapshot saves the room's snapshot and trims its log, unless another
// caller is doing it. A failure costs only log length: it is retried
// after the next entry.
func (s *LogStore) snapshot(ctx context.Context, lr *logRoom) {
	if !lr.snapping.TryLock() {
		return
	}
	defer lr.snapping.Unlock()
	var pos uint64
	lr.replica.Read(func(m *Machine) { pos = m.Pos() })
	if saved, err := lr.replica.SaveSnapshot(ctx); err == nil && saved {
		lr.snapPos.Store(pos)
	}
}

// forget drops an open room that the log no longer has.
func (s *LogStore) forget(code string, lr *logRoom) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms[code] == lr {
		delete(s.rooms, code)
	}
	delete(s.due, code)
}

// read calls f with room code's machine, caught up with the log first
// when other instances append to it: a command is checked against what
// the log holds, not against an announcement still on its way.
func (s *LogStore) read(ctx context.Context, code string, f func(m *Machine)) error {
	lr, err := s.room(ctx, code)
	if err != nil {
		return err
	}
	if s.shared {
		if err := lr.replica.CatchUp(ctx); err != nil {
			if errors.Is(err, ErrRoomNotFound) {
				s.forget(code, lr)
			}
			return err
		}
	}
	lr.replica.Read(f)
	return nil
}

// readFollowed calls f with room code's machine as this instance has it,
// without catching up with the log: for the rooms of this instance's
// clients, which the log's announcements keep current (FlushReactions'
// watched rooms at every flush, the epoch of a welcome just after its
// snapshot was read), where a round trip to Redis per call would be waste.
func (s *LogStore) readFollowed(ctx context.Context, code string, f func(m *Machine)) error {
	lr, err := s.room(ctx, code)
	if err != nil {
		return err
	}
	lr.replica.Read(f)
	return nil
}

// staff reports whether participant is the host's or a moderator's id.
func staff(participant string) bool {
	return participant == HostParticipant || participant == ModeratorParticipant
}

// firstEvent returns the first of events, or a zero Event.
func firstEvent(events []Event) Event {
	if len(events) == 0 {
		return Event{}
	}
	return events[0]
}

// CreateRoom implements Store.
func (s *LogStore) CreateRoom(ctx context.Context, rec RoomRecord) error {
	room := rec.Room
	keys := RoomKeys{Host: rec.HostKeyHash, Moderator: rec.ModeratorKeyHash}
	if _, err := s.log.Create(ctx, rec.Code, RulesVersion, EncodeRecord(Record{Op: OpCreate, Staff: true, Room: &room, Keys: &keys})); err != nil {
		return err
	}
	if _, ok := s.log.(Expirer); ok && s.idleExpiry > 0 {
		// Opening the room gives its keys their idle expiry at once
		// (noteDeletion): a room nobody ever joins goes too.
		if _, err := s.room(ctx, rec.Code); err != nil {
			return err
		}
	}
	return nil
}

// Room implements Store.
func (s *LogStore) Room(ctx context.Context, code string) (rec RoomRecord, err error) {
	err = s.read(ctx, code, func(m *Machine) { rec = m.Record() })
	return rec, err
}

// UpdateRoom implements Store.
func (s *LogStore) UpdateRoom(ctx context.Context, code string, patch RoomPatch) (Room, Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpRoomSet, Staff: true, Patch: &patch})
	if err != nil {
		return Room{}, Event{}, err
	}
	var room Room
	err = s.read(ctx, code, func(m *Machine) { room = m.Room() })
	return room, firstEvent(out.Events), err
}

// AddComment implements Store.
func (s *LogStore) AddComment(ctx context.Context, code string, c Comment, cid string) (Comment, Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpComment, Participant: c.Participant, Staff: staff(c.Participant), Author: c.Author, CID: cid, Text: c.Text, Cap: s.caps.Comments, Handle: c.Handle})
	if err != nil {
		return Comment{}, Event{}, err
	}
	return *out.Comment, firstEvent(out.Events), nil
}

// DeleteComment implements Store.
func (s *LogStore) DeleteComment(ctx context.Context, code, id, author string) (Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpCommentDelete, ID: id, Participant: author, Staff: author == ""})
	return firstEvent(out.Events), err
}

// Ban implements Store. target names the participant by an item it made
// (a question or comment id, a handle) or by its id; the machine resolves
// it (resolveAuthor), and the EventBan it publishes names the participant
// to the instances only.
func (s *LogStore) Ban(ctx context.Context, code, target string) error {
	_, err := s.apply(ctx, code, Record{Op: OpBan, Staff: true, ID: target})
	return err
}

// BanOptions are what a ban does besides barring the participant.
type BanOptions struct {
	// HidePosts hides its live and pending questions and deletes its
	// comments.
	HidePosts bool
	// CoverAddress refuses new participants from the address groups it
	// joined from, until the room is closed.
	CoverAddress bool
}

// BanResult is what a ban with options did.
type BanResult struct {
	Hidden  int  // questions hidden and comments deleted
	Covered bool // an address group of the participant was known and is covered
}

// BanWith bans participant with opts: one entry.
func (s *LogStore) BanWith(ctx context.Context, code, participant string, opts BanOptions) (BanResult, error) {
	out, err := s.apply(ctx, code, Record{Op: OpBan, Staff: true, ID: participant, HidePosts: opts.HidePosts, CoverAddress: opts.CoverAddress})
	return BanResult{Hidden: out.Hidden, Covered: opts.CoverAddress && out.Changed}, err
}

// AddressCovered reports whether a ban covered the address group whose
// keyed hash is addr, in room code.
func (s *LogStore) AddressCovered(ctx context.Context, code, addr string) (covered bool, err error) {
	err = s.read(ctx, code, func(m *Machine) { covered = m.AddressCovered(addr) })
	return covered, err
}

// IdleAt is when open room code will be deleted for want of activity
// (Unix ms); 0: it will not (closed, or no idle expiry).
func (s *LogStore) IdleAt(ctx context.Context, code string) (at int64, err error) {
	err = s.readFollowed(ctx, code, func(m *Machine) {
		if m.DeleteAt() <= 0 {
			at = s.idleAt(m)
		}
	})
	return at, err
}

// Banned implements Store.
func (s *LogStore) Banned(ctx context.Context, code, participant string) (banned bool, err error) {
	err = s.read(ctx, code, func(m *Machine) { banned = m.Banned(participant) })
	return banned, err
}

// AddReactions implements Store.
func (s *LogStore) AddReactions(ctx context.Context, code string, delta Reactions) (totals Reactions, err error) {
	if delta != (Reactions{}) {
		if _, err := s.apply(ctx, code, Record{Op: OpReact, Reactions: &delta}); err != nil && !isRefusal(err) {
			return Reactions{}, err
		}
	}
	err = s.read(ctx, code, func(m *Machine) { totals = m.Reactions() })
	return totals, err
}

// isRefusal reports whether err is a refusal of the rules, not a failure.
func isRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// FlushReactions implements Store: one entry per room with a delta.
func (s *LogStore) FlushReactions(ctx context.Context, deltas map[string]Reactions, watch []string) (map[string]Reactions, error) {
	totals := make(map[string]Reactions, len(deltas)+len(watch))
	for code, d := range deltas {
		t, err := s.AddReactions(ctx, code, d)
		switch {
		case err == nil:
			totals[code] = t
		case !isRefusal(err):
			return nil, err
		}
	}
	for _, code := range watch {
		if _, done := totals[code]; done {
			continue
		}
		var t Reactions
		err := s.readFollowed(ctx, code, func(m *Machine) { t = m.Reactions() })
		switch {
		case err == nil:
			totals[code] = t
		case !isRefusal(err):
			return nil, err
		}
	}
	return totals, nil
}

// Since implements Store.
func (s *LogStore) Since(ctx context.Context, code string, seq uint64) ([]Event, bool, error) {
	lr, err := s.room(ctx, code)
	if err != nil {
		return nil, false, err
	}
	events, ok := lr.replica.Since(seq)
	return events, ok, nil
}

// state reads the room's state at one seq; with questions and polls when
// asked.
func (s *LogStore) state(ctx context.Context, code string, comments int, questions, polls bool) (st State, err error) {
	err = s.read(ctx, code, func(m *Machine) {
		st = State{Seq: m.Seq(), Room: m.Room(), Comments: m.Comments(comments), Reactions: m.Reactions()}
		if questions {
			st.Questions = m.Questions()
		}
		if polls {
			st.Polls = m.Polls()
		}
	})
	return st, err
}

// State implements Store.
func (s *LogStore) State(ctx context.Context, code string, comments int) (State, error) {
	return s.state(ctx, code, comments, false, false)
}

// StateWithQuestions implements Store.
func (s *LogStore) StateWithQuestions(ctx context.Context, code string, comments int) (State, error) {
	return s.state(ctx, code, comments, true, false)
}

// StateWithPolls implements Store.
func (s *LogStore) StateWithPolls(ctx context.Context, code string, comments int) (State, error) {
	return s.state(ctx, code, comments, true, true)
}

// Seq implements Store.
func (s *LogStore) Seq(ctx context.Context, code string) (seq uint64, err error) {
	err = s.read(ctx, code, func(m *Machine) { seq = m.Seq() })
	return seq, err
}

// Epoch returns the epoch of room code's history (Entry.Epoch).
func (s *LogStore) Epoch(ctx context.Context, code string) (epoch uint64, err error) {
	err = s.readFollowed(ctx, code, func(m *Machine) { epoch = m.Epoch() })
	return epoch, err
}

// Ping implements Store: a log that answers a read is up.
func (s *LogStore) Ping(ctx context.Context) error {
	_, _, err := s.log.Snapshot(ctx, "ZZZZZZ")
	if errors.Is(err, ErrRoomNotFound) {
		return nil
	}
	return err
}
