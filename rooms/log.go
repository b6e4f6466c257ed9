package rooms

import (
	"context"
	"errors"
)

// RulesVersion is the version of the room rules (Machine.Apply) this build
// runs. Every entry carries the version of the instance that appended it; a
// replica that meets an entry of a newer version stops serving the room and
// closes its clients with 1012, so a rolling upgrade moves rooms to the
// upgraded instances. Any change an older replica would misread (a new op,
// a new record field or encoding, a changed rule) takes the next version:
//   - 1: the first rules over the log;
//   - 2: binary records for upvote, unvote and vote (machine_record_binary.go);
//     the room's protections (name required, hold for newcomers, slow mode),
//     per-room caps, bans that hide posts and cover addresses, idle expiry
//     (machine_guard.go); item handles and bans by item (handles.go); key
//     rotation; the stage, run-of-show order, branding, own-question edits
//     and answer removal;
//   - 3: the run of show's steps in the rules (run_step: one atomic step
//     refused with conflict when the run moved; run_advance: a timed
//     quiz's own step after its pause), the quiz's "advance" pause, and
//     a timer's close that reveals such a quiz and sets its advances_at
//     (machine_runstep.go);
//   - 4: OpEpoch; a new epoch also skips EpochSeqGap question, comment and poll
//     numbers, so no id of the lost history is given to another item; the
//     room-wide ask rate as a rule (Record.AskRefill, machine_guard.go).
const RulesVersion uint32 = 4

// LogDiverged is the known of an Append from a replica that applied other
// content at a position the log holds: the log lost entries, so it starts
// a new epoch (if it has not already, since the caller read it).
const LogDiverged = ^uint64(0)

// Entry is one record of a room's log: a command that passed its
// pre-checks, stamped by the log when it was appended.
type Entry struct {
	// Pos is the entry's position in the room's log: 1 for the room's first
	// entry, then one more for each entry, without gaps. A new epoch
	// continues after the entries that survived, so (Epoch, Pos) names one
	// entry for good while Pos alone may be reused across epochs.
	Pos uint64
	// Time is when the log appended the entry, in Unix milliseconds, from
	// the log's one clock (Redis TIME; the instance's clock for the disk and
	// memory logs). The rules take every time from here.
	Time int64
	// Epoch is the generation of the room's history the entry belongs to. It
	// changes when the log went backwards (Redis lost acknowledged writes):
	// replicas that applied entries past the log's end, and their clients,
	// resynchronise from the log instead of silently diverging. Epochs only
	// grow.
	// Epochs are nonzero and below 2^53, so JSON clients keep them exact
	// (for example the epoch's start time in microseconds).
	Epoch uint64
	// Rules is the RulesVersion of the instance that appended the entry.
	Rules uint32
	// Data is the record, encoded by the rules; opaque to the log.
	Data []byte
}

// Snapshot is a room's state after one position of its log, encoded by the
// rules; opaque to the log except for its header.
type Snapshot struct {
	Pos   uint64 // the last entry folded into Data
	Epoch uint64 // the epoch of that entry
	Rules uint32 // the RulesVersion that wrote Data
	Data  []byte
}

// Refusals and failures of a Log.
var (
	// ErrLogTrimmed is returned by Read when entries after the asked
	// position are no longer kept: the reader needs the snapshot.
	ErrLogTrimmed = errors.New("rooms: log trimmed past the asked position")
)

// Log keeps each room's ordered log of entries and its newest snapshot.
// Rooms are named by their code. Every method is safe for concurrent use.
//
// Append and Create return only once the entry is as durable as the log
// promises (disk: synced, possibly in a group commit with other appends;
// Redis: accepted by Redis, durable with AOF). Refusals are *Error values
// (ErrRoomNotFound, ErrRoomExists); anything else is a failure of the log.
type Log interface {
	// Create starts the room's log with data as its first entry (Pos 1) in a
	// new epoch. It fails with ErrRoomExists when the room has a log.
	Create(ctx context.Context, room string, rules uint32, data []byte) (Entry, error)
	// Append adds data as the room's next entry and returns it stamped. It
	// fails with ErrRoomNotFound when the room has no log (never created, or
	// deleted). known is the newest position the caller's replica has
	// applied in epoch; when the log holds fewer entries than that in the
	// same epoch it went backwards, and the log starts a new epoch before
	// appending (LogDiverged: always, when epoch is the log's).
	Append(ctx context.Context, room string, rules uint32, data []byte, epoch, known uint64) (Entry, error)
	// Read returns up to max entries after position after, in order (fewer
	// when the log ends). It fails with ErrLogTrimmed when the entry at
	// after+1 is no longer kept, and ErrRoomNotFound when there is no log.
	// Entries of an older epoch that survived are returned as they are.
	Read(ctx context.Context, room string, after uint64, max int) ([]Entry, error)
	// Snapshot returns the room's newest snapshot; ok is false when none
	// is kept. ErrRoomNotFound when there is no log.
	Snapshot(ctx context.Context, room string) (snap Snapshot, ok bool, err error)
	// SaveSnapshot keeps snap when it is newer than the one kept (a higher
	// Pos, or a higher Epoch) and no newer than the log (its Pos is one the
	// log holds or held), and reports whether it did.
	SaveSnapshot(ctx context.Context, room string, snap Snapshot) (saved bool, err error)
	// Trim drops the room's entries at positions up to and including
	// through, but never one after the kept snapshot's Pos: entries past
	// it are needed to rebuild the room.
	Trim(ctx context.Context, room string, through uint64) error
	// Delete removes the room's log and snapshot. Deleting a room that has
	// no log is not an error.
	Delete(ctx context.Context, room string) error
}

// Expirer is a Log that can drop a room by itself at a time (Redis key
// expiry): a room due for deletion goes even when no instance is running
// then. The LogStore sets it whenever a room's deletion is scheduled.
type Expirer interface {
	// ExpireAt drops the room's log and snapshot at Unix ms at; 0 cancels.
	ExpireAt(ctx context.Context, room string, at int64) error
}
