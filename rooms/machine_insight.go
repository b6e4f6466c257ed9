package rooms

import "maps"

// Ops of the insight records: what the log learns from outside commands.
const (
	// OpSeen: participants joined the room (Record.Seen: participant →
	// the Unix minute it joined) or took part (Record.Active), gathered by
	// an instance.
	OpSeen = "seen"
	// OpPresence: the room's connected count now (Record.Connected).
	OpPresence = "presence"
	// OpSchedule: the room's retention (Record.ClosedAt, Record.DeleteAt;
	// DeleteAt 0 cancels it).
	OpSchedule = "schedule"
)

// machineInsight is what the session was worth, computed from the entries
// as they are applied: counts per minute of questions, upvotes, ballots,
// reactions and comments, who joined and who took part, presence and its
// peak, reactions per second, and the people present while each poll was
// open.
type machineInsight struct {
	seen            map[string]bool
	active          map[string]bool
	connected       int64
	peak, peakAt    int64
	minutes         map[int64]*InsightMinute
	reactionSeconds map[int64]int64
	pollPresent     map[string]int64
	closedAt        int64
	deleteAt        int64
}

func (in *machineInsight) minute(m int64) *InsightMinute {
	if in.minutes == nil {
		in.minutes = make(map[int64]*InsightMinute)
	}
	im := in.minutes[m]
	if im == nil {
		im = new(InsightMinute)
		in.minutes[m] = im
	}
	return im
}

// count records one applied interaction of kind (InsightQuestions, ...)
// at time at, by participant ("" for none: staff, or a reactions batch).
func (in *machineInsight) count(at int64, kind int, n int64, participant string) {
	in.minute(at / 60000).Counts[kind] += n
	if participant != "" {
		if in.active == nil {
			in.active = make(map[string]bool)
		}
		in.active[participant] = true
	}
}

// countApplied adds an applied record to the insight figures.
func (m *Machine) countApplied(r Record, at int64, out Outcome, events []Event) {
	in := &m.insight
	who := r.Participant
	if r.Staff {
		who = ""
	}
	switch r.Op {
	case OpAsk:
		if len(events) > 0 {
			in.count(at, InsightQuestions, 1, who)
		}
	case OpUpvote:
		if out.Changed {
			in.count(at, InsightUpvotes, 1, who)
		}
	case OpVote:
		if out.Changed {
			in.count(at, InsightBallots, 1, who)
		}
	case OpComment:
		if len(events) > 0 {
			in.count(at, InsightComments, 1, who)
		}
	case OpReact:
		var n int64
		for _, k := range r.Reactions {
			n += k
		}
		if n > 0 {
			in.count(at, InsightReactions, n, "")
			if in.reactionSeconds == nil {
				in.reactionSeconds = make(map[int64]int64)
			}
			in.reactionSeconds[at/1000] += n
		}
	case OpPollCreate, OpPollSet, OpRunStep, OpRunAdvance: // Outcome.Poll: the poll made, changed or opened
		if out.Poll != nil && out.Poll.State == PollOpen {
			m.pollOpen(out.Poll.ID)
		}
	case OpPollDelete:
		delete(in.pollPresent, r.ID)
	}
}

// pollOpen starts counting the people present while poll id is open.
func (m *Machine) pollOpen(id string) {
	in := &m.insight
	if in.pollPresent == nil {
		in.pollPresent = make(map[string]int64)
	}
	in.pollPresent[id] = max(in.pollPresent[id], in.connected)
}

func (m *Machine) seen(r Record) ([]Event, Outcome) {
	in := &m.insight
	for _, p := range r.Active {
		if in.active == nil {
			in.active = make(map[string]bool)
		}
		in.active[p] = true
	}
	for p, minute := range r.Seen {
		if in.seen == nil {
			in.seen = make(map[string]bool)
		}
		if !in.seen[p] {
			in.seen[p] = true
			in.minute(minute).Joined++
		}
	}
	return nil, Outcome{}
}

func (m *Machine) presence(r Record, at int64) ([]Event, Outcome) {
	in := &m.insight
	c := r.Connected
	in.connected = c
	if c > in.peak {
		in.peak, in.peakAt = c, at
	}
	im := in.minute(at / 60000)
	im.Connected = max(im.Connected, c)
	for _, mp := range m.polls.list {
		if mp.p.State == PollOpen {
			m.pollOpen(mp.p.ID)
		}
	}
	return nil, Outcome{}
}

func (m *Machine) schedule(r Record) ([]Event, Outcome) {
	if r.DeleteAt <= 0 {
		m.insight.closedAt, m.insight.deleteAt = 0, 0
	} else {
		m.insight.closedAt, m.insight.deleteAt = r.ClosedAt, r.DeleteAt
	}
	return nil, Outcome{}
}

// DeleteAt is when the room is to be deleted (Unix ms); 0: not scheduled.
func (m *Machine) DeleteAt() int64 { return m.insight.deleteAt }

// Insight returns the room's insight figures.
func (m *Machine) Insight() Insight {
	in := &m.insight
	out := Insight{
		Unique: int64(len(in.seen)), Active: int64(len(in.active)),
		Connected: in.connected, Peak: in.peak, PeakAt: in.peakAt,
		Minutes:         make(map[int64]InsightMinute, len(in.minutes)),
		ReactionSeconds: maps.Clone(in.reactionSeconds),
		PollPresent:     maps.Clone(in.pollPresent),
		ClosedAt:        in.closedAt, DeleteAt: in.deleteAt,
	}
	for k, im := range in.minutes {
		out.Minutes[k] = *im
	}
	if out.ReactionSeconds == nil {
		out.ReactionSeconds = map[int64]int64{}
	}
	if out.PollPresent == nil {
		out.PollPresent = map[string]int64{}
	}
	return out
}
