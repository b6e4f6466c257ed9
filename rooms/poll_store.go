package rooms

import "context"

// PollStore is the polls part of every Store.
//
// Every method that changes a poll is one entry of the room's log, like
// the Store's own methods. Every
// change of a poll is a durable `poll` event built by pollEvent (see there
// and appendPoll for the bytes, which every store must produce identically):
// the audience version of a draft is a `poll_deleted` event, the Staff
// version has the quiz's `correct` and the `results` at that seq. Owner is
// never set.
//
// Ballots are not durable events: CastBallot changes the tally and the
// room's results version, and the hub reads the changes with
// ResultsChanges a few times per second to send coalesced `results` events.
//
// Methods return *Error refusals for bad requests and other errors for
// failures of the store itself. Every method is safe for concurrent use.
type PollStore interface {
	// CreatePoll stores p under the room's next poll id "p<n>" with an
	// empty tally and emits its `poll` event. p is kept as given (the
	// Service validated it; its State is PollDraft or PollOpen, and a timed
	// quiz made open has its ClosesAt). Closed rooms do not stop staff from
	// making polls. Refusals: ErrRoomNotFound.
	CreatePoll(ctx context.Context, code string, p Poll) (Poll, Event, error)

	// SetPoll applies a patch (see PollPatch.Apply: a timed quiz that
	// opens gets ClosesAt = patch.At + Seconds) and returns the poll's new
	// state with its `poll` event, which carries the tally at that seq. A
	// quiz that closes is scored in the same step (see ExpirePoll). A
	// patch that changes nothing makes no event (zero Event, no error).
	// Refusals: ErrRoomNotFound, ErrPollNotFound, conflict for a state move
	// that is not a ValidPollTransition.
	SetPoll(ctx context.Context, code, id string, patch PollPatch) (Event, Poll, error)

	// DeletePoll deletes a poll with its ballots and emits `poll_deleted`
	// to everyone (no Staff version); a quiz's points leave the room
	// totals. Refusals: ErrRoomNotFound, ErrPollNotFound.
	DeletePoll(ctx context.Context, code, id string) (Event, error)

	// Poll returns poll id as stored, with Correct. Refusals:
	// ErrRoomNotFound, ErrPollNotFound.
	Poll(ctx context.Context, code, id string) (Poll, error)

	// CastBallot records participant's ballot b (canonical, see Ballot) for
	// poll id, replacing the one it cast before: the old ballot's counts
	// are taken off and the new one's added in one atomic step, so Total
	// counts people. It reports whether the tally changed (false when b
	// equals the ballot already cast). A change advances the room's results
	// version. It makes no durable event. A quiz ballot keeps b.At (0: the
	// store's clock; moved by a replacement, not by a repeat), the time its
	// timer had left then (ClosesAt - At; 0 without timer) for the speed
	// bonus, and b.Name as the participant's leaderboard name. Refusals, in
	// this order: ErrRoomNotFound; ErrBanned; ErrRoomClosed;
	// ErrPollNotFound (also a deleted poll); ErrPollNotOpen (draft or
	// closed); ErrQuizTimeUp (b.At at or after a timed quiz's ClosesAt);
	// then CheckBallot's.
	CastBallot(ctx context.Context, code, id, participant string, b Ballot) (changed bool, err error)

	// ExpirePoll is a quiz timer's close: it closes poll id only when it
	// is open with ClosesAt equal to closesAt, scoring it and emitting its
	// `poll` event like SetPoll's close; otherwise it changes nothing and
	// returns a zero Event (so instances racing to close make one event,
	// and a stale timer never closes a reopened quiz). Refusals:
	// ErrRoomNotFound, ErrPollNotFound.
	ExpirePoll(ctx context.Context, code, id string, closesAt int64) (Event, error)

	// RunStep steps the run of show in dir (RunNext, RunPrevious) from the
	// cursor from ("" for none), closing and opening polls in one atomic
	// step (see machine_runstep.go), and returns the poll it opened (nil:
	// none) and the last seq of its events (0: none).
	// Refusals: ErrRoomNotFound, conflict when the run's cursor is not
	// from (nothing changes), bad_request for another dir.
	RunStep(ctx context.Context, code, dir, from string) (RunStepped, error)

	// AdvanceRun is a quiz's own step: next from quiz id, only when it
	// still has AdvancesAt equal to advancesAt and is the run's cursor;
	// otherwise it changes nothing (so instances racing make one step, and
	// a host who stepped meanwhile wins). Refusals: ErrRoomNotFound,
	// ErrPollNotFound.
	AdvanceRun(ctx context.Context, code, id string, advancesAt int64) (RunStepped, error)

	// Leaderboard returns quiz id's points as of its latest close and the
	// room's totals across its quizzes, each the n participants with the
	// most points (points above 0 only), most first, ties by participant id
	// in byte order, with ranks (ties shared) and names (the one of the
	// participant's latest quiz ballot in the room, Pseudonym when
	// anonymous). id "": the room's closed quiz with the highest number;
	// Poll is "" when there is none, or when id is not a quiz. You gets
	// the Standing in the room's totals of each participant in who (read
	// in the same step as the lists). Refusals: ErrRoomNotFound.
	Leaderboard(ctx context.Context, code, id string, n int, who ...string) (Leaderboard, error)

	// ResultsChanges returns, in one round trip, for every room in since
	// whose results version is past the one given, its version now and the
	// current tallies of its polls whose tally changed after the version
	// given (since 0: of every poll that ever got a ballot and is not
	// deleted). Rooms without a change, and rooms that do not exist, are
	// left out of the result.
	ResultsChanges(ctx context.Context, since map[string]uint64) (map[string]ResultsChanges, error)

	// Ballots returns participant's ballots by poll id (polls not deleted),
	// for the snapshot's you.votes.
	Ballots(ctx context.Context, code, participant string) (map[string]Ballot, error)

	// StateWithPolls is QuestionStore.StateWithQuestions with State.Polls
	// filled too: every poll of the room that is not deleted, whatever its
	// state, with Correct and its tally, ordered by poll number; all at the
	// one seq of the State.
	StateWithPolls(ctx context.Context, code string, comments int) (State, error)
}

// PollState is a poll with its tally, as State.Polls holds it.
type PollState struct {
	Poll  Poll
	Tally Tally
}

// RunStepped is what a run step did.
type RunStepped struct {
	Opened *Poll  // the poll it opened; nil: none
	Seq    uint64 // the seq of its last event; 0: it changed nothing
}
