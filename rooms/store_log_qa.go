package rooms

import "context"

// AddQuestion implements QuestionStore.
func (s *LogStore) AddQuestion(ctx context.Context, code string, q Question, cid string) (Question, Event, error) {
	out, err := s.apply(ctx, code, Record{
		Op: OpAsk, Participant: q.Participant, Staff: staff(q.Participant), Author: q.Author, CID: cid, Text: q.Text, Handle: q.Handle,
		Held: q.Status == QuestionPending, Named: q.named, Cap: s.caps.Questions, AskRefill: q.askRefill, AskBurst: q.askBurst,
	})
	if err != nil {
		return Question{}, Event{}, err
	}
	return *out.Question, firstEvent(out.Events), nil
}

// SetQuestion implements QuestionStore.
func (s *LogStore) SetQuestion(ctx context.Context, code, id string, patch QuestionPatch) ([]Event, Question, error) {
	out, err := s.apply(ctx, code, Record{Op: OpQuestionSet, Staff: true, ID: id, Question: &patch})
	if err != nil {
		return nil, Question{}, err
	}
	return out.Events, *out.Question, nil
}

// DeleteQuestion implements QuestionStore.
func (s *LogStore) DeleteQuestion(ctx context.Context, code, id, author string) (Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpQuestionDelete, ID: id, Participant: author, Staff: author == ""})
	return firstEvent(out.Events), err
}

// Vote implements QuestionStore.
func (s *LogStore) Vote(ctx context.Context, code, id, participant string, up bool) (int64, bool, error) {
	op := OpUnvote
	if up {
		op = OpUpvote
	}
	out, err := s.apply(ctx, code, Record{Op: op, ID: id, Participant: participant})
	return out.Votes, out.Changed, err
}

// VoteChanges implements QuestionStore from the rooms' change logs.
func (s *LogStore) VoteChanges(ctx context.Context, since map[string]uint64) (map[string]VoteChanges, error) {
	out := make(map[string]VoteChanges)
	err := s.eachSince(ctx, since, func(code string, lr *logRoom, m *Machine, v uint64) {
		vc := VoteChanges{Version: lr.votes.version}
		for _, mq := range m.questions {
			if lr.votes.changedAfter(mq.q.ID, v) || (v == 0 && mq.q.Votes > 0) {
				vc.Counts = append(vc.Counts, VoteCount{ID: mq.q.ID, Votes: mq.q.Votes, Visible: mq.q.Visible()})
			}
		}
		if (v > 0 && vc.Version > v) || (v == 0 && len(vc.Counts) > 0) {
			out[code] = vc
		}
	})
	return out, err
}

// Upvoted implements QuestionStore.
func (s *LogStore) Upvoted(ctx context.Context, code, participant string) (ids []string, err error) {
	err = s.read(ctx, code, func(m *Machine) { ids = m.Upvoted(participant) })
	return ids, err
}
