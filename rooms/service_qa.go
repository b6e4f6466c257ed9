package rooms

import (
	"context"
	"time"
)

// ask: 1–MaxQuestionRunes characters after cleanText, anonymous or under the
// actor's name, limited per participant (Config.AskRate, AskBurst). The
// store decides pending or live from the room's moderation, refuses
// duplicates with a conflict carrying the existing id, and honours cid.
func (s *Service) ask(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	text, n := cleanText(cmd.Text)
	switch {
	case n == 0:
		return Ack{}, errorf(CodeBadRequest, "a question needs text")
	case TextTooLong(text, n, MaxQuestionRunes):
		return Ack{}, errorf(CodeTooLarge, "a question is at most %s", lengthLimit(MaxQuestionRunes))
	}
	now := time.Now()
	res := s.limits.get(actor.Room, actor.Participant, now).ask.ReserveN(now, 1)
	if !res.OK() || res.DelayFrom(now) > 0 {
		res.CancelAt(now)
		s.metrics.rateLimited.WithLabelValues(TypeAsk).Inc()
		return Ack{}, errorf(CodeRateLimited, "too many questions; wait a minute")
	}
	// cancel gives back what a question that is not made took from the limits.
	cancel := func() { res.CancelAt(now) }
	if !actor.Role.Staff() {
		roomRes := s.limits.room(actor.Room, now).ask.ReserveN(now, 1)
		if !roomRes.OK() || roomRes.DelayFrom(now) > 0 {
			roomRes.CancelAt(now)
			res.CancelAt(now)
			s.metrics.rateLimited.WithLabelValues(TypeAsk).Inc()
			return Ack{}, errorf(CodeRateLimited, "the room is taking many questions at once; try again in a few seconds")
		}
		cancel = func() { res.CancelAt(now); roomRes.CancelAt(now) }
	}
	if err := s.addressPost(actor, TypeAsk); err != nil {
		cancel()
		return Ack{}, err
	}
	q := Question{Text: text, Participant: actor.Participant, At: now.UnixMilli()}
	if !actor.Role.Staff() {
		q.Handle = NewHandle()
		// The room's rules apply the room-wide rate again over the log,
		// where every instance's questions meet: this instance's limiter
		// above only spares the log what it alone already refuses.
		q.askRefill, q.askBurst = max(1, int64(s.cfg.RoomAskRate*1000)), s.cfg.RoomAskBurst
	}
	screened, status, err := s.screenQuestion(ctx, actor.Room, text)
	if err != nil {
		cancel()
		return Ack{}, err
	}
	q.Text, q.Status = screened, status
	name := actor.Name
	if cmd.Name != "" {
		name = cleanName(cmd.Name)
	}
	q.named = name != ""
	if !cmd.Anonymous && name != "" {
		q.Author = &name
	}
	made, ev, err := s.store.AddQuestion(ctx, actor.Room, q, cmd.CID)
	if err != nil || ev.Seq == 0 {
		// Refused, or a resend of a question already made: it does not
		// count against the participant's limit.
		cancel()
	}
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Question: made.ID, Duplicate: ev.Seq == 0}, nil
}

// screenQuestion applies the word filter (Config.WordFilter) to a question:
// it returns the text to store and QuestionPending to force moderation, or
// "" to let the room's moderation decide. Without a match the text passes
// unchanged and the room is not read. With one, the room's Filter setting
// decides: FilterModerate sends the question, unmasked, to pending;
// FilterMask (the default) masks the matched words.
func (s *Service) screenQuestion(ctx context.Context, room, text string) (string, string, error) {
	if !s.cfg.WordFilter.Match(text) {
		return text, "", nil
	}
	rec, err := s.store.Room(ctx, room)
	if err != nil {
		return "", "", err
	}
	if rec.Filter == FilterModerate {
		return text, QuestionPending, nil
	}
	return s.cfg.WordFilter.Mask(text), "", nil
}

// upvote and unvote: any participant who may see the question; banned
// participants, closed rooms and Q&A off are refused by the store. The ack
// carries the count after the command; everyone else gets it in the next
// coalesced `votes` event.
func (s *Service) upvote(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Question == "" {
		return Ack{}, errorf(CodeBadRequest, "%s needs \"question\"", cmd.Type)
	}
	up := cmd.Type == TypeUpvote
	votes, _, err := s.store.Vote(ctx, actor.Room, cmd.Question, actor.Participant, up)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Question: cmd.Question, Votes: &votes}, nil
}

// questionDelete: the author, a moderator or the host.
func (s *Service) questionDelete(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Question == "" {
		return Ack{}, errorf(CodeBadRequest, "question_delete needs \"question\"")
	}
	author := actor.Participant
	if actor.Role.Staff() {
		author = ""
	}
	ev, err := s.store.DeleteQuestion(ctx, actor.Room, cmd.Question, author)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Question: cmd.Question}, nil
}

// questionSet: moderators and the host; any of status, pinned, answer
// (cleaned, at most MaxAnswerRunes characters; empty clears it). The ack's
// seq is that of the last event made (pinning may make two); absent when
// nothing changed.
func (s *Service) questionSet(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if !actor.Role.Staff() {
		return Ack{}, &Error{Code: CodeForbidden, Message: "only moderators and hosts may change questions"}
	}
	if cmd.Question == "" {
		return Ack{}, errorf(CodeBadRequest, "question_set needs \"question\"")
	}
	patch := QuestionPatch{Status: cmd.Status, Pinned: cmd.Pinned}
	if patch.Status != nil && !ValidStatus(*patch.Status) {
		return Ack{}, errorf(CodeBadRequest, "unknown status %q; use pending, live, answered or hidden", *patch.Status)
	}
	if cmd.Answer != nil {
		answer, n := cleanText(*cmd.Answer)
		if TextTooLong(answer, n, MaxAnswerRunes) {
			return Ack{}, errorf(CodeTooLarge, "an answer is at most %s", lengthLimit(MaxAnswerRunes))
		}
		patch.Answer = &answer
	}
	if patch.IsZero() {
		return Ack{}, errorf(CodeBadRequest, "question_set needs at least one of status, pinned, answer")
	}
	events, _, err := s.store.SetQuestion(ctx, actor.Room, cmd.Question, patch)
	if err != nil {
		return Ack{}, err
	}
	ack := Ack{Question: cmd.Question}
	if len(events) > 0 {
		ack.Seq = events[len(events)-1].Seq
	}
	return ack, nil
}

// VoteFlush is how often the hub should call FlushVotes: the most often a
// room's clients get a `votes` event.
func (s *Service) VoteFlush() time.Duration { return s.cfg.VoteFlush }

// FlushVotes returns, in one round trip to the store, the upvote counts that
// changed in each room of since after the vote version given for it (0: the
// counts of every question ever voted on), with each room's version now.
// Rooms without a change are left out. The hub calls it every VoteFlush for
// the rooms it serves, keeps each room's Version for the next call, and
// sends VotesEvent(counts, true) to staff and VotesEvent(counts, false) (nil:
// nothing to send) to everyone else.
func (s *Service) FlushVotes(ctx context.Context, since map[string]uint64) (map[string]VoteChanges, error) {
	if len(since) == 0 {
		return nil, nil
	}
	return s.store.VoteChanges(ctx, since)
}

// CurrentVotes returns the current counts of a room's voted questions and
// its vote version: what the hub sends (as VotesEvent) after a resume, and
// after a snapshot, whose counts may lag by up to DefaultSnapshotCacheTTL.
func (s *Service) CurrentVotes(ctx context.Context, code string) (VoteChanges, error) {
	changes, err := s.FlushVotes(ctx, map[string]uint64{code: 0})
	return changes[code], err
}
