package rooms

import "context"

// Editing one's own question (question_edit): its author may change the
// text while nobody has upvoted it, so nobody's vote ends up on words they
// did not vote for. Staff moderate with question_set and never edit the
// audience's words.

// OpQuestionEdit is a question_edit entry: Participant's new Text for
// question ID, Held when the word filter sends it to moderation.
const OpQuestionEdit = "question_edit"

// TypeQuestionEdit is the question_edit command: `question` and `text`.
const TypeQuestionEdit = "question_edit"

// Refusals of question_edit.
var (
	ErrNotYourQuestion  = &Error{Code: CodeForbidden, Message: "only its author may edit a question"}
	ErrQuestionHasVotes = &Error{Code: CodeConflict, Message: "a question that has upvotes can no longer be edited"}
	ErrQuestionAnswered = &Error{Code: CodeConflict, Message: "an answered question can no longer be edited"}
)

// QuestionEditor is the store side of question_edit.
type QuestionEditor interface {
	// EditQuestion sets the text of question id, asked by author, and
	// emits its `question` event (marked edited); held sends it to
	// pending. Refusals: ErrRoomNotFound, ErrQuestionNotFound,
	// ErrNotYourQuestion, ErrQuestionHasVotes, ErrQuestionAnswered, a
	// duplicate of another question (DuplicateQuestion), ErrBanned,
	// ErrRoomClosed, ErrQAOff.
	EditQuestion(ctx context.Context, code, id, author, text string, held bool) (Question, Event, error)
}

// EditQuestion implements QuestionEditor.
func (s *LogStore) EditQuestion(ctx context.Context, code, id, author, text string, held bool) (Question, Event, error) {
	out, err := s.apply(ctx, code, Record{Op: OpQuestionEdit, ID: id, Participant: author, Text: text, Held: held})
	if err != nil {
		return Question{}, Event{}, err
	}
	return *out.Question, firstEvent(out.Events), nil
}

// editQuestion applies OpQuestionEdit: the author's new text, while the
// question has no upvote and is not answered. The same text again changes
// nothing; another question's text is a duplicate.
func (m *Machine) editQuestion(r Record) ([]Event, Outcome) {
	mq := m.byID[r.ID]
	if mq == nil || !mq.q.VisibleTo(r.Participant) && !r.Staff {
		return nil, Outcome{Err: ErrQuestionNotFound}
	}
	if r.Participant == "" || mq.q.Participant != r.Participant {
		return nil, Outcome{Err: ErrNotYourQuestion}
	}
	if err := m.postAllowed(r); err != nil {
		return nil, Outcome{Err: err}
	}
	if !m.room.QA {
		return nil, Outcome{Err: ErrQAOff}
	}
	switch {
	case mq.q.Votes > 0:
		return nil, Outcome{Err: ErrQuestionHasVotes}
	case mq.q.Status == QuestionAnswered:
		return nil, Outcome{Err: ErrQuestionAnswered}
	}
	if r.Text == mq.q.Text && !(r.Held && mq.q.Status == QuestionLive) {
		q := mq.q
		return nil, Outcome{Question: &q}
	}
	if id, dup := m.texts[r.Text]; dup && id != mq.q.ID {
		return nil, Outcome{Err: DuplicateQuestion(id)}
	}
	delete(m.texts, mq.q.Text)
	mq.q.Text = r.Text
	mq.q.Edited = true
	m.texts[r.Text] = mq.q.ID
	if r.Held && mq.q.Status == QuestionLive {
		mq.q.Status = QuestionPending
		if m.pinned == mq.q.ID {
			m.pinned = ""
			mq.q.Pinned = false
		}
	}
	q := mq.q
	return []Event{questionEvent(m.next(), q)}, Outcome{Question: &q}
}

// questionEdit: the author only; the text cleaned and screened as an ask's.
func (s *Service) questionEdit(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if cmd.Question == "" {
		return Ack{}, errorf(CodeBadRequest, "question_edit needs \"question\"")
	}
	if actor.Role.Staff() {
		return Ack{}, ErrNotYourQuestion
	}
	text, n := cleanText(cmd.Text)
	switch {
	case n == 0:
		return Ack{}, errorf(CodeBadRequest, "a question needs text")
	case TextTooLong(text, n, MaxQuestionRunes):
		return Ack{}, errorf(CodeTooLarge, "a question is at most %s", lengthLimit(MaxQuestionRunes))
	}
	screened, status, err := s.screenQuestion(ctx, actor.Room, text)
	if err != nil {
		return Ack{}, err
	}
	q, ev, err := s.store.EditQuestion(ctx, actor.Room, cmd.Question, actor.Participant, screened, status == QuestionPending)
	if err != nil {
		return Ack{}, err
	}
	return Ack{Seq: ev.Seq, Question: q.ID}, nil
}
