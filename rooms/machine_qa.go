package rooms

import "strconv"

// ask adds a question: live, or pending when the room moderates questions,
// the record is held, or its sender is newer than the room's
// hold_new_minutes. The room's protections (postRules) and its cap come
// before the duplicate check. A repeated cid returns the question it made; a
// text equal to a question's (whatever its status) is a conflict naming it.
func (m *Machine) ask(r Record, at int64) ([]Event, Outcome) {
	if err := m.postAllowed(r); err != nil {
		return nil, Outcome{Err: err}
	}
	if !m.room.QA {
		return nil, Outcome{Err: ErrQAOff}
	}
	key := r.Participant + "|" + r.CID
	if r.CID != "" {
		if id, seen := m.askCIDs[key]; seen {
			q := Question{ID: id}
			if mq := m.byID[id]; mq != nil {
				q = mq.q
			}
			return nil, Outcome{Question: &q}
		}
	}
	held, err := m.postRules(r, at, true)
	if err != nil {
		return nil, Outcome{Err: err}
	}
	if err := roomFull(r, len(m.questions), "questions"); err != nil {
		return nil, Outcome{Err: err}
	}
	if id, dup := m.texts[r.Text]; dup {
		return nil, Outcome{Err: DuplicateQuestion(id)}
	}
	if err := m.askRate(r, at); err != nil {
		return nil, Outcome{Err: err}
	}
	m.notePost(r, at)
	if m.byID == nil {
		m.byID, m.texts = make(map[string]*machineQuestion), make(map[string]string)
	}
	if m.askCIDs == nil {
		m.askCIDs = make(map[string]string)
	}
	m.nextQ++
	q := Question{ID: "q" + strconv.FormatUint(m.nextQ, 10), Text: r.Text, Author: r.Author, Status: QuestionLive, At: at, Participant: r.Participant}
	if m.room.Moderation || r.Held || held {
		q.Status = QuestionPending
	}
	if !r.Staff {
		q.Handle = itemHandle(r.Handle, m.code, q.ID)
		m.rememberAuthor(q.Handle, q.Participant)
	}
	mq := &machineQuestion{q: q, voters: make(map[string]bool)}
	m.questions = append(m.questions, mq)
	m.byID[q.ID] = mq
	m.texts[q.Text] = q.ID
	if r.CID != "" {
		m.askCIDs[key] = q.ID
	}
	seq := m.next()
	return []Event{questionEvent(seq, q)}, Outcome{Question: &q}
}

// vote upvotes (OpUpvote) or takes back an upvote (OpUnvote). The count
// changes without a durable event: it is marked for TakeVoteChanges.
func (m *Machine) vote(r Record) ([]Event, Outcome) {
	if err := m.postAllowed(r); err != nil {
		return nil, Outcome{Err: err}
	}
	if !m.room.QA {
		return nil, Outcome{Err: ErrQAOff}
	}
	voter := r.Participant
	if voter == "" {
		return nil, Outcome{Err: errorf(CodeForbidden, "only participants vote")}
	}
	mq := m.byID[r.ID]
	if mq == nil || !mq.q.VisibleTo(voter) {
		return nil, Outcome{Err: ErrQuestionNotFound}
	}
	up := r.Op == OpUpvote
	if mq.voters[voter] == up {
		return nil, Outcome{Votes: mq.q.Votes}
	}
	if up {
		mq.voters[voter] = true
	} else {
		delete(mq.voters, voter)
	}
	mq.q.Votes = int64(len(mq.voters))
	if m.dirtyVotes == nil {
		m.dirtyVotes = make(map[string]bool)
	}
	m.dirtyVotes[mq.q.ID] = true
	return nil, Outcome{Votes: mq.q.Votes, Changed: true}
}

// TakeVoteChanges returns the counts of the questions whose votes changed
// since the last call, in question order, and forgets them.
func (m *Machine) TakeVoteChanges() []VoteCount {
	if len(m.dirtyVotes) == 0 {
		return nil
	}
	out := make([]VoteCount, 0, len(m.dirtyVotes))
	for _, mq := range m.questions {
		if m.dirtyVotes[mq.q.ID] {
			out = append(out, VoteCount{ID: mq.q.ID, Votes: mq.q.Votes, Visible: mq.q.Visible()})
		}
	}
	clear(m.dirtyVotes)
	return out
}

// setQuestion moderates a question (status, pin, answer). Pinning one
// unpins the room's pinned question in the same step, with its own event.
func (m *Machine) setQuestion(r Record) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errorf(CodeForbidden, "only moderators and the host moderate questions")}
	}
	mq := m.byID[r.ID]
	if mq == nil {
		return nil, Outcome{Err: ErrQuestionNotFound}
	}
	if r.Question == nil || r.Question.IsZero() {
		return nil, Outcome{Err: errorf(CodeBadRequest, "nothing to change")}
	}
	q, err := r.Question.Apply(mq.q)
	if err != nil {
		return nil, Outcome{Err: AsError(err)}
	}
	if q == mq.q {
		return nil, Outcome{Question: &q}
	}
	var events []Event
	if q.Pinned && m.pinned != "" && m.pinned != q.ID {
		if old := m.byID[m.pinned]; old != nil {
			old.q.Pinned = false
			events = append(events, questionEvent(m.next(), old.q))
		}
	}
	switch {
	case q.Pinned:
		m.pinned = q.ID
	case m.pinned == q.ID:
		m.pinned = ""
	}
	mq.q = q
	events = append(events, questionEvent(m.next(), q))
	return events, Outcome{Question: &q}
}

// deleteQuestion removes a question: its author or staff.
func (m *Machine) deleteQuestion(r Record) ([]Event, Outcome) {
	mq := m.byID[r.ID]
	if mq == nil {
		return nil, Outcome{Err: ErrQuestionNotFound}
	}
	if !r.Staff && mq.q.Participant != r.Participant {
		return nil, Outcome{Err: ErrNotAuthor}
	}
	for i, x := range m.questions {
		if x == mq {
			m.questions = append(m.questions[:i], m.questions[i+1:]...)
			break
		}
	}
	delete(m.byID, r.ID)
	delete(m.texts, mq.q.Text)
	delete(m.dirtyVotes, r.ID)
	if m.pinned == r.ID {
		m.pinned = ""
	}
	seq := m.next()
	return []Event{{Seq: seq, Type: EventQuestionDeleted, Data: questionDeletedEvent(seq, r.ID)}}, Outcome{}
}

// Questions returns the room's questions in question order.
func (m *Machine) Questions() []Question {
	out := make([]Question, len(m.questions))
	for i, mq := range m.questions {
		out[i] = mq.q
	}
	return out
}

// Comments returns the room's newest n comments, oldest first.
func (m *Machine) Comments(n int) []Comment {
	from := max(0, len(m.comments)-n)
	return append([]Comment(nil), m.comments[from:]...)
}

// Upvoted returns the ids of the questions participant upvoted, in order.
func (m *Machine) Upvoted(participant string) []string {
	var ids []string
	for _, mq := range m.questions {
		if mq.voters[participant] {
			ids = append(ids, mq.q.ID)
		}
	}
	return ids
}
