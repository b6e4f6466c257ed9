package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// The room protections a host switches on (issue 13), attacked with real
// WebSocket clients the way a script would.

// retryErrorMsg is an error event with its retry_at.
type retryErrorMsg struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	RetryAt int64  `json:"retry_at"`
}

// snapshotItems is what these tests read of a snapshot.
type snapshotItems struct {
	Room struct {
		NameRequired    bool `json:"name_required"`
		HoldNewMinutes  int  `json:"hold_new_minutes"`
		SlowModeSeconds int  `json:"slow_mode_seconds"`
	} `json:"room"`
	Questions []struct {
		ID     string `json:"id"`
		Text   string `json:"text"`
		Status string `json:"status"`
	} `json:"questions"`
	Comments []struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	} `json:"comments"`
}

// freshSnapshot joins as a new audience participant and returns its
// snapshot's items.
func (ts *testServer) freshSnapshot(t *testing.T, code string, o dialOpts) snapshotItems {
	t.Helper()
	_, _, snap := ts.join(t, rooms.Hello{Room: code, Name: "Onlooker"}, o)
	var s snapshotItems
	snap.decode(t, &s)
	return s
}

// newClock returns a testClock (quiz_test.go) at the real time now.
func newClock() *testClock { return &testClock{now: time.Now()} }

// millis is the clock's time in Unix ms, and setMillis moves it there.
func (c *testClock) millis() int64 { return c.Now().UnixMilli() }
func (c *testClock) setMillis(ms int64) {
	c.Advance(time.Duration(ms-c.millis()) * time.Millisecond)
}

// waitJoinsRecorded waits until the room's log has recorded n distinct
// participants joining (the instance flushes joins with its reactions).
func (ts *testServer) waitJoinsRecorded(t *testing.T, code string, n int64) {
	t.Helper()
	eventually(t, waitTimeout, fmt.Sprintf("%d joins recorded in the log", n), func() bool {
		in, err := ts.store.Insight(context.Background(), code)
		return err == nil && in.Unique >= n
	})
}

// TestPostingNeedsAName: with name_required on, a participant without a
// name is refused with name_required for questions and comments, and
// what it tried leaves nothing; a named participant posts, also
// anonymously. The room's settings say so to every client.
func TestPostingNeedsAName(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "names")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	host.mustAck(1, map[string]any{"type": "room_set", "name_required": true})

	nameless, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for i, typ := range []string{"ask", "comment"} {
		e := nameless.mustError(int64(i+1), map[string]any{"type": typ, "text": "who am I"})
		if e.Code != rooms.CodeNameRequired {
			t.Fatalf("%s without a name: %+v, want name_required", typ, e)
		}
	}
	// A name made only of invisible characters is no name.
	invisible, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "\u3164"}, dialOpts{})
	if e := invisible.mustError(1, map[string]any{"type": "comment", "text": "hidden name"}); e.Code != rooms.CodeNameRequired {
		t.Fatalf("comment under an invisible name: %+v, want name_required", e)
	}

	named, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ada"}, dialOpts{})
	named.mustAck(1, map[string]any{"type": "ask", "text": "under my name"})
	named.mustAck(2, map[string]any{"type": "ask", "text": "anonymously", "anonymous": true})
	named.mustAck(3, map[string]any{"type": "comment", "text": "a named comment"})

	s := ts.freshSnapshot(t, room.Code, dialOpts{})
	if !s.Room.NameRequired {
		t.Fatal("the snapshot's room does not say name_required")
	}
	if len(s.Questions) != 2 || len(s.Comments) != 1 {
		t.Fatalf("snapshot: %d questions, %d comments; want the named participant's 2 and 1 only", len(s.Questions), len(s.Comments))
	}
	// The host turns it off: the nameless participant posts again.
	host.mustAck(2, map[string]any{"type": "room_set", "name_required": false})
	nameless.mustAck(3, map[string]any{"type": "comment", "text": "now I may"})
}

// TestNewcomersAreHeld: with hold_new_minutes on, a fresh identity's
// question starts pending (everyone else gets question_deleted for it),
// its comment is refused with too_new and the time it may comment, while
// a participant who joined long enough before posts live. Once the
// newcomer's time has passed (by the time of the log's entries), its
// questions go live.
func TestNewcomersAreHeld(t *testing.T) {
	clock := newClock()
	ts := newTestServer(t, Config{}, rooms.Config{Now: clock.Now})
	room := ts.createRoom(t, "newcomers")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	host.mustAck(1, map[string]any{"type": "room_set", "hold_new_minutes": 10})

	veteran, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Vet"}, dialOpts{})
	ts.waitJoinsRecorded(t, room.Code, 1)
	clock.Advance(11 * time.Minute)

	fresh, fw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Fresh"}, dialOpts{})
	joinedAt := clock.millis()
	ts.waitJoinsRecorded(t, room.Code, 2)
	a := fresh.mustAck(1, map[string]any{"type": "ask", "text": "first thing from a new identity"})
	var q struct {
		ID, Status string
	}
	fresh.nextOf(rooms.EventQuestion).decode(t, &q)
	if q.Status != rooms.QuestionPending {
		t.Fatalf("the newcomer's question is %s, want pending", q.Status)
	}
	gone := veteran.nextDurable()
	if gone.Type != rooms.EventQuestionDeleted || gone.Seq != a.Seq {
		t.Fatalf("the veteran got %s for the newcomer's pending question, want question_deleted at seq %d", gone, a.Seq)
	}
	ev := fresh.request(2, map[string]any{"type": "comment", "text": "hello all"})
	var e retryErrorMsg
	ev.decode(t, &e)
	if e.Code != rooms.CodeTooNew || e.RetryAt < joinedAt+10*60_000 || e.RetryAt > joinedAt+10*60_000+5_000 {
		t.Fatalf("the newcomer's comment: %s; want too_new with retry_at 10 minutes after its join (%d)", ev, joinedAt+10*60_000)
	}

	veteran.mustAck(1, map[string]any{"type": "ask", "text": "a question from someone known"})
	var vq struct{ Status string }
	veteran.nextOf(rooms.EventQuestion).decode(t, &vq)
	if vq.Status != rooms.QuestionLive {
		t.Fatalf("the veteran's question is %s, want live", vq.Status)
	}

	clock.Advance(10 * time.Minute)
	fresh.mustAck(3, map[string]any{"type": "ask", "text": "ten minutes later"})
	fresh.nextOf(rooms.EventQuestion).decode(t, &q)
	if q.Status != rooms.QuestionLive {
		t.Fatalf("the participant's question 10 minutes after joining is %s, want live", q.Status)
	}
	fresh.mustAck(4, map[string]any{"type": "comment", "text": "and a comment"})
	_ = fw
}

// TestSlowModeRefusesTheSecondPost: with slow_mode_seconds on, a second
// post (question or comment) within the window is refused with slow_mode
// and the time the participant may post again; the first post is kept,
// and after the window the participant posts again.
func TestSlowModeRefusesTheSecondPost(t *testing.T) {
	clock := newClock()
	ts := newTestServer(t, Config{}, rooms.Config{Now: clock.Now})
	room := ts.createRoom(t, "slow")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	host.mustAck(1, map[string]any{"type": "room_set", "slow_mode_seconds": 60})

	p, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Quick"}, dialOpts{})
	postedAt := clock.millis()
	p.mustAck(1, map[string]any{"type": "ask", "text": "the first question"})
	clock.Advance(20 * time.Second)
	for i, cmd := range []map[string]any{
		{"type": "ask", "text": "the second question"},
		{"type": "comment", "text": "a comment instead"},
	} {
		ev := p.request(int64(i+2), cmd)
		var e retryErrorMsg
		ev.decode(t, &e)
		if e.Code != rooms.CodeSlowMode || e.RetryAt != postedAt+60_000 || !strings.Contains(e.Message, "40 s") {
			t.Fatalf("%v within the window: %s; want slow_mode, retry_at %d, and the 40 s left", cmd["type"], ev, postedAt+60_000)
		}
	}
	if n := ts.metric(t, "hubbub_protection_refusals_total"); n != 2 {
		t.Fatalf("hubbub_protection_refusals_total = %v after 2 slow-mode refusals", n)
	}
	other, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Other"}, dialOpts{})
	other.mustAck(1, map[string]any{"type": "comment", "text": "someone else is not slowed"})

	s := ts.freshSnapshot(t, room.Code, dialOpts{})
	if len(s.Questions) != 1 || s.Questions[0].Text != "the first question" || len(s.Comments) != 1 {
		t.Fatalf("snapshot: %+v; want the first question and the other's comment only", s)
	}
	if s.Room.SlowModeSeconds != 60 {
		t.Fatalf("the snapshot's room says slow_mode_seconds %d", s.Room.SlowModeSeconds)
	}
	clock.Advance(40 * time.Second)
	p.mustAck(4, map[string]any{"type": "comment", "text": "a minute later"})

	if e := host.mustError(2, map[string]any{"type": "room_set", "slow_mode_seconds": rooms.MaxSlowModeSeconds + 1}); e.Code != rooms.CodeBadRequest {
		t.Fatalf("slow mode past its bound: %+v", e)
	}
}

// TestQuestionPastTheRoomCapIsRefused: at the default cap, the 5,001st
// question of a room is refused with room_full, the room keeps its 5,000
// and still takes comments; deleting one makes room for one more. The
// per-participant, per-room and per-address rates are lifted so that only
// the cap stops the flood.
func TestQuestionPastTheRoomCapIsRefused(t *testing.T) {
	lifted := rooms.Config{AskRate: 1e6, AskBurst: 1e6, RoomAskRate: 1e6, RoomAskBurst: 1e6, CommandRate: 1e6, CommandBurst: 1e6}
	ts := newTestServer(t, Config{AddressPostRate: -1}, lifted)
	room := ts.createRoom(t, "full")
	flood, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	var mu sync.Mutex
	acks, errs := 0, map[int64]retryErrorMsg{}
	flood.setHandler(func(line []byte, _ int, _ time.Time) {
		switch {
		case bytes.HasPrefix(line, []byte(`{"type":"ack"`)):
			mu.Lock()
			acks++
			mu.Unlock()
		case bytes.HasPrefix(line, []byte(`{"type":"error"`)):
			var e struct {
				ID int64 `json:"id"`
				retryErrorMsg
			}
			if json.Unmarshal(line, &e) == nil {
				mu.Lock()
				errs[e.ID] = e.retryErrorMsg
				mu.Unlock()
			}
		}
	})
	const capQ = rooms.DefaultMaxQuestions
	for i := 1; i <= capQ+1; i++ {
		flood.send(map[string]any{"type": "ask", "id": i, "text": fmt.Sprint("question number ", i)})
	}
	eventually(t, 60*time.Second, "an answer to every question", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return acks+len(errs) == capQ+1
	})
	mu.Lock()
	if acks != capQ || len(errs) != 1 || errs[capQ+1].Code != rooms.CodeRoomFull {
		t.Fatalf("%d acks and errors %v; want %d acks and room_full for question %d", acks, errs, capQ, capQ+1)
	}
	mu.Unlock()

	host, _, snap := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	var s snapshotItems
	snap.decode(t, &s)
	if len(s.Questions) != capQ {
		t.Fatalf("the host's snapshot has %d questions, want %d", len(s.Questions), capQ)
	}
	host.mustAck(1, map[string]any{"type": "comment", "text": "comments still work"})
	if e := host.mustError(2, map[string]any{"type": "ask", "text": "the host is capped too"}); e.Code != rooms.CodeRoomFull {
		t.Fatalf("the host's question past the cap: %+v", e)
	}
	host.mustAck(3, map[string]any{"type": "question_delete", "question": "q1"})
	host.mustAck(4, map[string]any{"type": "ask", "text": "one more after a delete"})
}

// TestBanHidesPostsAndCoversTheAddress: the host bans a participant
// choosing both options. Its connection closes with 4003; its live
// question and its comment disappear from the audience's events and
// from every later snapshot; a fresh identity from the same address is
// refused with 4003, while a fresh identity from another address joins.
func TestBanHidesPostsAndCoversTheAddress(t *testing.T) {
	ts := newTestServer(t, Config{TrustedProxies: mustTrust(t, "127.0.0.0/8")}, rooms.Config{})
	room := ts.createRoom(t, "ban")
	from := func(addr string) dialOpts {
		return dialOpts{header: http.Header{"X-Forwarded-For": {addr}}}
	}
	const attackerAddr, otherAddr = "203.0.113.7", "198.51.100.9"
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	watcher, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Watcher"}, from(otherAddr))
	attacker, aw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Troll"}, from(attackerAddr))
	bystander, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Same Wi-Fi"}, from(attackerAddr))

	q := attacker.mustAck(1, map[string]any{"type": "ask", "text": "an abusive question"})
	c := attacker.mustAck(2, map[string]any{"type": "comment", "text": "an abusive comment"})
	watcher.mustAck(1, map[string]any{"type": "ask", "text": "a fair question"})
	for _, typ := range []string{rooms.EventQuestion, rooms.TypeComment, rooms.EventQuestion} {
		watcher.nextOf(typ)
	}

	ev := host.request(1, map[string]any{"type": "ban", "participant": aw.Participant, "hide_posts": true, "cover_address": true})
	var ack struct {
		Type    string `json:"type"`
		Hidden  *int   `json:"hidden"`
		Covered *bool  `json:"covered"`
	}
	ev.decode(t, &ack)
	if ack.Type != rooms.EventAck || ack.Hidden == nil || *ack.Hidden != 2 || ack.Covered == nil || !*ack.Covered {
		t.Fatalf("the ban: %s; want an ack with hidden 2 and covered true", ev)
	}
	attacker.expectClose(closeBanned)

	// The audience is told to drop both, in order.
	for _, want := range []struct {
		typ string
		id  string
		seq uint64
	}{{rooms.EventQuestionDeleted, "q1", q.Seq}, {rooms.EventCommentDeleted, c.Comment, c.Seq}} {
		got := watcher.nextDurable()
		var d struct{ ID string }
		got.decode(t, &d)
		if got.Type != want.typ || d.ID != want.id || got.Seq <= want.seq {
			t.Fatalf("the watcher got %s, want %s of %s", got, want.typ, want.id)
		}
	}

	// A fresh identity from the covered address is refused; one that
	// joined from it before the ban stays; another address joins.
	fresh := ts.mustDial(t, from(attackerAddr))
	fresh.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code, Name: "Troll again"})
	fresh.expectClose(closeBanned)
	if n := ts.metric(t, "hubbub_protection_refusals_total"); n != 1 {
		t.Fatalf("hubbub_protection_refusals_total = %v after one join refused for its address", n)
	}
	bystander.mustAck(1, map[string]any{"type": "comment", "text": "I was here before"})
	s := ts.freshSnapshot(t, room.Code, from(otherAddr))
	for _, sq := range s.Questions {
		if sq.ID == "q1" {
			t.Fatalf("the banned participant's question is in a new snapshot: %+v", s.Questions)
		}
	}
	for _, sc := range s.Comments {
		if sc.ID == c.Comment {
			t.Fatalf("the banned participant's comment is in a new snapshot: %+v", s.Comments)
		}
	}
	if len(s.Questions) != 1 || len(s.Comments) != 1 {
		t.Fatalf("new snapshot: %+v; want the watcher's question and the bystander's comment", s)
	}

	// Closing the room ends the session and the cover.
	host.mustAck(2, map[string]any{"type": "room_set", "closed": true})
	again := ts.mustDial(t, from(attackerAddr))
	again.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})
	if w := again.nextEvent(); w.Type != rooms.EventWelcome {
		t.Fatalf("a fresh identity from the address after the room closed: %s, want welcome", w)
	}
}

// TestBanWithoutOptionsLeavesPostsAndAddress: a plain ban closes the
// participant's connections but hides nothing and covers no address.
func TestBanWithoutOptionsLeavesPostsAndAddress(t *testing.T) {
	ts := newTestServer(t, Config{TrustedProxies: mustTrust(t, "127.0.0.0/8")}, rooms.Config{})
	room := ts.createRoom(t, "plain ban")
	from := dialOpts{header: http.Header{"X-Forwarded-For": {"203.0.113.8"}}}
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	p, pw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Someone"}, from)
	p.mustAck(1, map[string]any{"type": "ask", "text": "a question that stays"})
	ts.waitJoinsRecorded(t, room.Code, 1)
	host.mustAck(1, map[string]any{"type": "ban", "participant": pw.Participant})
	p.expectClose(closeBanned)
	s := ts.freshSnapshot(t, room.Code, from)
	if len(s.Questions) != 1 {
		t.Fatalf("after a plain ban the snapshot has %d questions, want 1", len(s.Questions))
	}
}

// TestIdleRoomExpires: an open room with no activity for the idle expiry
// is deleted, its clients closed with 4004; the host's welcome says when
// (idle_expires_at), and activity in the room moves it.
func TestIdleRoomExpires(t *testing.T) {
	clock := newClock()
	ts := newTestServerWithStore(t, Config{}, rooms.Config{Now: clock.Now}, rooms.LogStoreOptions{IdleExpiry: 24 * time.Hour})
	room := ts.createRoom(t, "idle")
	createdAt := clock.millis()
	welcomeExpiry := func() int64 {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
		var w struct {
			IdleExpiresAt int64 `json:"idle_expires_at"`
		}
		c.events[0].decode(t, &w)
		c.drop()
		return w.IdleExpiresAt
	}
	hour := time.Hour.Milliseconds()
	if at := welcomeExpiry(); at < createdAt+24*hour || at > createdAt+25*hour {
		t.Fatalf("idle_expires_at %d, want within an hour after creation + 24 h (%d)", at, createdAt+24*hour)
	}
	audience, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Late"}, dialOpts{})
	clock.Advance(2 * time.Hour)
	audience.mustAck(1, map[string]any{"type": "comment", "text": "still here"})
	activeAt := clock.millis()
	expiry := welcomeExpiry()
	if expiry < activeAt+24*hour || expiry > activeAt+25*hour {
		t.Fatalf("after a comment idle_expires_at %d, want within an hour after it + 24 h (%d)", expiry, activeAt+24*hour)
	}
	audienceWelcome := func() []byte {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		defer c.drop()
		return c.events[0].raw
	}
	if w := audienceWelcome(); bytes.Contains(w, []byte("idle_expires_at")) {
		t.Fatalf("the audience's welcome carries the expiry: %s", w)
	}

	ctx := context.Background()
	clock.setMillis(expiry - 1)
	ts.svc.SweepDeletions(ctx)
	if status, _ := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil); status != http.StatusOK {
		t.Fatalf("the room before its idle expiry: %d", status)
	}
	clock.setMillis(expiry)
	ts.svc.SweepDeletions(ctx)
	audience.expectClose(closeNoRoom)
	if status, _ := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil); status != http.StatusNotFound {
		t.Fatalf("the room after its idle expiry: %d, want 404", status)
	}
}
