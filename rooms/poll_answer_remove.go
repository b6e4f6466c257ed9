package rooms

import (
	"context"
	"strings"
)

// Removing an answer (poll_answer_remove): staff take one offensive text
// answer or word-cloud word out of a poll's results. For a text poll every
// ballot whose answer is the same text (AnswerKey: ignoring case, width
// and spacing, as the pages group answers) goes; for a word cloud the word
// goes from every ballot, and a ballot left with no word goes. The tally
// changes as a ballot's would (a `results` event at the next flush); the
// participants may answer again while the poll is open.

// OpPollAnswerRemove is a poll_answer_remove entry: Text out of poll ID.
const OpPollAnswerRemove = "poll_answer_remove"

// TypePollAnswerRemove is the poll_answer_remove command: `poll` and `text`.
const TypePollAnswerRemove = "poll_answer_remove"

// Refusals of poll_answer_remove.
var (
	ErrNotTextPoll     = &Error{Code: CodeBadRequest, Message: "only the answers of a text or word-cloud poll can be removed"}
	ErrAnswerNotFound  = &Error{Code: CodeNotFound, Message: "no such answer in this poll"}
	errRemoveStaffOnly = &Error{Code: CodeForbidden, Message: "only moderators and the host remove answers"}
)

// AnswerKey is what makes two text answers the same answer: the text
// folded for case and width, its spaces collapsed.
func AnswerKey(s string) string { return strings.Join(strings.Fields(foldString(s)), " ") }

// AnswerRemover is the store side of poll_answer_remove.
type AnswerRemover interface {
	// RemoveAnswer takes answer text (a text answer, or a word-cloud word)
	// out of poll id and returns how many ballots it touched. Refusals:
	// ErrRoomNotFound, ErrPollNotFound, ErrNotTextPoll, ErrAnswerNotFound.
	RemoveAnswer(ctx context.Context, code, id, text string) (int64, error)
}

// RemoveAnswer implements AnswerRemover.
func (s *LogStore) RemoveAnswer(ctx context.Context, code, id, text string) (int64, error) {
	out, err := s.apply(ctx, code, Record{Op: OpPollAnswerRemove, Staff: true, ID: id, Text: text})
	return out.Votes, err
}

// removeAnswer applies OpPollAnswerRemove; Outcome.Votes is the number of
// ballots it touched.
func (m *Machine) removeAnswer(r Record) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errRemoveStaffOnly}
	}
	mp := m.polls.byID[r.ID]
	if mp == nil {
		return nil, Outcome{Err: ErrPollNotFound}
	}
	var touched int64
	switch mp.p.Kind {
	case PollText:
		key := AnswerKey(r.Text)
		for who, b := range mp.ballots {
			if AnswerKey(b.Text) == key {
				delete(mp.ballots, who)
				delete(mp.cast, who)
				delete(mp.left, who)
				touched++
			}
		}
	case PollWordcloud:
		word := AnswerKey(r.Text)
		for who, b := range mp.ballots {
			i := indexOf(b.Words, word)
			if i < 0 {
				continue
			}
			touched++
			mp.add(b, -1)
			b.Words = append(append([]string(nil), b.Words[:i]...), b.Words[i+1:]...)
			if len(b.Words) == 0 {
				delete(mp.ballots, who)
				delete(mp.cast, who)
				continue
			}
			mp.add(b, 1)
			mp.ballots[who] = b
		}
	default:
		return nil, Outcome{Err: ErrNotTextPoll}
	}
	if touched == 0 {
		return nil, Outcome{Err: ErrAnswerNotFound}
	}
	if m.polls.dirty == nil {
		m.polls.dirty = make(map[string]bool)
	}
	m.polls.dirty[mp.p.ID] = true
	return nil, Outcome{Changed: true, Votes: touched}
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}

// pollAnswerRemove: moderators and the host; `poll` and `text`.
func (s *Service) pollAnswerRemove(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if !actor.Role.Staff() {
		return Ack{}, errRemoveStaffOnly
	}
	if cmd.Poll == "" || strings.TrimSpace(cmd.Text) == "" {
		return Ack{}, errorf(CodeBadRequest, "poll_answer_remove needs \"poll\" and \"text\"")
	}
	if _, err := s.store.RemoveAnswer(ctx, actor.Room, cmd.Poll, cmd.Text); err != nil {
		return Ack{}, err
	}
	return Ack{Poll: cmd.Poll}, nil
}
