package rooms

import "time"

// Defaults for Config. Every limit is a flag of cmd/hubbub with an
// HUBBUB_* environment equivalent; these are the values used when unset.
const (
	// DefaultRetainedEvents is how many durable events each room keeps for
	// resume. A client further behind than this receives a snapshot.
	DefaultRetainedEvents = 2000
	// MaxRetainedEvents bounds RetainedEvents: below EpochSeqGap, so a
	// room's seq jump at a new epoch always lies outside what a resume
	// can replay.
	MaxRetainedEvents = 100_000
	// DefaultSnapshotComments is how many of the newest comments a snapshot carries.
	DefaultSnapshotComments = 200
	// DefaultCommentRate and DefaultCommentBurst limit comments per participant.
	DefaultCommentRate  = 2.0
	DefaultCommentBurst = 10
	// DefaultReactRate and DefaultReactBurst limit reactions per participant;
	// excess reactions are dropped silently and counted in metrics.
	DefaultReactRate  = 20.0
	DefaultReactBurst = 40
	// DefaultReactionFlush is how often summed reactions go out as one
	// `reactions` event per room (10 per second at most).
	DefaultReactionFlush = 100 * time.Millisecond
	// DefaultCommandRate and DefaultCommandBurst limit every command of an
	// audience participant but react (which has its own limit), on top of
	// the limits of each kind: a person taps far below it, a script that
	// floods upvote/unvote or ballots cannot make the store work for it.
	// Moderators and hosts are not limited.
	DefaultCommandRate  = 10.0
	DefaultCommandBurst = 30
	// reactCheckTTL is how long a participant's right to react (reactions
	// on, room open, not banned), once read from the store, is trusted
	// without reading it again: a busy room's reactions then cost the store
	// nothing but the flush, and turning reactions off, closing the room or
	// a ban stops reactions within this time.
	reactCheckTTL = time.Second
	// DefaultAskRate and DefaultAskBurst limit questions per participant:
	// 3 per minute, 3 at once.
	DefaultAskRate  = 3.0 / 60
	DefaultAskBurst = 3
	// DefaultRoomAskRate and DefaultRoomAskBurst limit the questions of a
	// whole room (staff not counted), on each instance: a hall opening Q&A
	// asks a hundred questions in its first minute, far under this, while a
	// flood of fresh identities (the snapshot bomb: 180 × 3 questions at
	// once) is spread over half a minute.
	DefaultRoomAskRate  = 20.0
	DefaultRoomAskBurst = 200
	// DefaultVoteFlush is how often the hub reads the changed upvote counts
	// (Service.FlushVotes) and sends them as one `votes` event per room.
	// Not 250 ms: a votes event, like every coalesced counter, may wait up
	// to the hub's counter delay (150 ms) for a frame to ride in, so two
	// events can reach a client closer than the interval. With n events in
	// a second needing n-1 intervals minus that jitter (4 × 300 − 150 =
	// 1,050 ms for a fifth), 300 ms keeps every client at 4 or fewer in any
	// one-second window.
	DefaultVoteFlush = 300 * time.Millisecond
	// DefaultRetention is how long a closed room's data is kept before it
	// is deleted, unless the room's retention_days setting says otherwise.
	DefaultRetention = 30 * 24 * time.Hour
	// MaxRetentionDays is the longest retention_days a room may set.
	MaxRetentionDays = 3650
	// DeletionSweep is how often the Service deletes the rooms whose
	// retention ran out.
	DeletionSweep = time.Minute
	// DefaultResultsFlush is how often the hub reads the changed poll
	// tallies (Service.FlushResults) and sends a `results` event per
	// changed poll. Longer than DefaultVoteFlush: the polls load preset on
	// a busy machine saw delivery jitter squeeze five 300 ms flushes into
	// one second at a client; four 400 ms intervals leave 600 ms of slack.
	DefaultResultsFlush = 400 * time.Millisecond
	// DefaultSnapshotCacheTTL bounds how stale the cached shared part of a
	// snapshot may be while the room's seq has not changed.
	DefaultSnapshotCacheTTL = time.Second

	// MaxBytesPerChar bounds every text in bytes as well as characters: a
	// text of at most N characters is also at most N*MaxBytesPerChar bytes
	// of UTF-8 (TextTooLong). Three covers a whole text of Chinese,
	// Japanese or Korean; emoji take four and stacked marks count as
	// characters, so a text made only of those is cut at three quarters.
	// With JSON that never escapes HTML, a question's bytes in an event are
	// then at most 900 plus its quotes and backslashes, and a room's
	// snapshot is bounded by its caps times these.
	MaxBytesPerChar = 3

	// MaxCommentRunes is the longest comment, in characters.
	MaxCommentRunes = 500
	// MaxQuestionRunes is the longest question, in characters.
	MaxQuestionRunes = 300
	// MaxAnswerRunes is the longest written answer to a question, in characters.
	MaxAnswerRunes = 2000
	// MaxTitleRunes is the longest room title, in characters.
	MaxTitleRunes = 120
	// MaxNameRunes is the longest display name, in characters.
	MaxNameRunes = 40
	// MaxMarksPerBase is how many combining marks (accents, vowel signs,
	// variation selectors) a text or name keeps after one base character:
	// enough for real text (Vietnamese and Thai stack two or three), too
	// few for "Zalgo" text that spreads over the lines around it.
	MaxMarksPerBase = 3
	// MaxHoldNewMinutes is the longest hold_new_minutes a room may set: a
	// day. MaxSlowModeSeconds is the longest slow_mode_seconds: an hour.
	MaxHoldNewMinutes  = 24 * 60
	MaxSlowModeSeconds = 3600
	// DefaultMaxQuestions, DefaultMaxComments and DefaultMaxPolls cap what
	// one room holds (RoomCaps). A large real event stays far below them:
	// a keynote of 10,000 people asks a few hundred questions, writes a
	// few thousand comments and runs a few dozen polls in a day. They bound
	// a room's memory and its snapshot (5,000 questions of 300 characters
	// are about 2 MB) against identities that each stay under their own
	// rate limits.
	DefaultMaxQuestions = 5000
	DefaultMaxComments  = 20000
	DefaultMaxPolls     = 200
	// DefaultIdleExpiry is how long an open room may go without any
	// activity (an entry of its log other than presence reports and
	// schedules) before it is deleted. IdleWarning is how long before
	// that the console warns.
	DefaultIdleExpiry = 30 * 24 * time.Hour
	IdleWarning       = 7 * 24 * time.Hour
	// MaxCIDLength is the longest client-made id (cid), in bytes.
	MaxCIDLength = 64
	// limiterIdle is how long an unused per-participant rate limiter is kept.
	limiterIdle = 5 * time.Minute
)

// Config holds the tunable limits of a Service. The zero value of a field
// means its Default.
type Config struct {
	// Secret signs participant tokens. Instances that share it accept each
	// other's tokens. Empty: a random secret is generated by NewService.
	Secret           []byte
	RetainedEvents   int
	SnapshotComments int
	CommentRate      float64
	CommentBurst     int
	ReactRate        float64
	ReactBurst       int
	ReactionFlush    time.Duration
	AskRate          float64 // questions per second per participant
	AskBurst         int
	RoomAskRate      float64 // questions per second per room, everyone but staff together
	RoomAskBurst     int
	CommandRate      float64 // commands but react per second per audience participant
	CommandBurst     int
	VoteFlush        time.Duration
	ResultsFlush     time.Duration // see DefaultResultsFlush
	// WordFilter screens questions and comments (see Room.Filter). nil:
	// DefaultWordFilter; NewWordFilter(nil) filters nothing.
	WordFilter *WordFilter
	// Retention is how long a closed room's data is kept when the room's
	// retention_days is 0 (DefaultRetention).
	Retention time.Duration
	// TokenTTL is how long a participant token is accepted after it was
	// issued (DefaultTokenTTL); every join issues a fresh one, so a token
	// in use never expires.
	TokenTTL time.Duration
	// Now is the Service's clock (Service.Now): quiz timers and ballot
	// times, the insight figures' minute buckets, retention's deletion
	// times. nil: time.Now. Tests inject their own.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.RetainedEvents <= 0 {
		c.RetainedEvents = DefaultRetainedEvents
	}
	if c.SnapshotComments <= 0 {
		c.SnapshotComments = DefaultSnapshotComments
	}
	if c.CommentRate <= 0 {
		c.CommentRate = DefaultCommentRate
	}
	if c.CommentBurst <= 0 {
		c.CommentBurst = DefaultCommentBurst
	}
	if c.ReactRate <= 0 {
		c.ReactRate = DefaultReactRate
	}
	if c.ReactBurst <= 0 {
		c.ReactBurst = DefaultReactBurst
	}
	if c.ReactionFlush <= 0 {
		c.ReactionFlush = DefaultReactionFlush
	}
	if c.AskRate <= 0 {
		c.AskRate = DefaultAskRate
	}
	if c.AskBurst <= 0 {
		c.AskBurst = DefaultAskBurst
	}
	if c.RoomAskRate <= 0 {
		c.RoomAskRate = DefaultRoomAskRate
	}
	if c.RoomAskBurst <= 0 {
		c.RoomAskBurst = DefaultRoomAskBurst
	}
	if c.CommandRate <= 0 {
		c.CommandRate = DefaultCommandRate
	}
	if c.CommandBurst <= 0 {
		c.CommandBurst = DefaultCommandBurst
	}
	if c.VoteFlush <= 0 {
		c.VoteFlush = DefaultVoteFlush
	}
	if c.ResultsFlush <= 0 {
		c.ResultsFlush = DefaultResultsFlush
	}
	if c.WordFilter == nil {
		c.WordFilter = DefaultWordFilter()
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	return c
}

// RoomCaps are the most questions, comments and polls one room holds at
// once (deleted ones do not count); past them a new one is refused with
// room_full. Every instance that appends to a room's log stamps its caps
// on the entry, so all replicas apply the same figure.
type RoomCaps struct {
	Questions int
	Comments  int
	Polls     int
}

// withDefaults fills zero fields with DefaultMaxQuestions, ...
func (c RoomCaps) withDefaults() RoomCaps {
	if c.Questions <= 0 {
		c.Questions = DefaultMaxQuestions
	}
	if c.Comments <= 0 {
		c.Comments = DefaultMaxComments
	}
	if c.Polls <= 0 {
		c.Polls = DefaultMaxPolls
	}
	return c
}

// DefaultTokenTTL: a participant token unused for 30 days expires (the
// phone then joins as a new participant); one in use is renewed at every
// join.
const DefaultTokenTTL = 30 * 24 * time.Hour
