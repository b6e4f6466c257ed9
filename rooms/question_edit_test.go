package rooms

import (
	"strings"
	"testing"
)

// TestMachineQuestionEdit: the author edits their question while it has
// no upvote (the event carries the new text, marked edited, and the old
// text is free again); anyone else, an upvoted or answered question, a
// duplicate, a banned author and a closed room are refused with their
// named errors and change nothing; a held edit sends a live question to
// pending and unpins it.
func TestMachineQuestionEdit(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Waht is the plan?"})    // q1
	f.ok(Record{Op: OpAsk, Participant: "p_b", Text: "Who owns the budget?"}) // q2
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Answered already"})     // q3
	f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q3", Question: &QuestionPatch{Status: ptr(QuestionAnswered)}})

	edit := func(who, id, text string) Record {
		return Record{Op: OpQuestionEdit, Participant: who, ID: id, Text: text}
	}
	refusals := []struct {
		name string
		rec  Record
		want *Error
	}{
		{"someone else's", edit("p_b", "q1", "What is the plan?"), ErrNotYourQuestion},
		{"staff", Record{Op: OpQuestionEdit, Staff: true, ID: "q1", Text: "What is the plan?"}, ErrNotYourQuestion},
		{"unknown", edit("p_a", "q9", "What is the plan?"), ErrQuestionNotFound},
		{"answered", edit("p_a", "q3", "Answered, edited"), ErrQuestionAnswered},
		{"duplicate of q2", edit("p_a", "q1", "Who owns the budget?"), &Error{Code: CodeConflict}},
	}
	for _, r := range refusals {
		err := f.refused(r.rec, r.want.Code)
		if r.want.Message != "" && err != r.want {
			t.Errorf("%s: %v, want %v", r.name, err, r.want)
		}
	}

	evs, out := f.ok(edit("p_a", "q1", "What is the plan?"))
	if len(evs) != 1 || !strings.Contains(string(evs[0].Data), `"text":"What is the plan?"`) || !strings.Contains(string(evs[0].Data), `"edited":true`) {
		t.Fatalf("edit: events %+v", evs)
	}
	if out.Question.Text != "What is the plan?" || !out.Question.Edited {
		t.Fatalf("edit: outcome %+v", out.Question)
	}
	// The old text is free: asking it again is no duplicate.
	f.ok(Record{Op: OpAsk, Participant: "p_c", Text: "Waht is the plan?"}) // q4
	// The same text again: no event.
	if evs, _ := f.ok(edit("p_a", "q1", "What is the plan?")); len(evs) != 0 {
		t.Fatalf("an edit to the same text made %d events", len(evs))
	}

	// One upvote, and the question is fixed.
	f.ok(Record{Op: OpUpvote, Participant: "p_b", ID: "q1"})
	if err := f.refused(edit("p_a", "q1", "What is the plan, really?"), CodeConflict); err != ErrQuestionHasVotes {
		t.Fatalf("edit of an upvoted question: %v, want ErrQuestionHasVotes", err)
	}
	f.ok(Record{Op: OpUnvote, Participant: "p_b", ID: "q1"})

	// A held edit of the pinned question: pending and unpinned.
	f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q1", Question: &QuestionPatch{Pinned: ptr(true)}})
	_, out = f.ok(Record{Op: OpQuestionEdit, Participant: "p_a", ID: "q1", Text: "What is the **** plan?", Held: true})
	if out.Question.Status != QuestionPending || out.Question.Pinned {
		t.Fatalf("held edit: %+v, want pending and unpinned", out.Question)
	}

	// Banned, or the room closed: refused.
	f.ok(Record{Op: OpBan, Staff: true, ID: "p_a"})
	f.refused(edit("p_a", "q1", "Let me in"), CodeForbidden)
	f.ok(Record{Op: OpAsk, Participant: "p_d", Text: "Before closing"}) // q5
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Closed: ptr(true)}})
	f.refused(edit("p_d", "q5", "After closing"), CodeClosed)
}
