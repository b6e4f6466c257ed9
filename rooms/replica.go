package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// ErrNewerRules is returned by a Replica that met an entry appended by an
// instance with newer room rules (Entry.Rules > RulesVersion): this
// instance must stop serving the room and close its clients with 1012, so
// that a rolling upgrade moves them to upgraded instances.
var ErrNewerRules = errors.New("rooms: the room's log holds entries of newer rules")

// replicaReadBatch is how many entries a replica reads from the log at once.
const replicaReadBatch = 512

// outcomesKept is how many entries back a replica keeps outcomes (and
// digests) for: an Append finds its entry's outcome even when thousands of
// others were applied while it waited for the log.
const outcomesKept = 4096

// Replica is one instance's copy of a room: a Machine kept in step with the
// room's Log. It applies entries strictly in log order, whether they come
// from its own appends, from the log's notifications (Receive) or from
// reading the log to fill a gap, and applies each exactly once.
//
// It keeps the room's newest durable events (a ring of Retained), so it can
// serve a client's resume (Since) without the log, and its snapshots carry
// that ring along with the state, so a replica opened from a snapshot serves
// the same window.
//
// Every method is safe for concurrent use.
type Replica struct {
	log      Log
	code     string
	retained int
	// emit receives every entry applied, in order, with the events it made
	// (for its own appends too), except those replayed while the replica
	// (re)loads; it runs under the replica's lock.
	emit func(m *Machine, e Entry, events []Event)
	// onResync runs under the lock after the replica rebuilt itself.
	onResync func(m *Machine)

	mu       sync.Mutex
	m        *Machine
	events   []Event // ring of retained, made at the first event: events[(seq-1) % retained]
	kept     int     // how many events the ring holds, up to retained
	outcomes map[uint64]Outcome
	// applied is a digest of each recent entry applied, by position: an
	// entry announced again at a position with other content proves that
	// the log lost what this replica applied (see Receive).
	applied map[uint64]uint64
	resyncs int
	// loading: the log is being replayed from the snapshot, where epochs
	// may change between entries; outside it, a newer epoch means the log
	// went backwards.
	loading bool
}

// ReplicaOptions configure OpenReplica.
type ReplicaOptions struct {
	// Retained is how many durable events the replica keeps for Since;
	// 0 means DefaultRetainedEvents.
	Retained int
	// Emit, when set, receives each applied entry with the events it made
	// and the machine after it (see Replica.emit). It may read the machine
	// and take its vote and results changes, but must not change it
	// otherwise, keep it, or call back into the replica.
	Emit func(m *Machine, e Entry, events []Event)
	// OnResync, when set, runs after the replica rebuilt itself from the
	// log because the log went backwards (a new epoch): whoever was sent
	// its events needs a fresh snapshot. Same rules as Emit.
	OnResync func(m *Machine)
}

// replicaSnapshot is what a replica saves as the log's snapshot: the
// machine and the newest events.
type replicaSnapshot struct {
	Machine json.RawMessage `json:"machine"`
	Events  []Event         `json:"events"`
}

// OpenReplica loads room code from log: the newest snapshot, then every
// entry after it.
func OpenReplica(ctx context.Context, log Log, code string, opts ReplicaOptions) (*Replica, error) {
	if opts.Retained <= 0 {
		opts.Retained = DefaultRetainedEvents
	}
	r := &Replica{log: log, code: code, retained: opts.Retained, emit: opts.Emit, onResync: opts.OnResync}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadLocked(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// loadLocked (re)builds the machine from the log's snapshot and tail.
func (r *Replica) loadLocked(ctx context.Context) error { return r.loadAttempt(ctx, 0) }

// loadAttempt is loadLocked's attempt number attempt (from 0).
func (r *Replica) loadAttempt(ctx context.Context, attempt int) error {
	snap, ok, err := r.log.Snapshot(ctx, r.code)
	if err != nil {
		return err
	}
	r.m, r.events, r.kept = NewMachine(r.code), nil, 0
	r.outcomes, r.applied = make(map[uint64]Outcome), make(map[uint64]uint64)
	if ok {
		if snap.Rules > RulesVersion {
			return ErrNewerRules
		}
		var rs replicaSnapshot
		if err := json.Unmarshal(snap.Data, &rs); err != nil {
			return fmt.Errorf("rooms: snapshot of %s: %w", r.code, err)
		}
		if r.m, err = RestoreMachine(rs.Machine); err != nil {
			return err
		}
		for _, ev := range rs.Events {
			r.keepLocked(ev)
		}
	}
	r.loading = true
	defer func() { r.loading = false }()
	err = r.catchUpLocked(ctx, ^uint64(0))
	if errors.Is(err, ErrLogTrimmed) && attempt < 3 {
		// A newer snapshot was saved, and the log trimmed, between reading
		// the snapshot and reading the log after it: load that one.
		return r.loadAttempt(ctx, attempt+1)
	}
	return err
}

// catchUpLocked applies the log's entries after the machine's position,
// up to and including position to (or to the log's end).
func (r *Replica) catchUpLocked(ctx context.Context, to uint64) error {
	for r.m.Pos() < to {
		es, err := r.log.Read(ctx, r.code, r.m.Pos(), replicaReadBatch)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		for _, e := range es {
			if e.Pos > to {
				return nil
			}
			if err := r.applyLocked(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyLocked applies the machine's next entry e.
func (r *Replica) applyLocked(ctx context.Context, e Entry) error {
	if e.Rules > RulesVersion {
		return ErrNewerRules
	}
	if !r.loading && r.m.Pos() > 0 && e.Epoch > r.m.Epoch() {
		// The log went backwards and started a new epoch, at this entry or
		// before it: what this replica applied past the log's end may be
		// gone. Rebuild from the log.
		return r.resyncLocked(ctx)
	}
	events, out := r.m.Apply(e)
	out.Events = events
	for _, ev := range events {
		if ev.Seq > 0 {
			r.keepLocked(ev)
		}
	}
	r.outcomes[e.Pos], r.applied[e.Pos] = out, entryDigest(e)
	if len(r.outcomes) > 2*outcomesKept {
		for p := range r.outcomes {
			if p+outcomesKept < e.Pos {
				delete(r.outcomes, p)
				delete(r.applied, p)
			}
		}
	}
	if r.emit != nil && !r.loading {
		r.emit(r.m, e, events)
	}
	return nil
}

// resyncLocked rebuilds the replica from the log after an epoch change.
func (r *Replica) resyncLocked(ctx context.Context) error {
	r.resyncs++
	if err := r.loadLocked(ctx); err != nil {
		return err
	}
	if r.onResync != nil {
		r.onResync(r.m)
	}
	return nil
}

// keepLocked adds a durable event to the ring.
func (r *Replica) keepLocked(ev Event) {
	if r.events == nil {
		r.events = make([]Event, r.retained)
	}
	r.events[(ev.Seq-1)%uint64(r.retained)] = ev
	r.kept = min(r.kept+1, r.retained)
}

// catchUpUnlocked is catchUpLocked for a replica that is serving: it
// releases the lock while it reads the log, so that commands and reads of
// the room do not wait behind a round trip to the log (Redis), and applies
// only what nobody else applied meanwhile. Called, and returns, with r.mu
// held.
func (r *Replica) catchUpUnlocked(ctx context.Context, to uint64) error {
	for r.m.Pos() < to {
		after, epoch := r.m.Pos(), r.m.Epoch()
		r.mu.Unlock()
		es, err := r.log.Read(ctx, r.code, after, replicaReadBatch)
		r.mu.Lock()
		switch {
		case errors.Is(err, ErrLogTrimmed) && r.m.Pos() > after:
			continue // a snapshot was saved and the log trimmed past what this replica applied meanwhile
		case errors.Is(err, ErrLogTrimmed):
			// Behind the log's snapshot (another instance saved it and
			// trimmed): reload from it.
			return r.resyncLocked(ctx)
		case err != nil:
			return err
		}
		if len(es) == 0 {
			return nil
		}
		if r.m.Epoch() != epoch {
			continue // rebuilt meanwhile: read again from where it is now
		}
		for _, e := range es {
			if e.Pos > to {
				return nil
			}
			if e.Pos <= r.m.Pos() {
				continue // applied meanwhile
			}
			if e.Pos != r.m.Pos()+1 {
				break
			}
			if err := r.applyLocked(ctx, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Append adds rec to the room's log and applies the log through it, and
// returns what it meant: the outcome of rec's entry, once this replica has
// applied it (with every entry before it). A refusal is the Outcome's Err,
// not an error; an error is a failure of the log (or ErrNewerRules).
func (r *Replica) Append(ctx context.Context, rec Record) (Entry, Outcome, error) {
	return r.append(ctx, rec, 0)
}

// append is Append, telling the log known instead of the replica's
// position when it is not 0 (LogDiverged).
func (r *Replica) append(ctx context.Context, rec Record, known uint64) (Entry, Outcome, error) {
	r.mu.Lock()
	epoch := r.m.Epoch()
	if known == 0 {
		known = r.m.Pos()
	}
	r.mu.Unlock()
	e, err := r.log.Append(ctx, r.code, RulesVersion, EncodeRecord(rec), epoch, known)
	if err != nil {
		return Entry{}, Outcome{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Epoch != r.m.Epoch() && e.Epoch > epoch {
		// The log lost entries this replica applied and started a new
		// epoch with this append: rebuild, which applies it.
		if err := r.resyncLocked(ctx); err != nil {
			return e, Outcome{}, err
		}
	} else if err := r.catchUpUnlocked(ctx, e.Pos); err != nil {
		return e, Outcome{}, err
	}
	out, ok := r.outcomes[e.Pos]
	if !ok || r.m.Epoch() != e.Epoch {
		return e, Outcome{}, fmt.Errorf("rooms: entry %d of %s was not applied (replica at %d)", e.Pos, r.code, r.m.Pos())
	}
	return e, out, nil
}

// Receive applies an entry the log announced (pub/sub), and any entry
// before it that this replica has not seen; an entry already applied is
// ignored.
func (r *Replica) Receive(ctx context.Context, e Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case e.Epoch == r.m.Epoch() && e.Pos <= r.m.Pos():
		if d, ok := r.applied[e.Pos]; ok && d != entryDigest(e) {
			// Another instance appended at a position this replica applied
			// with other content: the log lost entries (it appended knowing
			// less, so the log could not tell). Rebuild from the log, then
			// start a new epoch: this replica's clients were shown seqs and
			// ids of the lost entries, and one away now may come back with
			// a since the log will pass again.
			if err := r.resyncLocked(ctx); err != nil {
				return err
			}
			r.mu.Unlock()
			_, _, err := r.append(ctx, Record{Op: OpEpoch}, LogDiverged)
			r.mu.Lock()
			return err
		}
		return nil // applied already
	case e.Epoch == r.m.Epoch() && e.Pos == r.m.Pos()+1:
		return r.applyLocked(ctx, e)
	case e.Epoch != r.m.Epoch() && e.Epoch < r.m.Epoch():
		return nil // from before a resync
	}
	// A gap, or a new epoch: the log has the rest.
	if e.Epoch != r.m.Epoch() {
		return r.resyncLocked(ctx)
	}
	return r.catchUpUnlocked(ctx, e.Pos)
}

// CatchUp applies every entry the log holds past the replica's position:
// for a replica that may have missed notifications (its subscription was
// lost, or it had none).
func (r *Replica) CatchUp(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.catchUpUnlocked(ctx, ^uint64(0))
}

// Since returns the durable events after seq, or ok false when they are
// no longer all kept (the client needs a snapshot).
func (r *Replica) Since(seq uint64) (events []Event, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	last := r.m.Seq()
	if seq > last || last-seq > uint64(r.kept) {
		return nil, false
	}
	out := make([]Event, 0, last-seq)
	for n := seq + 1; n <= last; n++ {
		out = append(out, r.events[(n-1)%uint64(r.retained)])
	}
	return out, true
}

// Read calls f with the machine under the replica's lock, for reading its
// state (f must not keep or change it).
func (r *Replica) Read(f func(m *Machine)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r.m)
}

// Resyncs is how many times the replica rebuilt itself after the log went
// backwards.
func (r *Replica) Resyncs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.resyncs
}

// SaveSnapshot saves the replica's state as the room's snapshot and trims
// the log through it: entries before a snapshot are never read again,
// since the snapshot carries the events window. It reports whether the
// log kept the snapshot (another replica may have saved a newer one).
func (r *Replica) SaveSnapshot(ctx context.Context) (bool, error) {
	r.mu.Lock()
	st := r.m.state() // encoded after the lock: most of a snapshot's cost
	var rs replicaSnapshot
	if n := r.kept; n > 0 {
		last := r.m.Seq()
		for s := last - uint64(n) + 1; s <= last; s++ {
			rs.Events = append(rs.Events, r.events[(s-1)%uint64(r.retained)])
		}
	}
	snap := Snapshot{Pos: r.m.Pos(), Epoch: r.m.Epoch(), Rules: RulesVersion}
	r.mu.Unlock()
	rs.Machine = encodeMachineState(st)
	data, err := json.Marshal(rs)
	if err != nil {
		return false, err
	}
	snap.Data = data
	saved, err := r.log.SaveSnapshot(ctx, r.code, snap)
	if err != nil || !saved {
		return saved, err
	}
	return true, r.log.Trim(ctx, r.code, snap.Pos)
}

// entryDigest is an FNV-1a digest of an entry's time and data.
func entryDigest(e Entry) uint64 {
	h := uint64(14695981039346656037)
	for i := range 8 {
		h = (h ^ uint64(byte(e.Time>>(8*i)))) * 1099511628211
	}
	for _, b := range e.Data {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return h
}
