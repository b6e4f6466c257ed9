package rooms

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"
)

// Limits and thresholds of the stats document.
const (
	// StatsFormat is Stats.Format.
	StatsFormat = "hubbub.stats.v1"
	// MaxTopQuestions is how many questions Stats.Questions.Top lists.
	MaxTopQuestions = 10
	// MaxTimelineMinutes is how many of the newest minutes the timeline
	// holds at most.
	MaxTimelineMinutes = 1440
	// BurstReactionsPerSecond is the least reactions a second needs to be
	// part of a reaction burst.
	BurstReactionsPerSecond = 10
	// MaxBursts is how many reaction bursts Stats lists at most (those
	// with the most reactions).
	MaxBursts = 10
)

// Stats is what a session was worth, for its host and moderators: GET
// /api/rooms/{code}/stats (docs/protocol.md, "Insight"). Every field is
// always present; lists are never null.
type Stats struct {
	Format         string            `json:"format"`
	Room           StatsRoom         `json:"room"`
	GeneratedAt    string            `json:"generated_at"`
	GeneratedAtMS  int64             `json:"generated_at_ms"`
	Participants   StatsParticipants `json:"participants"`
	Interactions   StatsInteractions `json:"interactions"`
	Questions      StatsQuestions    `json:"questions"`
	Polls          []StatsPoll       `json:"polls"`
	ReactionBursts []StatsBurst      `json:"reaction_bursts"`
	Timeline       []StatsMinute     `json:"timeline"`
	Retention      StatsRetention    `json:"retention"`
}

// StatsRoom names the room.
type StatsRoom struct {
	Code        string `json:"code"`
	Title       string `json:"title"`
	Closed      bool   `json:"closed"`
	CreatedAt   string `json:"created_at"`
	CreatedAtMS int64  `json:"created_at_ms"`
}

// StatsParticipants are the people figures.
type StatsParticipants struct {
	Unique            int64   `json:"unique"`
	Active            int64   `json:"active"`
	ParticipationRate float64 `json:"participation_rate"`
	Connected         int64   `json:"connected"`
	PeakConnected     int64   `json:"peak_connected"`
	PeakConnectedAtMS int64   `json:"peak_connected_at_ms"`
}

// StatsInteractions count interactions by kind over the whole session.
type StatsInteractions struct {
	Questions int64 `json:"questions"`
	Upvotes   int64 `json:"upvotes"`
	Ballots   int64 `json:"ballots"`
	Reactions int64 `json:"reactions"`
	Comments  int64 `json:"comments"`
	Total     int64 `json:"total"`
}

func newStatsInteractions(c InsightCounts) StatsInteractions {
	s := StatsInteractions{
		Questions: c[InsightQuestions], Upvotes: c[InsightUpvotes], Ballots: c[InsightBallots],
		Reactions: c[InsightReactions], Comments: c[InsightComments],
	}
	for _, n := range c {
		s.Total += n
	}
	return s
}

// StatsQuestions are the Q&A figures.
type StatsQuestions struct {
	Asked    int64              `json:"asked"`
	Live     int                `json:"live"`
	Answered int                `json:"answered"`
	Pending  int                `json:"pending"`
	Hidden   int                `json:"hidden"`
	Top      []StatsTopQuestion `json:"top"`
}

// StatsTopQuestion is one of the most upvoted questions.
type StatsTopQuestion struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Votes  int64  `json:"votes"`
	Status string `json:"status"`
}

// StatsPoll is one poll's response.
type StatsPoll struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Kind    string `json:"kind"`
	State   string `json:"state"`
	Ballots int64  `json:"ballots"`
	// Present is how many people could answer: the most connected at once
	// while the poll was open, or Ballots when that is more.
	Present int64 `json:"present"`
	// ResponseRate is Ballots ÷ Present: 0 to 1.
	ResponseRate float64 `json:"response_rate"`
}

// StatsBurst is a run of seconds with many reactions.
type StatsBurst struct {
	Start         string `json:"start"`
	StartMS       int64  `json:"start_ms"`
	Seconds       int64  `json:"seconds"`
	Reactions     int64  `json:"reactions"`
	PeakPerSecond int64  `json:"peak_per_second"`
}

// StatsMinute is one minute of the timeline.
type StatsMinute struct {
	Minute    string `json:"minute"`
	MinuteMS  int64  `json:"minute_ms"`
	Joined    int64  `json:"joined"`
	Connected int64  `json:"connected"`
	Questions int64  `json:"questions"`
	Upvotes   int64  `json:"upvotes"`
	Ballots   int64  `json:"ballots"`
	Reactions int64  `json:"reactions"`
	Comments  int64  `json:"comments"`
}

// StatsRetention is the room's lifetime.
type StatsRetention struct {
	RetentionDays  int   `json:"retention_days"`
	RetentionHours int64 `json:"retention_hours"`
	ClosedAtMS     int64 `json:"closed_at_ms"`
	DeleteAtMS     int64 `json:"delete_at_ms"`
}

// Stats returns room code's figures for the holder of its host or
// moderator key (credential). connected is the room's presence now (< 0:
// the last one recorded). This instance's buffered figures and reactions
// are added to the store first. Refusals: ErrRoomNotFound; unauthorized
// without a credential or with one not valid for the room; forbidden for a
// participant token.
func (s *Service) Stats(ctx context.Context, credential, code string, connected int) (Stats, error) {
	actor, err := s.Authenticate(ctx, code, credential)
	if err != nil {
		return Stats{}, err
	}
	if !actor.Role.Staff() {
		return Stats{}, &Error{Code: CodeForbidden, Message: "only the host and moderators may see a room's figures"}
	}
	if _, err := s.FlushReactions(ctx, nil); err != nil {
		return Stats{}, err
	}
	if err := s.flushInsight(ctx); err != nil {
		return Stats{}, err
	}
	ins, err := s.store.Insight(ctx, actor.Room)
	if err != nil {
		return Stats{}, err
	}
	st, err := s.store.StateWithPolls(ctx, actor.Room, 0)
	if err != nil {
		return Stats{}, err
	}
	if connected < 0 {
		connected = int(ins.Connected)
	}
	return buildStats(st, ins, int64(connected), s.retentionOf(st.Room), s.cfg.Now()), nil
}

// fraction is part ÷ whole to 4 decimals; 0 when whole is 0.
func fraction(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return math.Round(float64(part)/float64(whole)*10000) / 10000
}

// idNumber is n of an id "q<n>" or "p<n>".
func idNumber(id string) int64 {
	n, _ := strconv.ParseInt(id[min(1, len(id)):], 10, 64)
	return n
}

// buildStats makes the stats document of a room from its state (with
// questions and polls) and its insight, at now.
func buildStats(st State, ins Insight, connected int64, retention time.Duration, now time.Time) Stats {
	r := st.Room
	out := Stats{
		Format:        StatsFormat,
		Room:          StatsRoom{Code: r.Code, Title: r.Title, Closed: r.Closed, CreatedAt: exportTime(r.CreatedAt), CreatedAtMS: r.CreatedAt},
		GeneratedAt:   exportTime(now.UnixMilli()),
		GeneratedAtMS: now.UnixMilli(),
		Participants: StatsParticipants{
			Unique: max(ins.Unique, ins.Active), Active: ins.Active, ParticipationRate: fraction(ins.Active, max(ins.Unique, ins.Active)),
			Connected: connected, PeakConnected: max(ins.Peak, connected), PeakConnectedAtMS: ins.PeakAt,
		},
		Polls:          make([]StatsPoll, 0, len(st.Polls)),
		ReactionBursts: reactionBursts(ins.ReactionSeconds),
		Timeline:       timeline(ins.Minutes),
		Retention:      StatsRetention{RetentionDays: r.RetentionDays, RetentionHours: int64(retention / time.Hour), ClosedAtMS: ins.ClosedAt, DeleteAtMS: ins.DeleteAt},
	}
	if connected > ins.Peak {
		out.Participants.PeakConnectedAtMS = now.UnixMilli()
	}
	var total InsightCounts
	for _, m := range ins.Minutes {
		total = total.Add(m.Counts)
	}
	out.Interactions = newStatsInteractions(total)
	out.Questions.Asked = total[InsightQuestions]
	top := make([]Question, 0, len(st.Questions))
	for _, q := range st.Questions {
		switch q.Status {
		case QuestionLive:
			out.Questions.Live++
		case QuestionAnswered:
			out.Questions.Answered++
		case QuestionPending:
			out.Questions.Pending++
		case QuestionHidden:
			out.Questions.Hidden++
		}
		top = append(top, q)
	}
	slices.SortFunc(top, func(a, b Question) int {
		return cmp.Or(cmp.Compare(b.Votes, a.Votes), cmp.Compare(idNumber(a.ID), idNumber(b.ID)))
	})
	out.Questions.Top = make([]StatsTopQuestion, 0, min(len(top), MaxTopQuestions))
	for _, q := range top[:min(len(top), MaxTopQuestions)] {
		out.Questions.Top = append(out.Questions.Top, StatsTopQuestion{ID: q.ID, Text: q.Text, Votes: q.Votes, Status: q.Status})
	}
	for _, p := range st.Polls {
		// People who could answer: the most connected while the poll was
		// open, or the respondents when more (some answered through the
		// HTTP API, or came and went): the rate never passes 100%.
		present := max(ins.PollPresent[p.Poll.ID], p.Tally.Total)
		out.Polls = append(out.Polls, StatsPoll{
			ID: p.Poll.ID, Title: p.Poll.Title, Kind: p.Poll.Kind, State: p.Poll.State,
			Ballots: p.Tally.Total, Present: present, ResponseRate: fraction(p.Tally.Total, present),
		})
	}
	return out
}

// timeline lists every minute from the first recorded to the last (at most
// the newest MaxTimelineMinutes), zeros included.
func timeline(minutes map[int64]InsightMinute) []StatsMinute {
	if len(minutes) == 0 {
		return []StatsMinute{}
	}
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for m := range minutes {
		first, last = min(first, m), max(last, m)
	}
	first = max(first, last-MaxTimelineMinutes+1)
	out := make([]StatsMinute, 0, last-first+1)
	for m := first; m <= last; m++ {
		im := minutes[m]
		ms := m * 60000
		out = append(out, StatsMinute{
			Minute: exportTime(ms), MinuteMS: ms, Joined: im.Joined, Connected: im.Connected,
			Questions: im.Counts[InsightQuestions], Upvotes: im.Counts[InsightUpvotes], Ballots: im.Counts[InsightBallots],
			Reactions: im.Counts[InsightReactions], Comments: im.Counts[InsightComments],
		})
	}
	return out
}

// reactionBursts finds the runs of consecutive seconds with at least
// BurstReactionsPerSecond reactions each, and returns the MaxBursts with
// the most reactions (ties: the earlier), oldest first.
func reactionBursts(seconds map[int64]int64) []StatsBurst {
	var hot []int64
	for sec, n := range seconds {
		if n >= BurstReactionsPerSecond {
			hot = append(hot, sec)
		}
	}
	slices.Sort(hot)
	var bursts []StatsBurst
	for i := 0; i < len(hot); {
		j := i
		b := StatsBurst{StartMS: hot[i] * 1000}
		for ; j < len(hot) && hot[j] == hot[i]+int64(j-i); j++ {
			n := seconds[hot[j]]
			b.Reactions += n
			b.PeakPerSecond = max(b.PeakPerSecond, n)
		}
		b.Seconds = int64(j - i)
		b.Start = exportTime(b.StartMS)
		bursts = append(bursts, b)
		i = j
	}
	slices.SortStableFunc(bursts, func(a, b StatsBurst) int { return cmp.Compare(b.Reactions, a.Reactions) })
	bursts = bursts[:min(len(bursts), MaxBursts)]
	slices.SortFunc(bursts, func(a, b StatsBurst) int { return cmp.Compare(a.StartMS, b.StartMS) })
	if bursts == nil {
		bursts = []StatsBurst{}
	}
	return bursts
}
