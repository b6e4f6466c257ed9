package rooms

import "context"

// Interaction kinds an insight counts per minute, indexed into
// InsightCounts.
const (
	InsightQuestions = iota
	InsightUpvotes
	InsightBallots
	InsightReactions
	InsightComments
	insightKinds
)

// InsightKinds name the interaction kinds in InsightCounts order, as the
// stats JSON spells them.
var InsightKinds = [insightKinds]string{"questions", "upvotes", "ballots", "reactions", "comments"}

// InsightCounts counts interactions by kind (InsightQuestions, ...).
type InsightCounts [insightKinds]int64

// Add returns c + o.
func (c InsightCounts) Add(o InsightCounts) InsightCounts {
	for i := range c {
		c[i] += o[i]
	}
	return c
}

// InsightDelta is what one instance saw happen in one room since its last
// flush: the store adds it to the room's figures in one atomic step.
type InsightDelta struct {
	// Seen are participants who joined or acted, with the Unix minute this
	// instance first saw them in this delta. The store counts each once
	// per room (unique participants), in the minute it first saw them.
	Seen map[string]int64
	// Active are participants who asked, upvoted, voted, reacted or
	// commented.
	Active map[string]struct{}
	// Addrs are participants who joined, with the keyed hash of the
	// address group they joined from (Service.addressHash), which a ban
	// may cover.
	Addrs map[string]string
}

// IsZero reports whether the delta holds nothing.
func (d *InsightDelta) IsZero() bool {
	return len(d.Seen) == 0 && len(d.Active) == 0 && len(d.Addrs) == 0
}

// InsightMinute is one minute of a room's insight.
type InsightMinute struct {
	Counts InsightCounts
	// Joined is how many participants were seen for the first time.
	Joined int64
	// Connected is the most people connected at once (presence).
	Connected int64
}

// Insight is a room's figures as the store keeps them (Service.Stats
// turns them into the stats document).
type Insight struct {
	Unique int64 // participants ever seen
	Active int64 // participants who interacted
	// Connected is the last presence recorded, Peak the most ever, at
	// PeakAt (Unix ms; 0: never recorded).
	Connected, Peak, PeakAt int64
	// Minutes are the minutes with anything recorded, by Unix minute.
	Minutes map[int64]InsightMinute
	// ReactionSeconds counts reactions by Unix second.
	ReactionSeconds map[int64]int64
	// PollPresent is, per poll ever opened, the most people connected
	// while it was open.
	PollPresent map[string]int64
	// ClosedAt and DeleteAt (Unix ms) are when the room was closed and
	// when it will be deleted; 0 while no deletion is scheduled.
	ClosedAt, DeleteAt int64
}

// InsightStore is the insight part of every Store: per-room aggregates
// that cost a few counter updates per flush, and the room's lifetime
// (retention and deletion).
//
// Methods return *Error refusals for bad requests and other errors for
// failures of the store itself. Every method is safe for concurrent use.
type InsightStore interface {
	// AddInsight adds each room's delta in one round trip (one atomic step
	// per room). Rooms that do not exist are skipped.
	AddInsight(ctx context.Context, deltas map[string]*InsightDelta) error

	// RecordPresence records, in one round trip, each room's connected
	// count at Unix ms now: the room's current count, its peak, the most of
	// now's minute, and the most present of each poll open in the room.
	// Rooms that do not exist are skipped.
	RecordPresence(ctx context.Context, counts map[string]int, now int64) error

	// Insight returns a room's figures. Refusals: ErrRoomNotFound.
	Insight(ctx context.Context, code string) (Insight, error)

	// ScheduleDeletion schedules the deletion of every bit of the room at
	// deleteAt (Unix ms), recording that it was closed at closedAt;
	// deleteAt 0 cancels it. The room may go at deleteAt even without
	// DeleteRoom (Redis expires its keys then). Refusals: ErrRoomNotFound.
	ScheduleDeletion(ctx context.Context, code string, closedAt, deleteAt int64) error
	// DueDeletions returns the rooms whose deletion is due at now (Unix ms).
	DueDeletions(ctx context.Context, now int64) ([]string, error)
	// DeleteRoom deletes the room and all its data; with dueBy > 0 only
	// when its deletion is scheduled at or before dueBy (Unix ms). It
	// reports whether it deleted it. A deleted room is unknown afterwards
	// (ErrRoomNotFound), and its code may be made again.
	DeleteRoom(ctx context.Context, code string, dueBy int64) (bool, error)
}
