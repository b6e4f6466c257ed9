package rooms

import (
	"context"
	"time"
)

// Publisher delivers an event to every instance that serves the room. It
// must not block: implementations hand the event to bounded, per-room
// ordered queues. Publish order per room is delivery order.
type Publisher interface {
	Publish(room string, ev Event)
}

// State is a consistent picture of a room at one seq, for snapshots.
type State struct {
	Seq       uint64
	Room      Room
	Comments  []Comment // the newest ones, oldest first
	Reactions Reactions
	// Questions is filled only by QuestionStore.StateWithQuestions: every
	// question, with Participant, ordered by question number.
	Questions []Question
	// Polls is filled only by PollStore.StateWithPolls: every poll, with
	// Correct and its tally, ordered by poll number.
	Polls []PollState
}

// Store keeps rooms. Each method that changes durable state appends one
// record to the room's log; the room's replica applies it (Machine.Apply),
// which assigns the room's next seqs and publishes the events in seq order
// (LogStore, the one implementation).
//
// Methods return *Error refusals (ErrRoomNotFound, ErrBanned, ...) for bad
// requests and other errors for failures of the store itself. Every method is
// safe for concurrent use.
type Store interface {
	// QuestionStore holds the Q&A methods (qa_store.go).
	QuestionStore
	// PollStore holds the poll methods (poll_store.go).
	PollStore
	// InsightStore holds the figures and the room's lifetime (insight_store.go).
	InsightStore
	// PollBallotsStore lists every ballot, for the export (poll_ballots.go).
	PollBallotsStore
	// QuestionEditor edits an author's own question (question_edit.go).
	QuestionEditor
	// AnswerRemover takes an answer out of a poll (poll_answer_remove.go).
	AnswerRemover

	// CreateRoom adds a room; ErrRoomExists when the code is taken.
	CreateRoom(ctx context.Context, rec RoomRecord) error
	// Room returns the room's settings and key hashes.
	Room(ctx context.Context, code string) (RoomRecord, error)
	// UpdateRoom applies patch and emits a `room` event.
	UpdateRoom(ctx context.Context, code string, patch RoomPatch) (Room, Event, error)

	// AddComment stores c under the next comment id and emits a `comment`
	// event. It refuses with ErrBanned when c.Participant is banned, ErrRoomClosed
	// when the room is closed, and a forbidden error when comments are off.
	// When cid is not empty and the participant already made a comment with
	// it, it returns that comment and a zero Event instead.
	AddComment(ctx context.Context, code string, c Comment, cid string) (Comment, Event, error)
	// DeleteComment deletes a comment and emits `comment_deleted`. When
	// author is not empty, only that participant's comment may be deleted
	// (ErrNotAuthor otherwise).
	DeleteComment(ctx context.Context, code, id, author string) (Event, error)

	// Ban marks a participant as banned in the room and publishes the
	// internal ban event, on which every instance closes their connections.
	// target is an item the participant made (a question or comment id, a
	// handle) or its id; the machine resolves it.
	Ban(ctx context.Context, code, target string) error
	// RotateKeys replaces the room's keys whose new hashes keys carries (a
	// zero hash keeps that key) and publishes the internal EventKeys.
	RotateKeys(ctx context.Context, code string, keys RoomKeys) error
	// BanWith is Ban with options: also hide the banned person's posts,
	// also refuse new participants from the address groups it joined from.
	BanWith(ctx context.Context, code, participant string, opts BanOptions) (BanResult, error)
	// AddressCovered reports whether a ban of the room covers the address
	// group whose hash (Tokens.AddressHash) is addr.
	AddressCovered(ctx context.Context, code, addr string) (bool, error)
	// Banned reports whether participant is banned in the room.
	Banned(ctx context.Context, code, participant string) (bool, error)

	// AddReactions adds delta to the room's reaction totals and returns them.
	AddReactions(ctx context.Context, code string, delta Reactions) (Reactions, error)
	// FlushReactions adds each room's delta to its totals and returns the
	// totals of every room in deltas or watch, in one round trip. Rooms that
	// do not exist are left out of the result (and their deltas dropped).
	FlushReactions(ctx context.Context, deltas map[string]Reactions, watch []string) (map[string]Reactions, error)

	// Since returns the durable events after seq, in order. ok is false when
	// the log no longer holds all of them (or seq is from the future): the
	// caller then needs a snapshot.
	Since(ctx context.Context, code string, seq uint64) (events []Event, ok bool, err error)
	// State returns the room at its current seq with the newest comments
	// (at most the given number).
	State(ctx context.Context, code string, comments int) (State, error)
	// Seq returns the room's current seq.
	Seq(ctx context.Context, code string) (uint64, error)

	// Epoch returns the generation of the room's history (Entry.Epoch).
	Epoch(ctx context.Context, code string) (uint64, error)
	// IdleAt returns when the open room will be deleted for want of
	// activity (Unix ms), 0 when it will not.
	IdleAt(ctx context.Context, code string) (int64, error)

	// EvictIdle frees the memory of rooms not used since before that no
	// client of this instance is in; they are read again when next used.
	// It returns how many it freed.
	EvictIdle(before time.Time) int

	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error
}
