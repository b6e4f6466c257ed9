package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// testQA runs the Q&A rules of rooms.QuestionStore.
func testQA(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *qaFixture)
	}{
		{"AddQuestion", testAddQuestion},
		{"Moderation", testQuestionModeration},
		{"AddQuestionRefusals", testAddQuestionRefusals},
		{"QuestionIdempotency", testQuestionIdempotency},
		{"Duplicate", testQuestionDuplicate},
		{"Status", testQuestionStatus},
		{"Pin", testQuestionPin},
		{"Delete", testDeleteQuestion},
		{"Vote", testVote},
		{"VoteRefusals", testVoteRefusals},
		{"VoteChanges", testVoteChanges},
		{"ConcurrentUpvotes", testConcurrentUpvotes},
		{"ConcurrentSameUpvote", testConcurrentSameUpvote},
		{"ConcurrentVoteRaces", testConcurrentVoteRaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retained := DefaultRetained
			if tt.name == "ConcurrentUpvotes" {
				retained = 10
			}
			f := newFixture(t, newStore, retained)
			tt.fn(t, &qaFixture{fixture: f, qs: f.store})
		})
	}
}

// qaFixture is a fixture whose store is a QuestionStore.
type qaFixture struct {
	*fixture
	qs rooms.QuestionStore
}

const askedAt = 1700000000001

// ask adds a question that must succeed and make an event.
func (f *qaFixture) ask(participant, text, cid string) (rooms.Question, rooms.Event) {
	f.t.Helper()
	q, ev, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: text, Author: author("Ada"), Participant: participant, At: askedAt}, cid)
	if err != nil {
		f.t.Fatalf("AddQuestion(%q, %q): %v", participant, text, err)
	}
	if ev.Seq == 0 {
		f.t.Fatalf("AddQuestion(%q, %q): zero event for a new question", participant, text)
	}
	f.made = append(f.made, ev)
	return q, ev
}

// set applies a patch that must succeed.
func (f *qaFixture) set(id string, patch rooms.QuestionPatch) ([]rooms.Event, rooms.Question) {
	f.t.Helper()
	evs, q, err := f.qs.SetQuestion(f.ctx, f.code, id, patch)
	if err != nil {
		f.t.Fatalf("SetQuestion(%s): %v", id, err)
	}
	f.made = append(f.made, evs...)
	return evs, q
}

func (f *qaFixture) vote(id, participant string, up bool) (int64, bool) {
	f.t.Helper()
	n, changed, err := f.qs.Vote(f.ctx, f.code, id, participant, up)
	if err != nil {
		f.t.Fatalf("Vote(%s, %s, %v): %v", id, participant, up, err)
	}
	return n, changed
}

// questions returns the room's questions by id, from StateWithQuestions.
func (f *qaFixture) questions() (rooms.State, map[string]rooms.Question) {
	f.t.Helper()
	st, err := f.qs.StateWithQuestions(f.ctx, f.code, 10)
	if err != nil {
		f.t.Fatalf("StateWithQuestions: %v", err)
	}
	m := make(map[string]rooms.Question, len(st.Questions))
	for _, q := range st.Questions {
		m[q.ID] = q
	}
	return st, m
}

// jsonString is a JSON string as rooms.MarshalJSON writes it (no HTML
// escaping): the stores must produce exactly these bytes.
func jsonString(s string) string {
	b, _ := rooms.MarshalJSON(s)
	return string(b)
}

// wantQuestionBytes returns the bytes of q's `question` event at seq as
// the contract fixes them: the author's (own, with its participant id),
// staff's (with the question's handle, never the participant id) and the
// audience's (data).
func wantQuestionBytes(seq uint64, q rooms.Question) (own, staff, data string) {
	name := "null"
	if q.Author != nil {
		name = jsonString(*q.Author)
	}
	pub := fmt.Sprintf(`{"type":"question","seq":%d,"id":"%s","text":%s,"author":%s,"votes":%d,"status":"%s","pinned":%v,"answer":%s,"at":%d`,
		seq, q.ID, jsonString(q.Text), name, q.Votes, q.Status, q.Pinned, jsonString(q.Answer), q.At)
	if q.Handle != "" {
		pub += `,"handle":"` + q.Handle + `"`
	}
	own = pub + `,"participant":"` + q.Participant + `"}`
	staff = pub + "}"
	if q.Status == rooms.QuestionLive || q.Status == rooms.QuestionAnswered {
		return own, staff, staff
	}
	return own, staff, fmt.Sprintf(`{"type":"question_deleted","seq":%d,"id":"%s"}`, seq, q.ID)
}

// checkQuestionEvent checks one `question` event byte for byte, that the
// audience version never carries the text of an invisible question, and
// that only the author receives its participant id. q.Handle may be left
// empty: the event's handle is taken (and must be one).
func checkQuestionEvent(t *testing.T, ev rooms.Event, seq uint64, q rooms.Question) {
	t.Helper()
	if q.Handle == "" {
		var got struct {
			Handle string `json:"handle"`
		}
		_ = json.Unmarshal(ev.For(true, rooms.HostParticipant), &got)
		if !rooms.IsHandle(got.Handle) {
			t.Fatalf("question event without a handle: %s", ev.For(true, rooms.HostParticipant))
		}
		q.Handle = got.Handle
	}
	own, staff, data := wantQuestionBytes(seq, q)
	if ev.Seq != seq || ev.Type != rooms.EventQuestion || ev.Owner != q.Participant {
		t.Fatalf("question event seq %d type %q owner %q, want %d %q %q", ev.Seq, ev.Type, ev.Owner, seq, rooms.EventQuestion, q.Participant)
	}
	if got := ev.For(true, rooms.HostParticipant); string(got) != staff {
		t.Fatalf("question event staff bytes\n got %s\nwant %s", got, staff)
	}
	if string(ev.Data) != data {
		t.Fatalf("question event audience bytes\n got %s\nwant %s", ev.Data, data)
	}
	if !q.Visible() && bytes.Contains(ev.Data, []byte(jsonString(q.Text))) {
		t.Fatalf("the audience version of a %s question carries its text: %s", q.Status, ev.Data)
	}
	if got := ev.For(false, q.Participant); string(got) != own {
		t.Fatalf("the author receives %s, want %s", got, own)
	}
	if got := ev.For(false, "p_other"); string(got) != data {
		t.Fatalf("another participant receives %s, want the audience version", got)
	}
}

func testAddQuestion(t *testing.T, f *qaFixture) {
	text := `Why <b>&</b> "quotes" é ✓` + "\u2028?"
	q1, ev1 := f.ask("p_a", text, "")
	want := rooms.Question{ID: "q1", Text: text, Author: author("Ada"), Status: rooms.QuestionLive, At: askedAt, Participant: "p_a"}
	if q1.ID != want.ID || q1.Text != want.Text || *q1.Author != "Ada" || q1.Status != want.Status || q1.Votes != 0 || q1.Pinned || q1.Answer != "" || q1.At != askedAt || q1.Participant != "p_a" {
		t.Fatalf("AddQuestion = %+v, want %+v", q1, want)
	}
	checkQuestionEvent(t, ev1, 1, want)

	// Questions and comments share the room's seq; ids are per kind.
	f.comment("p_b", "a comment", "")
	q2, _, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "anonymous?", Participant: "p_b", At: askedAt}, "")
	if err != nil {
		t.Fatalf("AddQuestion anonymous: %v", err)
	}
	evs := f.pub.Wait(t, f.code, 3)
	f.made = append(f.made, evs[2])
	if q2.ID != "q2" || q2.Author != nil {
		t.Fatalf("second question %+v: want q2, author nil", q2)
	}
	checkQuestionEvent(t, evs[2], 3, rooms.Question{ID: "q2", Text: "anonymous?", Status: rooms.QuestionLive, At: askedAt, Participant: "p_b"})
	if !bytes.Contains(evs[2].Data, []byte(`"author":null`)) {
		t.Fatalf("anonymous question event: %s", evs[2].Data)
	}
	f.wantSeq(3)

	st, qs := f.questions()
	if st.Seq != 3 || len(st.Questions) != 2 || st.Questions[0].ID != "q1" || st.Questions[1].ID != "q2" || len(st.Comments) != 1 {
		t.Fatalf("StateWithQuestions: seq %d, %+v, %d comments", st.Seq, st.Questions, len(st.Comments))
	}
	if qs["q1"].Participant != "p_a" || qs["q1"].Text != text {
		t.Fatalf("StateWithQuestions q1 = %+v", qs["q1"])
	}
	replay, ok, err := f.store.Since(f.ctx, f.code, 0)
	if err != nil || !ok || len(replay) != 3 {
		t.Fatalf("Since(0): %d events, %v, %v", len(replay), ok, err)
	}
	for i := range replay {
		if err := sameEvent(replay[i], f.made[i]); err != nil {
			t.Fatalf("Since(0)[%d]: %v", i, err)
		}
	}
	f.checkPublished()
}

func testQuestionModeration(t *testing.T, f *qaFixture) {
	f.update(rooms.RoomPatch{Moderation: ptr(true)})
	q, ev := f.ask("p_a", "secret pending text", "")
	if q.Status != rooms.QuestionPending {
		t.Fatalf("status %q with moderation on, want pending", q.Status)
	}
	checkQuestionEvent(t, ev, 2, q)

	// A forced pending (word filter) in a room without moderation.
	f.update(rooms.RoomPatch{Moderation: ptr(false)})
	q2, ev2, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "filtered", Participant: "p_b", At: askedAt, Status: rooms.QuestionPending}, "")
	if err != nil || q2.Status != rooms.QuestionPending {
		t.Fatalf("AddQuestion forced pending: %+v, %v", q2, err)
	}
	f.made = append(f.made, ev2)
	checkQuestionEvent(t, ev2, 4, q2)
	q3, _ := f.ask("p_c", "open", "")
	if q3.Status != rooms.QuestionLive {
		t.Fatalf("status %q without moderation, want live", q3.Status)
	}
	f.checkPublished()
}

func testAddQuestionRefusals(t *testing.T, f *qaFixture) {
	add := func(participant, text string) error {
		_, ev, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: text, Participant: participant}, "cid-"+participant)
		if err == nil {
			f.made = append(f.made, ev)
		} else if ev.Seq != 0 {
			t.Fatalf("refused AddQuestion returned an event with seq %d", ev.Seq)
		}
		return err
	}
	if _, _, err := f.qs.AddQuestion(f.ctx, "ZZZZZZ", rooms.Question{Text: "x", Participant: "p_a"}, ""); err != rooms.ErrRoomNotFound {
		t.Fatalf("AddQuestion in an unknown room: %v", err)
	}
	if err := f.store.Ban(f.ctx, f.code, "p_banned"); err != nil {
		t.Fatalf("Ban: %v", err)
	}
	f.update(rooms.RoomPatch{Closed: ptr(true)})
	wantErr(t, "AddQuestion of a banned participant in a closed room", add("p_banned", "hi"), rooms.ErrBanned)
	wantErr(t, "AddQuestion in a closed room", add("p_ok", "hi"), rooms.ErrRoomClosed)
	f.update(rooms.RoomPatch{Closed: ptr(false), QA: ptr(false)})
	err := add("p_ok", "hi")
	wantErr(t, "AddQuestion with Q&A off", err, rooms.ErrQAOff)
	wantCode(t, "AddQuestion with Q&A off", err, rooms.CodeForbidden)
	f.wantSeq(2)
	// The refusals made nothing: the same cid now makes q1.
	f.update(rooms.RoomPatch{QA: ptr(true)})
	if err := add("p_ok", "hi"); err != nil {
		t.Fatalf("AddQuestion after Q&A on: %v", err)
	}
	if _, qs := f.questions(); len(qs) != 1 || qs["q1"].Text != "hi" {
		t.Fatalf("questions after refusals: %+v", qs)
	}
	f.checkPublished()
}

func testQuestionIdempotency(t *testing.T, f *qaFixture) {
	first, _ := f.ask("p_a", "once", "cid-1")
	f.vote(first.ID, "p_b", true)
	again, ev, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "once", Participant: "p_a"}, "cid-1")
	if err != nil || ev.Seq != 0 || again.ID != first.ID || again.Text != "once" || again.Votes != 1 {
		t.Fatalf("resend with the same cid = %+v, seq %d, %v; want %s as it is now, no event", again, ev.Seq, err, first.ID)
	}
	// The cid is per participant: p_b's "cid-1" is a new question.
	other, _ := f.ask("p_b", "twice", "cid-1")
	if other.ID == first.ID {
		t.Fatal("another participant's cid matched")
	}
	if _, err := f.qs.DeleteQuestion(f.ctx, f.code, first.ID, ""); err != nil {
		t.Fatalf("DeleteQuestion: %v", err)
	}
	f.made = append(f.made, f.pub.Wait(t, f.code, 3)[2])
	gone, ev, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "once", Participant: "p_a"}, "cid-1")
	if err != nil || ev.Seq != 0 || gone.ID != first.ID {
		t.Fatalf("resend after delete = %+v, seq %d, %v; want only the id %s", gone, ev.Seq, err, first.ID)
	}
	f.wantSeq(3)
	f.checkPublished()
}

func testQuestionDuplicate(t *testing.T, f *qaFixture) {
	q1, _ := f.ask("p_a", "Same words", "")
	for _, p := range []string{"p_b", "p_a"} {
		_, ev, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "Same words", Participant: p}, "new-cid")
		e := rooms.AsError(err)
		if e == nil || e.Code != rooms.CodeConflict || e.Question != q1.ID || ev.Seq != 0 {
			t.Fatalf("duplicate from %s: %v (question %q), seq %d; want conflict carrying %s", p, err, e.Question, ev.Seq, q1.ID)
		}
	}
	// Not exact: another question.
	f.ask("p_b", "same words", "")
	// A hidden question still counts; a deleted one does not.
	f.set(q1.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionHidden)})
	_, _, err := f.qs.AddQuestion(f.ctx, f.code, rooms.Question{Text: "Same words", Participant: "p_c"}, "")
	if e := rooms.AsError(err); e == nil || e.Question != q1.ID {
		t.Fatalf("duplicate of a hidden question: %v", err)
	}
	if _, err := f.qs.DeleteQuestion(f.ctx, f.code, q1.ID, ""); err != nil {
		t.Fatal(err)
	}
	f.made = append(f.made, f.pub.Wait(t, f.code, 4)[3])
	q3, _ := f.ask("p_c", "Same words", "")
	if q3.ID != "q3" {
		t.Fatalf("question after deleting the duplicate: %s, want q3", q3.ID)
	}
	f.checkPublished()
}

func testQuestionStatus(t *testing.T, f *qaFixture) {
	f.update(rooms.RoomPatch{Moderation: ptr(true)})
	q, _ := f.ask("p_a", "move me", "")
	seq := f.seq()
	steps := []struct {
		to string
		ok bool
	}{
		{rooms.QuestionAnswered, false}, // pending → answered skips live
		{rooms.QuestionLive, true},
		{rooms.QuestionPending, false},
		{rooms.QuestionAnswered, true},
		{rooms.QuestionPending, false},
		{rooms.QuestionLive, true}, // undo answered
		{rooms.QuestionHidden, true},
		{rooms.QuestionAnswered, true}, // hidden → any
		{rooms.QuestionHidden, true},
		{rooms.QuestionPending, true},
		{rooms.QuestionHidden, true},
		{"bogus", false},
	}
	for _, st := range steps {
		evs, got, err := f.qs.SetQuestion(f.ctx, f.code, q.ID, rooms.QuestionPatch{Status: ptr(st.to)})
		if !st.ok {
			wantCode(t, q.Status+" → "+st.to, err, rooms.CodeConflict)
			if len(evs) != 0 {
				t.Fatalf("%s → %s refused but made events", q.Status, st.to)
			}
			continue
		}
		if err != nil || len(evs) != 1 || got.Status != st.to {
			t.Fatalf("%s → %s: %d events, %+v, %v", q.Status, st.to, len(evs), got, err)
		}
		f.made = append(f.made, evs...)
		seq++
		q.Status = st.to
		checkQuestionEvent(t, evs[0], seq, q)
	}
	// The same status again, or a patch that changes nothing, makes no event.
	for _, p := range []rooms.QuestionPatch{{Status: ptr(rooms.QuestionHidden)}, {Pinned: ptr(false)}, {Answer: ptr("")}} {
		if evs, _, err := f.qs.SetQuestion(f.ctx, f.code, q.ID, p); err != nil || len(evs) != 0 {
			t.Fatalf("no-op patch: %d events, %v", len(evs), err)
		}
	}
	// An answer, with the status, in one event.
	evs, got := f.set(q.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionAnswered), Answer: ptr(`It is <42> & "so"`)})
	seq++
	q.Status, q.Answer = rooms.QuestionAnswered, `It is <42> & "so"`
	if len(evs) != 1 || got.Answer != q.Answer {
		t.Fatalf("answer: %d events, %+v", len(evs), got)
	}
	checkQuestionEvent(t, evs[0], seq, q)
	if _, _, err := f.qs.SetQuestion(f.ctx, f.code, "q99", rooms.QuestionPatch{Status: ptr(rooms.QuestionLive)}); err != rooms.ErrQuestionNotFound {
		t.Fatalf("SetQuestion of an unknown question: %v", err)
	}
	// Moderation goes on in a closed room with Q&A off.
	f.update(rooms.RoomPatch{Closed: ptr(true), QA: ptr(false)})
	f.set(q.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionHidden)})
	f.checkPublished()
}

func testQuestionPin(t *testing.T, f *qaFixture) {
	q1, _ := f.ask("p_a", "first", "")
	q2, _ := f.ask("p_b", "second", "")
	evs, got := f.set(q1.ID, rooms.QuestionPatch{Pinned: ptr(true)})
	if len(evs) != 1 || !got.Pinned || evs[0].Seq != 3 {
		t.Fatalf("pin q1: %d events, %+v", len(evs), got)
	}
	q1.Pinned = true
	checkQuestionEvent(t, evs[0], 3, q1)
	// Pinning q2 unpins q1 in the same step: two events, q1's first.
	evs, got = f.set(q2.ID, rooms.QuestionPatch{Pinned: ptr(true)})
	if len(evs) != 2 || !got.Pinned {
		t.Fatalf("pin q2: %d events, %+v; want 2", len(evs), got)
	}
	q1.Pinned, q2.Pinned = false, true
	checkQuestionEvent(t, evs[0], 4, q1)
	checkQuestionEvent(t, evs[1], 5, q2)
	pinned := func() []string {
		_, qs := f.questions()
		var ids []string
		for _, q := range qs {
			if q.Pinned {
				ids = append(ids, q.ID)
			}
		}
		return ids
	}
	if p := pinned(); len(p) != 1 || p[0] != q2.ID {
		t.Fatalf("pinned questions %v, want [q2]", p)
	}
	// Pinning the pinned one again changes nothing.
	if evs, _, err := f.qs.SetQuestion(f.ctx, f.code, q2.ID, rooms.QuestionPatch{Pinned: ptr(true)}); err != nil || len(evs) != 0 {
		t.Fatalf("pin the pinned question: %d events, %v", len(evs), err)
	}
	// Hiding the pinned question unpins it, in its one event.
	evs, got = f.set(q2.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionHidden)})
	q2.Status, q2.Pinned = rooms.QuestionHidden, false
	if len(evs) != 1 || got.Pinned {
		t.Fatalf("hide the pinned question: %d events, %+v", len(evs), got)
	}
	checkQuestionEvent(t, evs[0], 6, q2)
	if p := pinned(); len(p) != 0 {
		t.Fatalf("pinned after hiding: %v", p)
	}
	// Only a live or answered question can be pinned.
	_, _, err := f.qs.SetQuestion(f.ctx, f.code, q2.ID, rooms.QuestionPatch{Pinned: ptr(true)})
	wantErr(t, "pin a hidden question", err, rooms.ErrPinInvisible)
	// Back to live and pinned in one patch; then pin q1 again, unpin it.
	f.set(q2.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionLive), Pinned: ptr(true)})
	if evs, _ := f.set(q1.ID, rooms.QuestionPatch{Pinned: ptr(true)}); len(evs) != 2 {
		t.Fatalf("pin q1 while q2 is pinned: %d events, want 2", len(evs))
	}
	if evs, got := f.set(q1.ID, rooms.QuestionPatch{Pinned: ptr(false)}); len(evs) != 1 || got.Pinned {
		t.Fatalf("unpin: %d events", len(evs))
	}
	if p := pinned(); len(p) != 0 {
		t.Fatalf("pinned after unpinning: %v", p)
	}
	// Deleting the pinned question frees the pin.
	f.set(q2.ID, rooms.QuestionPatch{Pinned: ptr(true)})
	if _, err := f.qs.DeleteQuestion(f.ctx, f.code, q2.ID, ""); err != nil {
		t.Fatal(err)
	}
	f.made = append(f.made, f.pub.Wait(t, f.code, len(f.made)+1)[len(f.made)])
	if evs, _ := f.set(q1.ID, rooms.QuestionPatch{Pinned: ptr(true)}); len(evs) != 1 {
		t.Fatalf("pin after the pinned question was deleted: %d events, want 1", len(evs))
	}
	f.checkPublished()
}

func testDeleteQuestion(t *testing.T, f *qaFixture) {
	f.update(rooms.RoomPatch{Moderation: ptr(true)})
	q1, _ := f.ask("p_a", "mine", "")
	q2, _ := f.ask("p_b", "theirs", "")
	f.set(q1.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionLive)})
	f.vote(q1.ID, "p_c", true)
	_, err := f.qs.DeleteQuestion(f.ctx, f.code, q1.ID, "p_b")
	wantErr(t, "DeleteQuestion by another participant", err, rooms.ErrNotAuthor)
	for _, tc := range []struct{ id, author string }{{q1.ID, "p_a"}, {q2.ID, ""}} {
		ev, err := f.qs.DeleteQuestion(f.ctx, f.code, tc.id, tc.author)
		if err != nil {
			t.Fatalf("DeleteQuestion(%s, %q): %v", tc.id, tc.author, err)
		}
		f.made = append(f.made, ev)
		want := fmt.Sprintf(`{"type":"question_deleted","seq":%d,"id":"%s"}`, ev.Seq, tc.id)
		if ev.Type != rooms.EventQuestionDeleted || string(ev.Data) != want || ev.Staff != nil || ev.Seq != f.seq() {
			t.Fatalf("DeleteQuestion event %q %s staff %s, want %s for everyone", ev.Type, ev.Data, ev.Staff, want)
		}
	}
	for _, id := range []string{q1.ID, "q99", "c1", "bogus"} {
		if _, err := f.qs.DeleteQuestion(f.ctx, f.code, id, ""); err != rooms.ErrQuestionNotFound {
			t.Fatalf("DeleteQuestion(%s) again or unknown: %v", id, err)
		}
	}
	if _, _, err := f.qs.Vote(f.ctx, f.code, q1.ID, "p_d", true); err != rooms.ErrQuestionNotFound {
		t.Fatalf("Vote on a deleted question: %v", err)
	}
	if ids, err := f.qs.Upvoted(f.ctx, f.code, "p_c"); err != nil || len(ids) != 0 {
		t.Fatalf("Upvoted after delete: %v, %v", ids, err)
	}
	if _, qs := f.questions(); len(qs) != 0 {
		t.Fatalf("questions after deletes: %+v", qs)
	}
	f.checkPublished()
}

func testVote(t *testing.T, f *qaFixture) {
	q1, _ := f.ask("p_a", "vote on me", "")
	q2, _ := f.ask("p_a", "and on me", "")
	steps := []struct {
		q       string
		p       string
		up      bool
		votes   int64
		changed bool
	}{
		{q1.ID, "p_b", true, 1, true},
		{q1.ID, "p_b", true, 1, false}, // one upvote per participant
		{q1.ID, "p_c", true, 2, true},
		{q1.ID, "p_a", true, 3, true}, // the author may upvote its own
		{q1.ID, "p_b", false, 2, true},
		{q1.ID, "p_b", false, 2, false},
		{q2.ID, "p_d", false, 0, false}, // never negative
		{q2.ID, "p_d", true, 1, true},
	}
	for i, s := range steps {
		if n, changed := f.vote(s.q, s.p, s.up); n != s.votes || changed != s.changed {
			t.Fatalf("step %d: Vote(%s, %s, %v) = %d, %v; want %d, %v", i, s.q, s.p, s.up, n, changed, s.votes, s.changed)
		}
	}
	// Votes are not durable events, but the next question event carries the count.
	f.wantSeq(2)
	evs, _ := f.set(q1.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionAnswered)})
	if !bytes.Contains(evs[0].Data, []byte(`"votes":2,`)) {
		t.Fatalf("question event after votes: %s", evs[0].Data)
	}
	_, qs := f.questions()
	if qs[q1.ID].Votes != 2 || qs[q2.ID].Votes != 1 {
		t.Fatalf("StateWithQuestions votes: q1 %d, q2 %d; want 2, 1", qs[q1.ID].Votes, qs[q2.ID].Votes)
	}
	for p, want := range map[string][]string{"p_a": {"q1"}, "p_b": nil, "p_c": {"q1"}, "p_d": {"q2"}} {
		ids, err := f.qs.Upvoted(f.ctx, f.code, p)
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Fatalf("Upvoted(%s) = %v, %v; want %v", p, ids, err, want)
		}
	}
	f.vote(q2.ID, "p_a", true)
	if ids, _ := f.qs.Upvoted(f.ctx, f.code, "p_a"); fmt.Sprint(ids) != "[q1 q2]" {
		t.Fatalf("Upvoted(p_a) = %v, want [q1 q2] in question order", ids)
	}
	f.checkPublished()
}

func testVoteRefusals(t *testing.T, f *qaFixture) {
	f.update(rooms.RoomPatch{Moderation: ptr(true)})
	q, _ := f.ask("p_a", "pending", "")
	// Invisible questions: only their author may vote.
	if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_b", true); err != rooms.ErrQuestionNotFound {
		t.Fatalf("Vote on another's pending question: %v", err)
	}
	if n, _ := f.vote(q.ID, "p_a", true); n != 1 {
		t.Fatalf("author's vote on its pending question: %d", n)
	}
	f.set(q.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionLive)})
	f.vote(q.ID, "p_b", true)
	f.set(q.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionHidden)})
	if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_b", false); err != rooms.ErrQuestionNotFound {
		t.Fatalf("unvote on another's hidden question: %v", err)
	}
	f.set(q.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionLive)})
	if _, _, err := f.qs.Vote(f.ctx, f.code, "q99", "p_b", true); err != rooms.ErrQuestionNotFound {
		t.Fatalf("Vote on an unknown question: %v", err)
	}
	if _, _, err := f.qs.Vote(f.ctx, "ZZZZZZ", q.ID, "p_b", true); err != rooms.ErrRoomNotFound {
		t.Fatalf("Vote in an unknown room: %v", err)
	}
	if err := f.store.Ban(f.ctx, f.code, "p_banned"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_banned", true); err != rooms.ErrBanned {
		t.Fatalf("Vote of a banned participant: %v", err)
	}
	f.update(rooms.RoomPatch{Closed: ptr(true)})
	if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_c", true); err != rooms.ErrRoomClosed {
		t.Fatalf("Vote in a closed room: %v", err)
	}
	f.update(rooms.RoomPatch{Closed: ptr(false), QA: ptr(false)})
	if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_c", true); err != rooms.ErrQAOff {
		t.Fatalf("Vote with Q&A off: %v", err)
	}
	if _, qs := f.questions(); qs[q.ID].Votes != 2 {
		t.Fatalf("votes after refusals: %d, want 2", qs[q.ID].Votes)
	}
	f.checkPublished()
}

func testVoteChanges(t *testing.T, f *qaFixture) {
	other := f.newRoom()
	quiet := f.newRoom()
	q1, _ := f.ask("p_a", "one", "")
	q2, _ := f.ask("p_a", "two", "")
	f.ask("p_a", "never voted", "")
	get := func(since map[string]uint64) map[string]rooms.VoteChanges {
		t.Helper()
		ch, err := f.qs.VoteChanges(f.ctx, since)
		if err != nil {
			t.Fatalf("VoteChanges: %v", err)
		}
		return ch
	}
	if ch := get(map[string]uint64{f.code: 0, other: 0, "ZZZZZZ": 0}); len(ch) != 0 {
		t.Fatalf("VoteChanges without votes: %+v", ch)
	}
	f.vote(q1.ID, "p_b", true)
	f.vote(q1.ID, "p_c", true)
	f.vote(q2.ID, "p_b", true)
	f.vote(q2.ID, "p_b", true) // no change
	ch := get(map[string]uint64{f.code: 0, quiet: 0})
	c, ok := ch[f.code]
	if len(ch) != 1 || !ok || c.Version == 0 || fmt.Sprint(c.Counts) != "[{q1 2 true} {q2 1 true}]" {
		t.Fatalf("VoteChanges since 0 = %+v", ch)
	}
	v := c.Version
	if ch := get(map[string]uint64{f.code: v}); len(ch) != 0 {
		t.Fatalf("VoteChanges since the current version = %+v", ch)
	}
	// Only what changed after v; counts of invisible questions are flagged.
	f.vote(q2.ID, "p_b", false)
	f.set(q2.ID, rooms.QuestionPatch{Status: ptr(rooms.QuestionHidden)})
	c = get(map[string]uint64{f.code: v})[f.code]
	if c.Version <= v || fmt.Sprint(c.Counts) != "[{q2 0 false}]" {
		t.Fatalf("VoteChanges since %d = %+v; want only q2, 0, invisible", v, c)
	}
	// A deleted question's count is gone.
	if _, err := f.qs.DeleteQuestion(f.ctx, f.code, q1.ID, ""); err != nil {
		t.Fatal(err)
	}
	c = get(map[string]uint64{f.code: 0})[f.code]
	if fmt.Sprint(c.Counts) != "[{q2 0 false}]" {
		t.Fatalf("VoteChanges after deleting q1 = %+v", c)
	}
}

func testConcurrentUpvotes(t *testing.T, f *qaFixture) {
	const n = 1000
	q, _ := f.ask("p_author", "popular", "")
	var changed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, c, err := f.qs.Vote(f.ctx, f.code, q.ID, "p_"+strconv.Itoa(i), true)
			if err != nil {
				t.Errorf("Vote %d: %v", i, err)
			}
			if c {
				changed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if _, qs := f.questions(); qs[q.ID].Votes != n || changed.Load() != n {
		t.Fatalf("%d participants upvoted concurrently: %d votes, %d changes; want %d", n, qs[q.ID].Votes, changed.Load(), n)
	}
	if c, _ := f.qs.VoteChanges(f.ctx, map[string]uint64{f.code: 0}); c[f.code].Counts[0].Votes != n {
		t.Fatalf("VoteChanges: %+v", c[f.code])
	}
	f.wantSeq(1) // votes are not durable events
}

func testConcurrentSameUpvote(t *testing.T, f *qaFixture) {
	q, _ := f.ask("p_author", "once only", "")
	for round := range 20 {
		p := "p_" + strconv.Itoa(round)
		var changed atomic.Int64
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, c, err := f.qs.Vote(f.ctx, f.code, q.ID, p, true); err != nil {
					t.Errorf("Vote: %v", err)
				} else if c {
					changed.Add(1)
				}
			})
		}
		wg.Wait()
		if changed.Load() != 1 {
			t.Fatalf("round %d: %d of 2 concurrent upvotes of one participant changed the count, want 1", round, changed.Load())
		}
	}
	if _, qs := f.questions(); qs[q.ID].Votes != 20 {
		t.Fatalf("votes %d, want 20", qs[q.ID].Votes)
	}
}

func testConcurrentVoteRaces(t *testing.T, f *qaFixture) {
	const participants, actions = 100, 20
	q, _ := f.ask("p_author", "contested", "")
	last := make([]bool, participants)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range participants {
		wg.Go(func() {
			<-start
			p := "p_" + strconv.Itoa(i)
			for range actions {
				up := rand.IntN(2) == 0
				if _, _, err := f.qs.Vote(f.ctx, f.code, q.ID, p, up); err != nil {
					t.Errorf("Vote: %v", err)
					return
				}
				last[i] = up
			}
		})
	}
	// One more participant races itself: two goroutines, up and unvote.
	var selfUp, selfDown sync.WaitGroup
	for range actions {
		selfUp.Go(func() { f.qs.Vote(f.ctx, f.code, q.ID, "p_self", true) })
		selfDown.Go(func() { f.qs.Vote(f.ctx, f.code, q.ID, "p_self", false) })
	}
	close(start)
	wg.Wait()
	selfUp.Wait()
	selfDown.Wait()
	want := int64(0)
	for _, up := range last {
		if up {
			want++
		}
	}
	self, err := f.qs.Upvoted(f.ctx, f.code, "p_self")
	if err != nil {
		t.Fatal(err)
	}
	want += int64(len(self))
	_, qs := f.questions()
	if got := qs[q.ID].Votes; got != want {
		t.Fatalf("after concurrent upvote/unvote races: %d votes, want %d (participants whose last action was up)", got, want)
	}
	if c, _ := f.qs.VoteChanges(f.ctx, map[string]uint64{f.code: 0}); c[f.code].Counts[0].Votes != want {
		t.Fatalf("VoteChanges after races: %+v, want %d", c[f.code], want)
	}
}
