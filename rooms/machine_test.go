package rooms

import (
	"strings"
	"testing"
)

// machineFeed applies records to a machine as consecutive log entries,
// one second apart from t0.
type machineFeed struct {
	t *testing.T
	m *Machine
	// clock, when set, is the time of every entry instead.
	clock int64
	// entries are the entries applied, in order (a replay feeds them again).
	entries []Entry
}

const t0 = 1_800_000_000_000

func newFeed(t *testing.T, room Room) *machineFeed {
	f := &machineFeed{t: t, m: NewMachine("ROOM42")}
	if _, out := f.apply(Record{Op: OpCreate, Staff: true, Room: &room}); out.Err != nil {
		t.Fatalf("create: %v", out.Err)
	}
	return f
}

func (f *machineFeed) apply(r Record) ([]Event, Outcome) {
	pos := f.m.Pos() + 1
	at := t0 + int64(pos)*1000
	if f.clock != 0 {
		at = f.clock
	}
	e := Entry{Pos: pos, Time: at, Epoch: 7, Rules: RulesVersion, Data: EncodeRecord(r)}
	f.entries = append(f.entries, e)
	return f.m.Apply(e)
}

// ok applies r and fails unless it was applied.
func (f *machineFeed) ok(r Record) ([]Event, Outcome) {
	f.t.Helper()
	evs, out := f.apply(r)
	if out.Err != nil {
		f.t.Fatalf("%s: refused: %v", r.Op, out.Err)
	}
	return evs, out
}

// refused applies r and fails unless it was refused with code, changing nothing.
func (f *machineFeed) refused(r Record, code string) *Error {
	f.t.Helper()
	before := f.m.Snapshot()
	evs, out := f.apply(r)
	if out.Err == nil || out.Err.Code != code {
		f.t.Fatalf("%s: %v, want %s", r.Op, out.Err, code)
	}
	if len(evs) > 0 {
		f.t.Fatalf("%s: refused but made %d events", r.Op, len(evs))
	}
	after, _ := RestoreMachine(f.m.Snapshot())
	prev, _ := RestoreMachine(before)
	after.pos, prev.pos = 0, 0
	if string(after.Snapshot()) != string(prev.Snapshot()) {
		f.t.Fatalf("%s: refused but changed the state", r.Op)
	}
	return out.Err
}

func openRoom() Room { return NewRoom("ROOM42", "All hands", false, 0) }

func name(s string) *string { return &s }

func TestMachineCreate(t *testing.T) {
	f := newFeed(t, openRoom())
	if r := f.m.Room(); r.Code != "ROOM42" || r.Title != "All hands" || r.CreatedAt != t0+1000 || !r.QA {
		t.Fatalf("room after create: %+v", r)
	}
	f.refused(Record{Op: OpCreate, Staff: true, Room: &Room{}}, CodeConflict)
	m := NewMachine("X")
	if _, out := m.Apply(Entry{Pos: 1, Data: EncodeRecord(Record{Op: OpAsk, Text: "early"})}); out.Err != ErrRoomNotFound {
		t.Fatalf("a record before create: %v", out.Err)
	}
	if _, out := m.Apply(Entry{Pos: 2, Data: []byte("{not json")}); out.Err == nil || out.Err.Code != CodeBadRequest || m.Pos() != 2 {
		t.Fatalf("an unreadable record: %v at %d", out.Err, m.Pos())
	}
}

func TestMachineAsk(t *testing.T) {
	f := newFeed(t, openRoom())
	evs, out := f.ok(Record{Op: OpAsk, Participant: "p_a", Author: name("Ada"), Text: "Why?", CID: "k1"})
	q := out.Question
	if q.ID != "q1" || q.Status != QuestionLive || q.At != t0+2000 || *q.Author != "Ada" || q.Participant != "p_a" {
		t.Fatalf("asked %+v", q)
	}
	if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Type != EventQuestion || evs[0].Owner != "p_a" ||
		strings.Contains(string(evs[0].Data), "p_a") || strings.Contains(string(evs[0].For(true, HostParticipant)), "p_a") ||
		!strings.Contains(string(evs[0].For(false, "p_a")), `"participant":"p_a"`) || !IsHandle(q.Handle) ||
		!strings.Contains(string(evs[0].Data), `"handle":"`+q.Handle+`"`) {
		t.Fatalf("ask events %+v", evs)
	}
	// The same cid again: the same question, no event.
	if evs, out := f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Why?", CID: "k1"}); len(evs) != 0 || out.Question.ID != "q1" {
		t.Fatalf("repeated cid: %+v %+v", evs, out)
	}
	if e := f.refused(Record{Op: OpAsk, Participant: "p_b", Text: "Why?"}, CodeConflict); e.Question != "q1" {
		t.Fatalf("duplicate names %q, want q1", e.Question)
	}
	_, out = f.ok(Record{Op: OpAsk, Participant: "p_b", Text: "Held?", Held: true})
	if out.Question.Status != QuestionPending || out.Question.ID != "q2" {
		t.Fatalf("a held ask: %+v", out.Question)
	}
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Moderation: ptr(true)}})
	if _, out := f.ok(Record{Op: OpAsk, Participant: "p_b", Text: "Moderated?"}); out.Question.Status != QuestionPending {
		t.Fatalf("ask in a moderated room: %+v", out.Question)
	}
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{QA: ptr(false)}})
	f.refused(Record{Op: OpAsk, Participant: "p_b", Text: "Off?"}, CodeForbidden)
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{QA: ptr(true), Closed: ptr(true)}})
	f.refused(Record{Op: OpAsk, Participant: "p_b", Text: "Closed?"}, CodeClosed)
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Closed: ptr(false)}})
	f.ok(Record{Op: OpBan, Staff: true, ID: "p_b"})
	f.refused(Record{Op: OpAsk, Participant: "p_b", Text: "Banned?"}, CodeForbidden)
	if f.m.Seq() != 7 {
		t.Fatalf("seq %d after 3 asks and 4 room changes", f.m.Seq())
	}
}

func TestMachineVotes(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "One"})
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Two", Held: true})
	for _, p := range []string{"p_b", "p_c", "p_b"} {
		f.ok(Record{Op: OpUpvote, Participant: p, ID: "q1"})
	}
	if _, out := f.ok(Record{Op: OpUpvote, Participant: "p_d", ID: "q1"}); out.Votes != 3 || !out.Changed {
		t.Fatalf("third voter: %+v", out)
	}
	if _, out := f.ok(Record{Op: OpUpvote, Participant: "p_d", ID: "q1"}); out.Votes != 3 || out.Changed {
		t.Fatalf("a repeated upvote: %+v", out)
	}
	if _, out := f.ok(Record{Op: OpUnvote, Participant: "p_c", ID: "q1"}); out.Votes != 2 || !out.Changed {
		t.Fatalf("unvote: %+v", out)
	}
	if ch := f.m.TakeVoteChanges(); len(ch) != 1 || ch[0] != (VoteCount{ID: "q1", Votes: 2, Visible: true}) {
		t.Fatalf("vote changes %+v", ch)
	}
	if ch := f.m.TakeVoteChanges(); ch != nil {
		t.Fatalf("vote changes taken twice: %+v", ch)
	}
	f.refused(Record{Op: OpUpvote, Participant: "p_b", ID: "q2"}, CodeNotFound) // pending: its author's only
	f.ok(Record{Op: OpUpvote, Participant: "p_a", ID: "q2"})
	f.refused(Record{Op: OpUpvote, Participant: "p_b", ID: "q9"}, CodeNotFound)
	if up := f.m.Upvoted("p_b"); len(up) != 1 || up[0] != "q1" {
		t.Fatalf("p_b upvoted %v", up)
	}
	if f.m.Seq() != 2 {
		t.Fatalf("votes made durable events: seq %d", f.m.Seq())
	}
}

func TestMachineModeration(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "One"})
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Two"})
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Three", Held: true})
	f.refused(Record{Op: OpQuestionSet, Participant: "p_a", ID: "q1", Question: &QuestionPatch{Pinned: ptr(true)}}, CodeForbidden)
	f.refused(Record{Op: OpQuestionSet, Staff: true, ID: "q3", Question: &QuestionPatch{Pinned: ptr(true)}}, CodeConflict)
	f.refused(Record{Op: OpQuestionSet, Staff: true, ID: "q3", Question: &QuestionPatch{Status: ptr(QuestionAnswered)}}, CodeConflict)
	f.refused(Record{Op: OpQuestionSet, Staff: true, ID: "q1", Question: &QuestionPatch{}}, CodeBadRequest)
	f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q1", Question: &QuestionPatch{Pinned: ptr(true)}})
	evs, _ := f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q2", Question: &QuestionPatch{Pinned: ptr(true), Answer: ptr("Soon")}})
	if len(evs) != 2 || !strings.Contains(string(evs[0].Data), `"id":"q1"`) || !strings.Contains(string(evs[0].Data), `"pinned":false`) ||
		!strings.Contains(string(evs[1].Data), `"pinned":true`) || evs[1].Seq != evs[0].Seq+1 {
		t.Fatalf("pinning a second question: %s / %s", evs[0].Data, evs[1].Data)
	}
	pinned := 0
	for _, q := range f.m.Questions() {
		if q.Pinned {
			pinned++
		}
	}
	if pinned != 1 {
		t.Fatalf("%d pinned questions", pinned)
	}
	// Hiding the pinned question unpins it; its public event is a deletion.
	evs, _ = f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q2", Question: &QuestionPatch{Status: ptr(QuestionHidden)}})
	if !strings.Contains(string(evs[0].Data), EventQuestionDeleted) || !strings.Contains(string(evs[0].Staff), `"pinned":false`) {
		t.Fatalf("hiding: %s / %s", evs[0].Data, evs[0].Staff)
	}
	if evs, _ := f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q2", Question: &QuestionPatch{Status: ptr(QuestionHidden)}}); len(evs) != 0 {
		t.Fatal("a change that changes nothing made an event")
	}
	f.refused(Record{Op: OpQuestionDelete, Participant: "p_b", ID: "q1"}, CodeForbidden)
	f.ok(Record{Op: OpQuestionDelete, Participant: "p_a", ID: "q1"})
	f.ok(Record{Op: OpQuestionDelete, Staff: true, ID: "q3"})
	f.refused(Record{Op: OpQuestionDelete, Staff: true, ID: "q3"}, CodeNotFound)
	// The text of a deleted question may be asked again.
	if _, out := f.ok(Record{Op: OpAsk, Participant: "p_c", Text: "One"}); out.Question.ID != "q4" {
		t.Fatalf("asking a deleted question's text again: %+v", out.Question)
	}
}

func TestMachineComments(t *testing.T) {
	f := newFeed(t, openRoom())
	evs, out := f.ok(Record{Op: OpComment, Participant: "p_a", Text: "Hi", CID: "c-1"})
	if out.Comment.ID != "c1" || out.Comment.At != t0+2000 || len(evs) != 1 || evs[0].Type != TypeComment {
		t.Fatalf("comment %+v %+v", out.Comment, evs)
	}
	if evs, out := f.ok(Record{Op: OpComment, Participant: "p_a", Text: "Hi", CID: "c-1"}); len(evs) != 0 || out.Comment.ID != "c1" {
		t.Fatalf("a repeated cid: %+v", out.Comment)
	}
	for i := range 5 {
		f.ok(Record{Op: OpComment, Participant: "p_b", Text: strings.Repeat("x", i+1)})
	}
	f.refused(Record{Op: OpCommentDelete, Participant: "p_b", ID: "c1"}, CodeForbidden)
	f.ok(Record{Op: OpCommentDelete, Participant: "p_a", ID: "c1"})
	f.ok(Record{Op: OpCommentDelete, Staff: true, ID: "c4"})
	f.refused(Record{Op: OpCommentDelete, Staff: true, ID: "c4"}, CodeNotFound)
	f.refused(Record{Op: OpCommentDelete, Staff: true, ID: "q1"}, CodeNotFound)
	var ids []string
	for _, c := range f.m.Comments(10) {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, ",") != "c2,c3,c5,c6" {
		t.Fatalf("comments left %v", ids)
	}
	if cs := f.m.Comments(2); len(cs) != 2 || cs[0].ID != "c5" {
		t.Fatalf("newest 2: %+v", cs)
	}
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Comments: ptr(false)}})
	f.refused(Record{Op: OpComment, Participant: "p_a", Text: "off"}, CodeForbidden)
}

func TestMachineRoomBanReactions(t *testing.T) {
	f := newFeed(t, openRoom())
	f.refused(Record{Op: OpRoomSet, Participant: "p_a", Patch: &RoomPatch{Title: ptr("mine")}}, CodeForbidden)
	evs, _ := f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Title: ptr("Renamed")}})
	if len(evs) != 1 || evs[0].Type != EventRoom || !strings.Contains(string(evs[0].Data), "Renamed") || f.m.Room().Title != "Renamed" {
		t.Fatalf("room_set: %+v", evs)
	}
	f.refused(Record{Op: OpBan, Participant: "p_a", ID: "p_b"}, CodeForbidden)
	evs, _ = f.ok(Record{Op: OpBan, Staff: true, ID: "p_b"})
	if len(evs) != 1 || evs[0].Type != EventBan || evs[0].Participant != "p_b" || evs[0].Seq != 0 || !f.m.Banned("p_b") {
		t.Fatalf("ban: %+v", evs)
	}
	var batch Reactions
	batch[0], batch[2] = 5, 1
	f.ok(Record{Op: OpReact, Reactions: &batch})
	f.ok(Record{Op: OpReact, Reactions: &batch})
	if r := f.m.Reactions(); r[0] != 10 || r[2] != 2 {
		t.Fatalf("reaction totals %v", r)
	}
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Reactions: ptr(false)}})
	f.refused(Record{Op: OpReact, Reactions: &batch}, CodeForbidden)
	f.refused(Record{Op: "teleport"}, CodeBadRequest)
}

func TestMachineSnapshotRoundTrip(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "One", CID: "k"})
	f.ok(Record{Op: OpUpvote, Participant: "p_b", ID: "q1"})
	f.ok(Record{Op: OpComment, Participant: "p_a", Text: "Hi", CID: "k"})
	f.ok(Record{Op: OpBan, Staff: true, ID: "p_z"})
	r, err := RestoreMachine(f.m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash() != f.m.Hash() || r.Seq() != f.m.Seq() || r.Pos() != f.m.Pos() || !r.Banned("p_z") {
		t.Fatalf("restored machine differs:\n%s\n%s", r.Snapshot(), f.m.Snapshot())
	}
	// Both go on the same way: the restored machine kept the cids and voters.
	rf := &machineFeed{t: t, m: r}
	for _, g := range []*machineFeed{f, rf} {
		if _, out := g.ok(Record{Op: OpAsk, Participant: "p_a", Text: "One again", CID: "k"}); out.Question.ID != "q1" {
			t.Fatalf("cid forgotten: %+v", out.Question)
		}
		if _, out := g.ok(Record{Op: OpUpvote, Participant: "p_b", ID: "q1"}); out.Changed {
			t.Fatal("voter forgotten")
		}
	}
	if r.Hash() != f.m.Hash() {
		t.Fatal("the machines diverged after the snapshot")
	}
}

// TestMachineNewEpochSkipsIDs: at the first entry of a new epoch (the log
// went backwards) the room's seq and its question, comment and poll
// numbers jump by EpochSeqGap, so nothing clients of the lost history were
// shown is named again; entries of rules before version 4 keep counting on,
// as their replicas did.
func TestMachineNewEpochSkipsIDs(t *testing.T) {
	for _, tc := range []struct {
		rules   uint32
		q, c, p string
	}{
		{RulesVersion, "q1048578", "c1048578", "p1048578"},
		{3, "q2", "c2", "p2"},
	} {
		f := newFeed(t, openRoom())
		poll := Poll{Kind: PollSingle, Title: "Lunch?", Options: []string{"a", "b"}, State: PollDraft}
		f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "Before?"})
		f.ok(Record{Op: OpComment, Participant: "p_a", Text: "before"})
		f.ok(Record{Op: OpPollCreate, Staff: true, Poll: &poll})
		seq := f.m.Seq()
		var outs []Outcome
		for i, r := range []Record{
			{Op: OpAsk, Participant: "p_a", Text: "After?"},
			{Op: OpComment, Participant: "p_a", Text: "after"},
			{Op: OpPollCreate, Staff: true, Poll: &poll},
		} {
			pos := f.m.Pos() + 1
			e := Entry{Pos: pos, Time: t0 + int64(pos)*1000, Epoch: 8, Rules: tc.rules, Data: EncodeRecord(r)}
			evs, out := f.m.Apply(e)
			if out.Err != nil || len(evs) == 0 {
				t.Fatalf("rules %d, entry %d of the new epoch: %v, %d events", tc.rules, i, out.Err, len(evs))
			}
			outs = append(outs, out)
		}
		if got := []string{outs[0].Question.ID, outs[1].Comment.ID, outs[2].Poll.ID}; got[0] != tc.q || got[1] != tc.c || got[2] != tc.p {
			t.Errorf("rules %d: ids after the new epoch %v, want %s %s %s", tc.rules, got, tc.q, tc.c, tc.p)
		}
		if f.m.Seq() < seq+EpochSeqGap {
			t.Errorf("rules %d: seq %d after the new epoch, want past %d", tc.rules, f.m.Seq(), seq+EpochSeqGap)
		}
	}
}
