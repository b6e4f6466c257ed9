package rooms

import (
	"context"
	"sort"
	"strconv"
)

// memoryQA is the Q&A state of a memory room, guarded by the room's mutex.
// Its maps are made at first use.
type memoryQA struct {
	questions map[string]*memoryQuestion // id → question (not deleted)
	texts     map[string]string          // text → id, for duplicate detection
	cids      map[string]string          // participant "|" cid → question id
	nextID    uint64                     // the last question number
	pinned    string                     // id of the pinned question, "" for none
	version   uint64                     // the room's vote version
}

type memoryQuestion struct {
	q       Question // Votes is kept equal to len(voters)
	voters  map[string]bool
	version uint64 // the vote version of the last change of its count
}

func (qa *memoryQA) init() {
	if qa.questions == nil {
		qa.questions = make(map[string]*memoryQuestion)
		qa.texts = make(map[string]string)
		qa.cids = make(map[string]string)
	}
}

// sorted returns the room's questions ordered by question number.
func (qa *memoryQA) sorted() []*memoryQuestion {
	out := make([]*memoryQuestion, 0, len(qa.questions))
	for _, mq := range qa.questions {
		out = append(out, mq)
	}
	sort.Slice(out, func(i, j int) bool { return questionNumber(out[i].q.ID) < questionNumber(out[j].q.ID) })
	return out
}

var _ Store = (*MemoryStore)(nil)

// AddQuestion implements QuestionStore.
func (s *MemoryStore) AddQuestion(_ context.Context, code string, q Question, cid string) (Question, Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Question{}, Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := postAllowed(r.rec.Room, r.banned[q.Participant]); err != nil {
		return Question{}, Event{}, err
	}
	if !r.rec.QA {
		return Question{}, Event{}, ErrQAOff
	}
	qa := &r.qa
	qa.init()
	cidKey := q.Participant + "|" + cid
	if cid != "" {
		if id, seen := qa.cids[cidKey]; seen {
			if mq, ok := qa.questions[id]; ok {
				return mq.q, Event{}, nil
			}
			return Question{ID: id}, Event{}, nil // asked, then deleted
		}
	}
	if id, dup := qa.texts[q.Text]; dup {
		return Question{}, Event{}, DuplicateQuestion(id)
	}
	qa.nextID++
	q.ID = "q" + strconv.FormatUint(qa.nextID, 10)
	q.Votes, q.Pinned, q.Answer = 0, false, ""
	if q.Status != QuestionPending && !r.rec.Moderation {
		q.Status = QuestionLive
	} else {
		q.Status = QuestionPending
	}
	if cid != "" {
		qa.cids[cidKey] = q.ID
	}
	qa.texts[q.Text] = q.ID
	qa.questions[q.ID] = &memoryQuestion{q: q, voters: make(map[string]bool)}
	ev := s.appendLocked(r, questionEvent(r.seq+1, q))
	return q, ev, nil
}

// SetQuestion implements QuestionStore.
func (s *MemoryStore) SetQuestion(_ context.Context, code, id string, patch QuestionPatch) ([]Event, Question, error) {
	r, err := s.room(code)
	if err != nil {
		return nil, Question{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	qa := &r.qa
	mq := qa.questions[id]
	if mq == nil {
		return nil, Question{}, ErrQuestionNotFound
	}
	q, err := patch.Apply(mq.q)
	if err != nil {
		return nil, mq.q, err
	}
	if q == mq.q {
		return nil, q, nil
	}
	var events []Event
	if q.Pinned && qa.pinned != "" && qa.pinned != id {
		if old := qa.questions[qa.pinned]; old != nil {
			old.q.Pinned = false
			events = append(events, s.appendLocked(r, questionEvent(r.seq+1, old.q)))
		}
	}
	switch {
	case q.Pinned:
		qa.pinned = id
	case qa.pinned == id:
		qa.pinned = ""
	}
	mq.q = q
	events = append(events, s.appendLocked(r, questionEvent(r.seq+1, q)))
	return events, q, nil
}

// DeleteQuestion implements QuestionStore.
func (s *MemoryStore) DeleteQuestion(_ context.Context, code, id, author string) (Event, error) {
	r, err := s.room(code)
	if err != nil {
		return Event{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	qa := &r.qa
	mq := qa.questions[id]
	if mq == nil {
		return Event{}, ErrQuestionNotFound
	}
	if author != "" && mq.q.Participant != author {
		return Event{}, ErrNotAuthor
	}
	delete(qa.questions, id)
	delete(qa.texts, mq.q.Text)
	if qa.pinned == id {
		qa.pinned = ""
	}
	seq := r.seq + 1
	return s.appendLocked(r, Event{Seq: seq, Type: EventQuestionDeleted, Data: questionDeletedEvent(seq, id)}), nil
}

// Vote implements QuestionStore.
func (s *MemoryStore) Vote(_ context.Context, code, id, participant string, up bool) (int64, bool, error) {
	r, err := s.room(code)
	if err != nil {
		return 0, false, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := postAllowed(r.rec.Room, r.banned[participant]); err != nil {
		return 0, false, err
	}
	if !r.rec.QA {
		return 0, false, ErrQAOff
	}
	mq := r.qa.questions[id]
	if mq == nil || !mq.q.VisibleTo(participant) {
		return 0, false, ErrQuestionNotFound
	}
	if mq.voters[participant] == up {
		return mq.q.Votes, false, nil
	}
	if up {
		mq.voters[participant] = true
	} else {
		delete(mq.voters, participant)
	}
	mq.q.Votes = int64(len(mq.voters))
	r.qa.version++
	mq.version = r.qa.version
	return mq.q.Votes, true, nil
}

// VoteChanges implements QuestionStore.
func (s *MemoryStore) VoteChanges(_ context.Context, since map[string]uint64) (map[string]VoteChanges, error) {
	out := make(map[string]VoteChanges)
	for code, v := range since {
		r, err := s.room(code)
		if err != nil {
			continue
		}
		r.mu.Lock()
		if r.qa.version > v {
			ch := VoteChanges{Version: r.qa.version}
			for _, mq := range r.qa.questions {
				if mq.version > v {
					ch.Counts = append(ch.Counts, VoteCount{ID: mq.q.ID, Votes: mq.q.Votes, Visible: mq.q.Visible()})
				}
			}
			sort.Slice(ch.Counts, func(i, j int) bool {
				return questionNumber(ch.Counts[i].ID) < questionNumber(ch.Counts[j].ID)
			})
			out[code] = ch
		}
		r.mu.Unlock()
	}
	return out, nil
}

// Upvoted implements QuestionStore.
func (s *MemoryStore) Upvoted(_ context.Context, code, participant string) ([]string, error) {
	r, err := s.room(code)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, mq := range r.qa.questions {
		if mq.voters[participant] {
			ids = append(ids, id)
		}
	}
	sortQuestionIDs(ids)
	return ids, nil
}

// StateWithQuestions implements QuestionStore.
func (s *MemoryStore) StateWithQuestions(ctx context.Context, code string, comments int) (State, error) {
	r, err := s.room(code)
	if err != nil {
		return State{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.stateLocked(r, comments), nil
}

// stateLocked returns the room's State with its questions; r.mu is held.
func (s *MemoryStore) stateLocked(r *memoryRoom, comments int) State {
	from := max(0, len(r.comments)-comments)
	st := State{
		Seq:       r.seq,
		Room:      r.rec.Room,
		Comments:  append([]Comment(nil), r.comments[from:]...),
		Reactions: r.reactions,
		Questions: make([]Question, 0, len(r.qa.questions)),
	}
	for _, mq := range r.qa.sorted() {
		st.Questions = append(st.Questions, mq.q)
	}
	return st
}
