package rooms

import (
	"sort"
	"strconv"
)

// Question statuses. A question starts pending (room moderation on) or live;
// the only moves are those of ValidTransition.
const (
	QuestionPending  = "pending"
	QuestionLive     = "live"
	QuestionAnswered = "answered"
	QuestionHidden   = "hidden"
)

// Event types of Q&A (server → client) that are not also command types.
const (
	EventQuestion        = "question"
	EventQuestionDeleted = "question_deleted"
	EventVotes           = "votes"
)

// Question is one question as clients see it, in the JSON field order of
// its events (see questionEvent).
type Question struct {
	ID     string  `json:"id"`     // "q<n>", numbered per room from 1
	Text   string  `json:"text"`   // 1–MaxQuestionRunes characters, cleaned
	Author *string `json:"author"` // display name; null: anonymous
	Votes  int64   `json:"votes"`  // upvotes when the question was last read
	Status string  `json:"status"` // QuestionPending, QuestionLive, ...
	Pinned bool    `json:"pinned"` // highlighted; at most one per room
	Answer string  `json:"answer"` // the host's written answer; "" when none
	At     int64   `json:"at"`     // when it was asked, Unix milliseconds
	// Handle is the question's opaque handle (handles.go); "" for a
	// question of the staff keys.
	Handle string `json:"handle,omitempty"`
	// Participant is the author's pseudonymous id. It is sent only to the
	// author itself (the Own version of events, its own snapshot), by which
	// its page knows the question as its own; everyone else, staff
	// included, receives the question without it, so nobody can tie an
	// anonymous question to its author.
	Participant string `json:"participant,omitempty"`
	// named: the asker has a display name, also when it asks anonymously
	// (Room.NameRequired); set by the Service, never sent.
	named bool
	// askRefill, askBurst: the room-wide ask rate an audience question is
	// appended with (Record.AskRefill); 0: none (staff).
	askRefill int64
	askBurst  int
	// Edited: its author changed the text (question_edit) after asking.
	Edited bool `json:"edited,omitempty"`
}

// public returns the question as everyone but its author receives it.
func (q Question) public() Question {
	q.Participant = ""
	return q
}

// Visible reports whether the audience at large may see the question: it is
// live or answered. Pending and hidden questions go only to staff and to
// their author.
func (q *Question) Visible() bool { return VisibleStatus(q.Status) }

// VisibleStatus reports whether a question with that status is visible to
// the audience at large.
func VisibleStatus(status string) bool {
	return status == QuestionLive || status == QuestionAnswered
}

// VisibleTo reports whether participant may see (and upvote) the question
// without being staff: it is visible, or participant is its author.
func (q *Question) VisibleTo(participant string) bool {
	return q.Visible() || (participant != "" && q.Participant == participant)
}

// ValidStatus reports whether s is a question status.
func ValidStatus(s string) bool {
	switch s {
	case QuestionPending, QuestionLive, QuestionAnswered, QuestionHidden:
		return true
	}
	return false
}

// ValidTransition reports whether a question may move from status from to
// status to. The machine is pending → live → answered, with answered → live
// to undo a mistaken "answered"; hidden is reachable from every status, and
// a hidden question may go back to any status. Setting the current status
// again is allowed (and changes nothing). The Redis scripts mirror this table.
func ValidTransition(from, to string) bool {
	if from == to || to == QuestionHidden || from == QuestionHidden {
		return ValidStatus(to)
	}
	switch from {
	case QuestionPending:
		return to == QuestionLive
	case QuestionLive:
		return to == QuestionAnswered
	case QuestionAnswered:
		return to == QuestionLive
	}
	return false
}

// QuestionPatch is a moderation change of a question; nil fields stay as
// they are.
type QuestionPatch struct {
	Status *string
	Pinned *bool
	Answer *string // already cleaned and length-checked by the Service
}

// IsZero reports whether the patch changes nothing.
func (p QuestionPatch) IsZero() bool { return p == QuestionPatch{} }

// Apply returns q with the patch's fields set, and whether that is a valid
// change: the status move must be a ValidTransition, and only a live or
// answered question can be pinned. A question leaving the visible statuses
// is unpinned in the same step. The caller unpins the room's previously
// pinned question when the result is pinned.
func (p QuestionPatch) Apply(q Question) (Question, error) {
	if p.Status != nil {
		if !ValidTransition(q.Status, *p.Status) {
			return q, errorf(CodeConflict, "a %s question cannot become %s", q.Status, *p.Status)
		}
		q.Status = *p.Status
	}
	if p.Answer != nil {
		q.Answer = *p.Answer
	}
	if p.Pinned != nil {
		if *p.Pinned && !q.Visible() {
			return q, ErrPinInvisible
		}
		q.Pinned = *p.Pinned
	}
	if !q.Visible() {
		q.Pinned = false
	}
	return q, nil
}

// Refusals of the Q&A commands, shared by the stores.
var (
	ErrQuestionNotFound = &Error{Code: CodeNotFound, Message: "no such question"}
	ErrPinInvisible     = &Error{Code: CodeConflict, Message: "only a live or answered question can be pinned"}
	// ErrQAOff refuses asking and upvoting while the room's `qa` setting is off.
	ErrQAOff = &Error{Code: CodeForbidden, Message: "questions are turned off in this room"}
)

// DuplicateQuestion returns the refusal of a question whose text exactly
// equals that of the room's question id (not deleted, whatever its status):
// a conflict that carries id so the client can offer to upvote it instead.
func DuplicateQuestion(id string) *Error {
	return &Error{Code: CodeConflict, Message: "this question was already asked; upvote it instead", Question: id}
}

// questionEvent returns the durable `question` event of q's new state at seq.
//
//	Own:   {"type":"question","seq":<seq>,"id":"<id>","text":<text>,"author":<name|null>,"votes":<n>,"status":"<status>","pinned":<true|false>,"answer":<answer>,"at":<ms>[,"handle":"<handle>"],"participant":"<participant>"}
//	Staff: the same without ,"participant":… (nil when equal to Data)
//	Data, visible question:   the same as Staff
//	Data, pending or hidden:  {"type":"question_deleted","seq":<seq>,"id":"<id>"}
//
// Owner is the author, who receives the Own version: the only field in it
// nobody else gets is the author's own participant id, by which the page
// recognizes its own questions (to show "waiting for approval" and a delete
// button). A pending or hidden question's text thus reaches only staff and
// its author, while everyone's seq stays continuous: the audience removes
// (or never shows) the question. Staff see a question's handle, never its
// author's id: they act on the question, and the machine resolves the
// author (ban).
func questionEvent(seq uint64, q Question) Event {
	own := encodeEvent(EventQuestion, seq, q)
	staff := encodeEvent(EventQuestion, seq, q.public())
	ev := Event{Seq: seq, Type: EventQuestion, Data: staff, Own: own, Owner: q.Participant}
	if !q.Visible() {
		ev.Data, ev.Staff = questionDeletedEvent(seq, q.ID), staff
	}
	return ev
}

// questionDeletedEvent encodes the `question_deleted` event:
// {"type":"question_deleted","seq":<seq>,"id":"<id>"}. A real deletion sends
// it to everyone (no Staff version).
func questionDeletedEvent(seq uint64, id string) []byte {
	return encodeEvent(EventQuestionDeleted, seq, struct {
		ID string `json:"id"`
	}{id})
}

// VoteCount is one question's upvote count as VoteChanges reports it.
type VoteCount struct {
	ID    string
	Votes int64
	// Visible: the audience at large may see the question (live or
	// answered). Counts of other questions go to staff only.
	Visible bool
}

// VoteChanges is what changed in one room's upvote counts since a version.
type VoteChanges struct {
	// Version is the room's vote version now: it grows with every upvote or
	// unvote that changed a count. Pass it as since next time.
	Version uint64
	// Counts are the current counts of the questions (not deleted) whose
	// count changed after the version passed, ordered by question number.
	Counts []VoteCount
}

// VotesEvent encodes the ephemeral `votes` event:
// {"type":"votes","questions":{"q12":41,"q15":7}}. With staff false it
// leaves out the questions the audience may not see; it returns nil when
// nothing is left.
func VotesEvent(counts []VoteCount, staff bool) []byte {
	b := make([]byte, 0, 32+16*len(counts))
	b = append(b, `{"type":"votes","questions":{`...)
	n := 0
	for _, c := range counts {
		if !staff && !c.Visible {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = append(b, c.ID...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, c.Votes, 10)
	}
	if n == 0 {
		return nil
	}
	return append(b, "}}"...)
}

// questionNumber returns n of the id "q<n>", or 0 when id is not one.
func questionNumber(id string) uint64 {
	if len(id) < 2 || len(id) > 16 || id[0] != 'q' || id[1] == '0' {
		return 0
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// sortQuestionIDs orders ids "q<n>" by n.
func sortQuestionIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool { return questionNumber(ids[i]) < questionNumber(ids[j]) })
}
