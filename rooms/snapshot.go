package rooms

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"
)

// cachedSnapshot is the shared part of a room's snapshot at one seq. Many
// clients join a room at once (a QR code on the projector); they share it.
// The questions are kept encoded one by one, so that each client's list
// (which depends on its role and on which questions it asked) is made by
// concatenation.
type cachedSnapshot struct {
	seq       uint64
	made      time.Time
	head      []byte // `"room":{...},"questions":[`
	questions []cachedQuestion
	polls     []cachedPoll
	comments  []cachedComment
	tail      []byte // `],"reactions":{...}`
}

// cachedComment is one comment of a snapshot: everyone gets public, its
// author own (with its participant id).
type cachedComment struct {
	participant string
	public      []byte
	own         []byte
}

// cachedPoll is one poll of a snapshot, encoded for each audience.
type cachedPoll struct {
	audience []byte // nil for a draft (see appendPoll)
	staff    []byte
}

// cachedQuestion is one question of a snapshot, encoded for each audience.
type cachedQuestion struct {
	participant string // the author
	audience    []byte // without participant; nil when pending or hidden
	staff       []byte // without participant, any status: for staff
	own         []byte // with participant: for the author
}

// Snapshot returns the `snapshot` event for actor: the room's state at its
// current seq, presence as given by the caller, and actor's own state under
// "you". It also returns that seq.
//
// `questions` lists, ordered by question number, every question actor may
// see: staff get all of them; the audience gets the live and answered
// ones, plus its own questions of any status. Only actor's own questions
// carry `participant` (so a page recognizes its own, and shows its pending
// ones as "waiting for approval"); the others carry their `handle`. Each
// carries `votes`, `at`, `status` and `pinned`, which is all a page needs
// to sort by top, recent or answered itself. `you.upvoted` lists the
// questions actor upvoted. `comments` likewise carry `participant` only
// for actor's own.
//
// `polls` lists, ordered by poll number, every poll actor may see, as in
// the `poll` event (appendPoll): staff get drafts too, quiz answers and
// results; the audience gets results only when revealed. `you.votes` maps
// each poll actor voted in to its ballot (appendBallotValue).
func (s *Service) Snapshot(ctx context.Context, actor Actor, presence int) ([]byte, uint64, error) {
	c, err := s.snapshotBody(ctx, actor.Room)
	if err != nil {
		return nil, 0, err
	}
	var upvoted []string
	if len(c.questions) > 0 {
		if upvoted, err = s.store.Upvoted(ctx, actor.Room, actor.Participant); err != nil {
			return nil, 0, err
		}
	}
	var ballots map[string]Ballot
	if len(c.polls) > 0 {
		if ballots, err = s.store.Ballots(ctx, actor.Room, actor.Participant); err != nil {
			return nil, 0, err
		}
	}
	size := len(c.head) + len(c.tail) + 128
	for _, q := range c.questions {
		size += len(q.own) + 1
	}
	for _, cm := range c.comments {
		size += len(cm.own) + 1
	}
	for _, p := range c.polls {
		size += len(p.staff) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, `{"type":"snapshot","seq":`...)
	out = strconv.AppendUint(out, c.seq, 10)
	out = append(out, ',')
	out = append(out, c.head...)
	staff, n := actor.Role.Staff(), 0
	for _, q := range c.questions {
		b := q.audience
		switch {
		case q.participant == actor.Participant:
			b = q.own
		case staff:
			b = q.staff
		}
		if b == nil {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, b...)
	}
	out = append(out, `],"polls":[`...)
	n = 0
	for _, p := range c.polls {
		b := p.audience
		if staff {
			b = p.staff
		}
		if b == nil {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, b...)
	}
	out = append(out, `],"comments":[`...)
	for i, cm := range c.comments {
		if i > 0 {
			out = append(out, ',')
		}
		if cm.participant == actor.Participant {
			out = append(out, cm.own...)
		} else {
			out = append(out, cm.public...)
		}
	}
	out = append(out, c.tail...)
	out = append(out, `,"presence":`...)
	out = strconv.AppendInt(out, int64(presence), 10)
	out = append(out, `,"you":{"upvoted":[`...)
	for i, id := range upvoted {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, id)
	}
	out = append(out, `],"votes":{`...)
	ids := make([]string, 0, len(ballots))
	for id := range ballots {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Compare(pollNumber(a), pollNumber(b)) })
	for i, id := range ids {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, id)
		out = append(out, ':')
		out = appendBallotValue(out, ballots[id])
	}
	out = append(out, `}}}`...)
	return out, c.seq, nil
}

// snapshotBody returns the shared part of the room's snapshot, from the
// cache while the room's seq is unchanged and the entry is younger than
// DefaultSnapshotCacheTTL (reaction totals and upvote counts are not
// durable, so they may lag by that much; the next `reactions` event and the
// `votes` event the hub sends after a snapshot correct them).
func (s *Service) snapshotBody(ctx context.Context, code string) (cachedSnapshot, error) {
	seq, err := s.store.Seq(ctx, code)
	if err != nil {
		return cachedSnapshot{}, err
	}
	now := time.Now()
	s.snapMu.Lock()
	c, ok := s.snapshots[code]
	s.snapMu.Unlock()
	if ok && c.seq == seq && now.Sub(c.made) < DefaultSnapshotCacheTTL {
		return c, nil
	}
	st, err := s.store.StateWithPolls(ctx, code, s.cfg.SnapshotComments)
	if err != nil {
		return cachedSnapshot{}, err
	}
	c, err = encodeSnapshot(st)
	if err != nil {
		return cachedSnapshot{}, err
	}
	c.made = now
	s.snapMu.Lock()
	if old, ok := s.snapshots[code]; !ok || old.seq <= st.Seq {
		s.snapshots[code] = c
	}
	s.snapMu.Unlock()
	return c, nil
}

// encodeSnapshot encodes the shared part of a snapshot of st.
func encodeSnapshot(st State) (cachedSnapshot, error) {
	c := cachedSnapshot{seq: st.Seq, questions: make([]cachedQuestion, 0, len(st.Questions))}
	room, err := MarshalJSON(st.Room)
	if err != nil {
		return c, err
	}
	c.head = append(append(append(c.head, `"room":`...), room...), `,"questions":[`...)
	for _, q := range st.Questions {
		cq := cachedQuestion{participant: q.Participant}
		if cq.own, err = MarshalJSON(q); err != nil {
			return c, err
		}
		if cq.staff, err = MarshalJSON(q.public()); err != nil {
			return c, err
		}
		if q.Visible() {
			cq.audience = cq.staff
		}
		c.questions = append(c.questions, cq)
	}
	for _, cm := range st.Comments {
		cc := cachedComment{participant: cm.Participant}
		if cc.own, err = MarshalJSON(cm); err != nil {
			return c, err
		}
		if cc.public, err = MarshalJSON(cm.public()); err != nil {
			return c, err
		}
		c.comments = append(c.comments, cc)
	}
	for _, ps := range st.Polls {
		c.polls = append(c.polls, cachedPoll{
			audience: appendPoll(nil, ps.Poll, ps.Tally, false),
			staff:    appendPoll(nil, ps.Poll, ps.Tally, true),
		})
	}
	tail, err := MarshalJSON(struct {
		Reactions Reactions `json:"reactions"`
	}{st.Reactions})
	if err != nil {
		return c, err
	}
	c.tail = append(append(c.tail, "],"...), tail[1:len(tail)-1]...)
	return c, nil
}
