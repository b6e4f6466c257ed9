package rooms

import "context"

// QuestionStore is the Q&A part of every Store.
//
// Every method that changes a question is one entry of the room's log,
// like the Store's own methods. Every
// transition of a question is a durable `question` event built by
// questionEvent (see there for the bytes, which every store must produce
// identically): the audience version of a pending or hidden question is a
// `question_deleted` event, its Staff version the whole question with
// `participant`, and Owner its author.
//
// Votes are not durable events: Vote changes a count and the room's vote
// version, and the hub reads the changes with VoteChanges a few times per
// second to send coalesced `votes` events.
//
// Methods return *Error refusals for bad requests and other errors for
// failures of the store itself. Every method is safe for concurrent use.
type QuestionStore interface {
	// AddQuestion stores q under the room's next question id "q<n>" with
	// zero votes, not pinned, no answer, and emits its `question` event.
	// Its status is pending when q.Status is QuestionPending (e.g. sent there
	// by a word filter) or the room's moderation is on, else live; q.Text,
	// q.Author, q.At and q.Participant are kept as given.
	//
	// Refusals, in this order: ErrRoomNotFound; ErrBanned when q.Participant
	// is banned; ErrRoomClosed; ErrQAOff when the room's `qa` setting is off;
	// then, when cid is not empty and q.Participant already asked with it,
	// the question as it is now (or only its ID when it was deleted) and a
	// zero Event, no error; then DuplicateQuestion(id) when a question of
	// the room that is not deleted (whatever its status) has exactly q.Text.
	AddQuestion(ctx context.Context, code string, q Question, cid string) (Question, Event, error)

	// SetQuestion applies a moderation patch (see QuestionPatch.Apply for
	// the rules) and returns the question's new state with the events it
	// made, in seq order. Pinning a question unpins the room's previously
	// pinned one in the same atomic step: that question's `question` event
	// comes first, then the pinned one's, each with its own seq. A patch that
	// changes nothing makes no event (nil events, no error). Refusals:
	// ErrRoomNotFound, ErrQuestionNotFound, conflict for a status move that
	// is not a ValidTransition, ErrPinInvisible. Closed rooms and Q&A off do
	// not stop moderation.
	SetQuestion(ctx context.Context, code, id string, patch QuestionPatch) ([]Event, Question, error)

	// DeleteQuestion deletes a question with its upvotes and emits
	// `question_deleted` to everyone (no Staff version). When author is not
	// empty, only that participant's question may be deleted (ErrNotAuthor
	// otherwise). Its text no longer counts as a duplicate. Refusals:
	// ErrRoomNotFound, ErrQuestionNotFound.
	DeleteQuestion(ctx context.Context, code, id, author string) (Event, error)

	// Vote records participant's upvote of question id (up) or withdraws it
	// (!up), and returns the question's count after it and whether it
	// changed: one upvote per participant per question, so a second upvote
	// or an unvote without an upvote changes nothing; the count is never
	// negative. A change advances the room's vote version. It makes no
	// durable event. Refusals: ErrRoomNotFound; ErrBanned; ErrRoomClosed;
	// ErrQAOff; ErrQuestionNotFound when the question does not exist or
	// participant may not see it (it is pending or hidden and participant
	// is not its author).
	Vote(ctx context.Context, code, id, participant string, up bool) (votes int64, changed bool, err error)

	// VoteChanges returns, in one round trip, for every room in since whose
	// vote version is past the one given, its version now and the current
	// counts of its questions whose count changed after the version given
	// (since 0: of every question that was ever voted on and is not
	// deleted). Rooms without a change, and rooms that do not exist, are
	// left out of the result.
	VoteChanges(ctx context.Context, since map[string]uint64) (map[string]VoteChanges, error)

	// Upvoted returns the ids of the questions (not deleted) participant
	// upvoted, ordered by question number, for the snapshot's you.upvoted.
	Upvoted(ctx context.Context, code, participant string) ([]string, error)

	// StateWithQuestions is Store.State with State.Questions filled: every
	// question of the room that is not deleted, whatever its status, with
	// Participant and current Votes, ordered by question number; all at the
	// one seq of the State.
	StateWithQuestions(ctx context.Context, code string, comments int) (State, error)
}
