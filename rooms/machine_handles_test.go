package rooms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestMachineBanByItem: staff ban the author of a question, a comment or a
// handle without learning who it is; the machine resolves the author, also
// of an item deleted since, and after a snapshot round trip.
func TestMachineBanByItem(t *testing.T) {
	const hq, hc = "h_00000000000000aa", "h_00000000000000bb"
	setup := func(t *testing.T) *machineFeed {
		f := newFeed(t, openRoom())
		f.ok(Record{Op: OpAsk, Participant: "p_anon", Text: "Who decided this?", Handle: hq})              // q1, anonymous
		f.ok(Record{Op: OpComment, Participant: "p_anon", Author: name("Ann"), Text: "named", Handle: hc}) // c1
		f.ok(Record{Op: OpAsk, Participant: HostParticipant, Staff: true, Text: "from the stage"})         // q2
		f.ok(Record{Op: OpAsk, Participant: "p_old", Text: "before handles"})                              // q3: derived handle
		return f
	}
	for _, tt := range []struct {
		name   string
		target string
		delete *Record // applied before the ban
		want   string  // the participant banned; "" when refused
		code   string
	}{
		{name: "question", target: "q1", want: "p_anon"},
		{name: "comment", target: "c1", want: "p_anon"},
		{name: "question handle", target: hq, want: "p_anon"},
		{name: "comment handle", target: hc, want: "p_anon"},
		{name: "deleted comment by handle", target: hc, delete: &Record{Op: OpCommentDelete, Staff: true, ID: "c1"}, want: "p_anon"},
		{name: "question of a record without handle", target: "q3", want: "p_old"},
		{name: "participant id (version 1)", target: "p_x", want: "p_x"},
		{name: "deleted question by id", target: "q1", delete: &Record{Op: OpQuestionDelete, Staff: true, ID: "q1"}, code: CodeNotFound},
		{name: "unknown question", target: "q9", code: CodeNotFound},
		{name: "unknown comment", target: "c9", code: CodeNotFound},
		{name: "unknown handle", target: "h_0000000000000000", code: CodeNotFound},
		{name: "staff's question", target: "q2", code: CodeBadRequest},
		{name: "not an item", target: "poll", code: CodeBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			if tt.delete != nil {
				f.ok(*tt.delete)
			}
			if tt.code != "" {
				f.refused(Record{Op: OpBan, Staff: true, ID: tt.target}, tt.code)
				return
			}
			evs, _ := f.ok(Record{Op: OpBan, Staff: true, ID: tt.target})
			if len(evs) != 1 || evs[0].Type != EventBan || evs[0].Participant != tt.want || !f.m.Banned(tt.want) {
				t.Fatalf("ban %s: %+v", tt.target, evs)
			}
			if !evs[0].Internal() {
				t.Fatal("the ban event is not internal: it would reach clients")
			}
		})
	}
	t.Run("after a snapshot", func(t *testing.T) {
		f := setup(t)
		f.ok(Record{Op: OpCommentDelete, Staff: true, ID: "c1"})
		r, err := RestoreMachine(f.m.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		rf := &machineFeed{t: t, m: r}
		if evs, _ := rf.ok(Record{Op: OpBan, Staff: true, ID: hc}); len(evs) != 1 || evs[0].Participant != "p_anon" {
			t.Fatalf("ban by a deleted comment's handle after a restore: %+v", evs)
		}
	})
}

// TestMachineItemsCarryHandles: every audience item has its own handle,
// staff's items none, and no version but the author's carries the author's
// participant id.
func TestMachineItemsCarryHandles(t *testing.T) {
	f := newFeed(t, Room{Code: "ROOM42", Title: "t", Comments: true, QA: true, Moderation: true})
	evs, out := f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "pending, anonymous", Handle: "h_0123456789abcdef"})
	if out.Question.Handle != "h_0123456789abcdef" {
		t.Fatalf("handle %q, want the record's", out.Question.Handle)
	}
	staff, own, other := evs[0].For(true, ModeratorParticipant), evs[0].For(false, "p_a"), evs[0].For(false, "p_b")
	if strings.Contains(string(staff), "p_a") || !strings.Contains(string(staff), "h_0123456789abcdef") || !strings.Contains(string(staff), "pending, anonymous") {
		t.Fatalf("staff's version %s", staff)
	}
	if !strings.Contains(string(own), `"participant":"p_a"`) || strings.Contains(string(other), "pending") {
		t.Fatalf("author's version %s, another's %s", own, other)
	}
	_, out = f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "second", Handle: "not a handle"})
	if !IsHandle(out.Question.Handle) || out.Question.Handle == "h_0123456789abcdef" {
		t.Fatalf("a malformed record handle gave %q", out.Question.Handle)
	}
	_, out = f.ok(Record{Op: OpAsk, Participant: HostParticipant, Staff: true, Text: "staff"})
	if out.Question.Handle != "" {
		t.Fatalf("a staff question has handle %q", out.Question.Handle)
	}
	evs, c := f.ok(Record{Op: OpComment, Participant: "p_a", Text: "c", Handle: "h_fedcba9876543210"})
	if c.Comment.Handle != "h_fedcba9876543210" || strings.Contains(string(evs[0].For(true, HostParticipant)), "p_a") ||
		!strings.Contains(string(evs[0].For(false, "p_a")), `"participant":"p_a"`) {
		t.Fatalf("comment %+v events %s / %s", c.Comment, evs[0].Data, evs[0].For(false, "p_a"))
	}
}

// TestSnapshotCommentsOwnOnly: a snapshot's comments carry `participant`
// only for the joining participant's own comments; staff and others get the
// handles, from the same cached body.
func TestSnapshotCommentsOwnOnly(t *testing.T) {
	f := newFixture(t, Config{})
	other := f.join("")
	for i, a := range []Actor{f.audience, other, f.audience, f.host} {
		if _, err := f.handle(a, Command{Type: TypeComment, Text: fmt.Sprintf("comment %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	comments := func(a Actor) ([]Comment, []byte) {
		t.Helper()
		b, _, err := f.svc.Snapshot(f.ctx, a, 0)
		if err != nil {
			t.Fatal(err)
		}
		var s struct{ Comments []Comment }
		if err := json.Unmarshal(b, &s); err != nil || len(s.Comments) != 4 {
			t.Fatalf("snapshot %s: %v", b, err)
		}
		return s.Comments, b
	}
	mine, _ := comments(f.audience)
	for i, c := range mine {
		own := i == 0 || i == 2
		if (c.Participant == f.audience.Participant) != own || (!own && c.Participant != "") || (i < 3) != IsHandle(c.Handle) {
			t.Fatalf("the author's snapshot, comment %d: %+v", i, c)
		}
	}
	for _, a := range []Actor{other, f.mod} {
		_, b := comments(a)
		if bytes.Contains(b, []byte(f.audience.Participant)) {
			t.Fatalf("%s's snapshot carries another participant's id: %s", a.Role, b)
		}
	}
}

// TestRestoreGivesOldItemsHandles: a snapshot from before handles restores
// with a handle on every audience item, which a ban resolves.
func TestRestoreGivesOldItemsHandles(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpAsk, Participant: "p_a", Text: "old question"})
	f.ok(Record{Op: OpComment, Participant: "p_b", Text: "old comment"})
	f.ok(Record{Op: OpComment, Participant: HostParticipant, Staff: true, Text: "host"})
	var st machineState
	if err := json.Unmarshal(f.m.Snapshot(), &st); err != nil {
		t.Fatal(err)
	}
	// As a snapshot of version 1 had it: no handles, no authors.
	st.Authors = nil
	st.Questions[0].Handle = ""
	for i := range st.Comments {
		st.Comments[i].Handle = ""
	}
	old, _ := json.Marshal(st)
	m, err := RestoreMachine(old)
	if err != nil {
		t.Fatal(err)
	}
	qs := m.Questions()
	cs := m.Comments(10)
	if !IsHandle(qs[0].Handle) || !IsHandle(cs[0].Handle) || cs[1].Handle != "" {
		t.Fatalf("restored handles: %+v %+v", qs, cs)
	}
	rf := &machineFeed{t: t, m: m}
	if evs, _ := rf.ok(Record{Op: OpBan, Staff: true, ID: cs[0].Handle}); len(evs) != 1 || evs[0].Participant != "p_b" {
		t.Fatalf("ban by a restored handle: %+v", evs)
	}
}
