package rooms

import (
	"fmt"
	"strings"
	"testing"
)

// guardRoom is an open room with the given protections.
func guardRoom(nameRequired bool, holdMinutes, slowSeconds int) Room {
	r := openRoom()
	r.NameRequired, r.HoldNewMinutes, r.SlowModeSeconds = nameRequired, holdMinutes, slowSeconds
	return r
}

// TestMachinePostRules: every protection a host switches on, as one
// table: the room, what happened before (joins, posts) at which time, and
// the post that is then refused with its code or made with its status.
func TestMachinePostRules(t *testing.T) {
	const min = 60_000
	ask := func(p string, author *string, named bool) Record {
		return Record{Op: OpAsk, Participant: p, Author: author, Named: named, Text: "a question from " + p}
	}
	comment := func(p string, author *string) Record {
		return Record{Op: OpComment, Participant: p, Author: author, Text: "a comment from " + p}
	}
	seen := func(p string) Record { return Record{Op: OpSeen, Seen: map[string]int64{p: 0}} }
	type step struct {
		at int64 // ms after t0
		r  Record
	}
	tests := []struct {
		name    string
		room    Room
		before  []step
		at      int64
		post    Record
		code    string // refused with; "" made
		status  string // the question's status when made
		retryAt int64  // the refusal's RetryAt, ms after t0
	}{
		{name: "no name, name required: question", room: guardRoom(true, 0, 0), post: ask("p_a", nil, false), code: CodeNameRequired},
		{name: "no name, name required: comment", room: guardRoom(true, 0, 0), post: comment("p_a", nil), code: CodeNameRequired},
		{name: "named, name required", room: guardRoom(true, 0, 0), post: ask("p_a", name("Ada"), true), status: QuestionLive},
		{name: "named, anonymous question, name required", room: guardRoom(true, 0, 0), post: ask("p_a", nil, true), status: QuestionLive},
		{name: "no name, staff, name required", room: guardRoom(true, 0, 0), post: Record{Op: OpAsk, Staff: true, Text: "from the stage"}, status: QuestionLive},
		{name: "no name, name not required", room: guardRoom(false, 0, 0), post: ask("p_a", nil, false), status: QuestionLive},

		{name: "never seen joining, hold on: pending", room: guardRoom(false, 10, 0), post: ask("p_a", nil, false), status: QuestionPending},
		{name: "joined 9 min ago, hold 10: pending", room: guardRoom(false, 10, 0),
			before: []step{{0, seen("p_a")}}, at: 9 * min, post: ask("p_a", nil, false), status: QuestionPending},
		{name: "joined 10 min ago, hold 10: live", room: guardRoom(false, 10, 0),
			before: []step{{0, seen("p_a")}}, at: 10 * min, post: ask("p_a", nil, false), status: QuestionLive},
		{name: "joined again later: the first join counts", room: guardRoom(false, 10, 0),
			before: []step{{0, seen("p_a")}, {9 * min, seen("p_a")}}, at: 10 * min, post: ask("p_a", nil, false), status: QuestionLive},
		{name: "joined 1 min ago, hold 10: comment refused", room: guardRoom(false, 10, 0),
			before: []step{{0, seen("p_a")}}, at: min, post: comment("p_a", nil), code: CodeTooNew, retryAt: 10 * min},
		{name: "staff are never new", room: guardRoom(false, 10, 0), post: Record{Op: OpAsk, Staff: true, Text: "from the stage"}, status: QuestionLive},

		{name: "second question within the slow window", room: guardRoom(false, 0, 30),
			before: []step{{0, ask("p_a", nil, false)}}, at: 29_999, post: Record{Op: OpAsk, Participant: "p_a", Text: "another"}, code: CodeSlowMode, retryAt: 30_000},
		{name: "a comment after a question, within the window", room: guardRoom(false, 0, 30),
			before: []step{{0, ask("p_a", nil, false)}}, at: 10_000, post: comment("p_a", nil), code: CodeSlowMode, retryAt: 30_000},
		{name: "a question at the end of the window", room: guardRoom(false, 0, 30),
			before: []step{{0, comment("p_a", nil)}}, at: 30_000, post: ask("p_a", nil, false), status: QuestionLive},
		{name: "another participant in the window", room: guardRoom(false, 0, 30),
			before: []step{{0, ask("p_a", nil, false)}}, at: 1000, post: ask("p_b", nil, false), status: QuestionLive},
		{name: "a refused duplicate is not a post", room: guardRoom(false, 0, 30),
			before: []step{{0, ask("p_b", nil, false)}, {1000, Record{Op: OpAsk, Participant: "p_a", Text: "a question from p_b"}}}, at: 2000, post: ask("p_a", nil, false), status: QuestionLive},
		{name: "slow mode turned on after a post", room: guardRoom(false, 0, 0),
			before: []step{{0, ask("p_a", nil, false)}, {1000, Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{SlowModeSeconds: ptr(60)}}}}, at: 2000, post: comment("p_a", nil), code: CodeSlowMode, retryAt: 60_000},
		{name: "slow mode does not apply to staff", room: guardRoom(false, 0, 30),
			before: []step{{0, Record{Op: OpAsk, Staff: true, Text: "one"}}}, at: 1000, post: Record{Op: OpAsk, Staff: true, Text: "two"}, status: QuestionLive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFeed(t, tt.room)
			for _, s := range tt.before {
				f.clock = t0 + s.at
				f.apply(s.r)
			}
			f.clock = t0 + tt.at
			if tt.code != "" {
				err := f.refused(tt.post, tt.code)
				if tt.retryAt != 0 && err.RetryAt != t0+tt.retryAt {
					t.Fatalf("retry at %d, want t0+%d", err.RetryAt-t0, tt.retryAt)
				}
				return
			}
			_, out := f.ok(tt.post)
			if tt.post.Op == OpAsk && out.Question.Status != tt.status {
				t.Fatalf("status %s, want %s", out.Question.Status, tt.status)
			}
		})
	}
}

// TestMachineSlowModeMessageSaysWhen: the refusal names the wait.
func TestMachineSlowModeMessageSaysWhen(t *testing.T) {
	f := newFeed(t, guardRoom(false, 0, 60))
	f.clock = t0
	f.ok(Record{Op: OpComment, Participant: "p_a", Text: "first"})
	f.clock = t0 + 15_500
	err := f.refused(Record{Op: OpComment, Participant: "p_a", Text: "second"}, CodeSlowMode)
	if want := "you can post again in 45 s"; !strings.Contains(err.Message, want) {
		t.Fatalf("message %q does not say %q", err.Message, want)
	}
}

// TestMachineCaps: the item past a room's cap is refused with room_full
// and makes nothing; deleting one makes room again. At the default caps.
func TestMachineCaps(t *testing.T) {
	tests := []struct {
		name string
		cap  int
		add  func(i int) Record
		del  func(i int) Record
	}{
		{"questions", DefaultMaxQuestions,
			func(i int) Record {
				return Record{Op: OpAsk, Participant: "p_a", Text: fmt.Sprint("question ", i), Cap: DefaultMaxQuestions}
			},
			func(i int) Record { return Record{Op: OpQuestionDelete, Staff: true, ID: fmt.Sprint("q", i)} }},
		{"comments", DefaultMaxComments,
			func(i int) Record {
				return Record{Op: OpComment, Participant: "p_a", Text: "hello", Cap: DefaultMaxComments}
			},
			func(i int) Record { return Record{Op: OpCommentDelete, Staff: true, ID: fmt.Sprint("c", i)} }},
		{"polls", DefaultMaxPolls,
			func(i int) Record {
				return Record{Op: OpPollCreate, Staff: true, Poll: &Poll{Kind: PollRating, Title: "how was it", State: PollDraft}, Cap: DefaultMaxPolls}
			},
			func(i int) Record { return Record{Op: OpPollDelete, Staff: true, ID: fmt.Sprint("p", i)} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFeed(t, openRoom())
			for i := 1; i <= tt.cap; i++ {
				if _, out := f.apply(tt.add(i)); out.Err != nil {
					t.Fatalf("item %d: %v", i, out.Err)
				}
			}
			f.refused(tt.add(tt.cap+1), CodeRoomFull)
			f.ok(tt.del(1))
			f.ok(tt.add(tt.cap + 1))
			f.refused(tt.add(tt.cap+2), CodeRoomFull)
		})
	}
}

// TestMachineBanHidesPosts: a ban with HidePosts hides the live and
// pending questions of the banned participant (unpinning them) and
// deletes its comments, one durable event each; answered questions and
// everyone else's posts stay. Without it nothing is hidden.
func TestMachineBanHidesPosts(t *testing.T) {
	for _, hide := range []bool{false, true} {
		t.Run(fmt.Sprint("hide=", hide), func(t *testing.T) {
			f := newFeed(t, openRoom())
			f.ok(Record{Op: OpAsk, Participant: "p_bad", Text: "live one"})             // q1
			f.ok(Record{Op: OpAsk, Participant: "p_bad", Text: "held one", Held: true}) // q2
			f.ok(Record{Op: OpAsk, Participant: "p_bad", Text: "answered one"})         // q3
			f.ok(Record{Op: OpAsk, Participant: "p_good", Text: "a fair question"})     // q4
			f.ok(Record{Op: OpComment, Participant: "p_bad", Text: "spam"})             // c1
			f.ok(Record{Op: OpComment, Participant: "p_good", Text: "nice talk"})       // c2
			f.ok(Record{Op: OpComment, Participant: "p_bad", Text: "more spam"})        // c3
			f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q1", Question: &QuestionPatch{Pinned: ptr(true)}})
			f.ok(Record{Op: OpQuestionSet, Staff: true, ID: "q3", Question: &QuestionPatch{Status: ptr(QuestionAnswered)}})
			seq := f.m.Seq()
			events, out := f.ok(Record{Op: OpBan, Staff: true, ID: "p_bad", HidePosts: hide})
			if !f.m.Banned("p_bad") {
				t.Fatal("not banned")
			}
			statuses := map[string]string{}
			for _, q := range f.m.Questions() {
				statuses[q.ID] = q.Status
				if q.Pinned && q.Status == QuestionHidden {
					t.Fatalf("%s hidden but pinned", q.ID)
				}
			}
			var comments []string
			for _, c := range f.m.Comments(10) {
				comments = append(comments, c.ID)
			}
			want := map[string]string{"q1": QuestionLive, "q2": QuestionPending, "q3": QuestionAnswered, "q4": QuestionLive}
			wantComments, wantHidden := "[c1 c2 c3]", 0
			if hide {
				want["q1"], want["q2"] = QuestionHidden, QuestionHidden
				wantComments, wantHidden = "[c2]", 4
			}
			if fmt.Sprint(statuses) != fmt.Sprint(want) || fmt.Sprint(comments) != wantComments {
				t.Fatalf("after the ban: questions %v comments %v, want %v %s", statuses, comments, want, wantComments)
			}
			durable := 0
			for _, ev := range events {
				if ev.Seq != 0 {
					durable++
					if ev.Seq != seq+uint64(durable) {
						t.Fatalf("event seq %d, want %d", ev.Seq, seq+uint64(durable))
					}
				}
			}
			if out.Hidden != wantHidden || durable != wantHidden {
				t.Fatalf("hidden %d with %d durable events, want %d", out.Hidden, durable, wantHidden)
			}
		})
	}
}

// TestMachineBanCoversAddress: a ban with CoverAddress covers every
// address group the participant was seen joining from, until the room is
// closed; others stay open, and a ban without it covers nothing.
func TestMachineBanCoversAddress(t *testing.T) {
	f := newFeed(t, openRoom())
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_bad": 0, "p_ok": 0}, Addrs: map[string]string{"p_bad": "hash-wifi", "p_ok": "hash-other"}})
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_bad": 0}, Addrs: map[string]string{"p_bad": "hash-mobile"}})
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_quiet": 0}, Addrs: map[string]string{"p_quiet": "hash-quiet"}})
	if _, out := f.ok(Record{Op: OpBan, Staff: true, ID: "p_quiet"}); out.Changed || f.m.AddressCovered("hash-quiet") {
		t.Fatal("a ban without cover_address covered the address")
	}
	if _, out := f.ok(Record{Op: OpBan, Staff: true, ID: "p_unknown", CoverAddress: true}); out.Changed {
		t.Fatal("a participant never seen joining reported an address covered")
	}
	if _, out := f.ok(Record{Op: OpBan, Staff: true, ID: "p_bad", CoverAddress: true}); !out.Changed {
		t.Fatal("the ban reported no address covered")
	}
	for addr, want := range map[string]bool{"hash-wifi": true, "hash-mobile": true, "hash-other": false, "hash-quiet": false, "": false} {
		if got := f.m.AddressCovered(addr); got != want {
			t.Errorf("AddressCovered(%q) = %v, want %v", addr, got, want)
		}
	}
	restored, err := RestoreMachine(f.m.Snapshot())
	if err != nil || !restored.AddressCovered("hash-wifi") || restored.Hash() != f.m.Hash() {
		t.Fatalf("restored from a snapshot: covered %v, same hash %v (%v)", restored.AddressCovered("hash-wifi"), restored.Hash() == f.m.Hash(), err)
	}
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Closed: ptr(true)}})
	if f.m.AddressCovered("hash-wifi") {
		t.Fatal("closing the room did not end the cover")
	}
}

// TestMachineLastActive: every applied entry that someone's action made
// moves LastActive, presence reports and schedules do not, and a snapshot
// keeps it.
func TestMachineLastActive(t *testing.T) {
	f := newFeed(t, openRoom())
	f.clock = t0 + 5000
	f.ok(Record{Op: OpComment, Participant: "p_a", Text: "hi"})
	f.clock = t0 + 9000
	f.ok(Record{Op: OpPresence, Connected: 3})
	f.ok(Record{Op: OpSchedule})
	f.apply(Record{Op: OpCommentDelete, ID: "c99", Staff: true}) // refused: not an action that happened
	if got := f.m.LastActive(); got != t0+5000 {
		t.Fatalf("last active %d, want t0+5000", got-t0)
	}
	f.ok(Record{Op: OpSeen, Seen: map[string]int64{"p_b": 0}})
	if got := f.m.LastActive(); got != t0+9000 {
		t.Fatalf("after a join: last active %d, want t0+9000", got-t0)
	}
	restored, _ := RestoreMachine(f.m.Snapshot())
	if restored.LastActive() != t0+9000 {
		t.Fatalf("restored: %d", restored.LastActive()-t0)
	}
}

// TestMachineRoomAskRate: the room-wide ask rate is a rule over the log's
// times: a burst of 3 at a question a second takes 3 audience questions at
// once, refuses the 4th with rate_limited and when to retry, takes one
// more a second later; staff are not counted, and a question refused for
// another reason (a duplicate) takes nothing.
func TestMachineRoomAskRate(t *testing.T) {
	f := newFeed(t, openRoom())
	f.clock = t0
	ask := func(who, text string) Record {
		return Record{Op: OpAsk, Participant: who, Text: text, AskRefill: 1000, AskBurst: 3}
	}
	for i := range 3 {
		f.ok(ask(fmt.Sprintf("p_%d", i), fmt.Sprintf("Question %d?", i)))
	}
	f.refused(ask("p_0", "Question 0?"), CodeConflict) // a duplicate: takes nothing
	e := f.refused(ask("p_3", "Question 3?"), CodeRateLimited)
	if e.RetryAt != t0+1000 {
		t.Fatalf("retry_at %d, want %d", e.RetryAt, t0+1000)
	}
	f.ok(Record{Op: OpAsk, Staff: true, Text: "From the host?", AskRefill: 1000, AskBurst: 3})
	f.clock = t0 + 1000
	f.ok(ask("p_3", "Question 3?"))
	f.refused(ask("p_4", "Question 4?"), CodeRateLimited)
	// A snapshot keeps the bucket: a replica restored from it refuses too.
	m, err := RestoreMachine(f.m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if _, out := m.Apply(Entry{Pos: m.Pos() + 1, Time: t0 + 1000, Epoch: 7, Rules: RulesVersion, Data: EncodeRecord(ask("p_4", "Question 4?"))}); out.Err == nil || out.Err.Code != CodeRateLimited {
		t.Fatalf("a restored replica: %v, want rate_limited", out.Err)
	}
}
