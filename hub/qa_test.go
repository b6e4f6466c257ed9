package hub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

type questionMsg struct {
	Type        string  `json:"type"`
	Seq         uint64  `json:"seq"`
	ID          string  `json:"id"`
	Text        string  `json:"text"`
	Author      *string `json:"author"`
	Votes       int64   `json:"votes"`
	Status      string  `json:"status"`
	Pinned      bool    `json:"pinned"`
	Answer      string  `json:"answer"`
	Participant string  `json:"participant"`
}

type qaAck struct {
	ackMsg
	Question string `json:"question"`
	Votes    *int64 `json:"votes"`
}

func askAck(t *testing.T, c *wsClient, id int64, cmd map[string]any) qaAck {
	t.Helper()
	ev := c.request(id, cmd)
	if ev.Type != rooms.EventAck {
		t.Fatalf("%v: %s, want an ack", cmd, ev)
	}
	var a qaAck
	ev.decode(t, &a)
	return a
}

// TestModerationVisibility: with moderation on, the audience never receives
// a pending or hidden question's text — not in events, not in snapshots —
// yet sees every seq; its author and the staff see it all.
func TestModerationVisibility(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Moderated")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	host.mustAck(1, map[string]any{"type": "room_set", "moderation": true})
	author, aw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ada"}, dialOpts{})
	other, ow, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Bob"}, dialOpts{})
	if ow.Seq != aw.Seq {
		t.Fatalf("welcome seqs differ: %d and %d", aw.Seq, ow.Seq)
	}

	const secret = "a question only moderators may read yet"
	ack := askAck(t, author, 2, map[string]any{"type": "ask", "text": secret})
	if ack.Question == "" || ack.Seq != aw.Seq+1 {
		t.Fatalf("ask ack %+v, want a question id and seq %d", ack, aw.Seq+1)
	}

	var q questionMsg
	author.nextOf("question").decode(t, &q)
	if q.Text != secret || q.Status != rooms.QuestionPending || q.Participant != aw.Participant {
		t.Fatalf("the author sees %+v, want its pending question", q)
	}
	host.nextOf("question").decode(t, &q)
	if q.Text != secret || q.Status != rooms.QuestionPending {
		t.Fatalf("the host sees %+v, want the pending question", q)
	}
	ev := other.nextDurable()
	if ev.Type != "question_deleted" || ev.Seq != ack.Seq || bytes.Contains(ev.raw, []byte(secret)) {
		t.Fatalf("the audience got %s for the pending question, want question_deleted at seq %d", ev, ack.Seq)
	}

	_, _, snap := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if bytes.Contains(snap.raw, []byte(secret)) {
		t.Fatalf("an audience snapshot carries the pending question: %s", snap)
	}
	_, _, hostSnap := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	if !bytes.Contains(hostSnap.raw, []byte(secret)) {
		t.Fatalf("the host's snapshot lacks the pending question: %s", hostSnap)
	}

	// Approved: everyone sees it. Hidden: the audience loses it again.
	host.mustAck(3, map[string]any{"type": "question_set", "question": ack.Question, "status": "live"})
	q = questionMsg{}
	other.nextOf("question").decode(t, &q)
	if q.Text != secret || q.Status != rooms.QuestionLive || q.Participant != "" {
		t.Fatalf("after approval the audience sees %+v, want the live question without its author's id", q)
	}
	host.mustAck(4, map[string]any{"type": "question_set", "question": ack.Question, "status": "hidden"})
	if ev := other.nextDurable(); ev.Type != "question_deleted" || bytes.Contains(ev.raw, []byte(secret)) {
		t.Fatalf("hiding sent the audience %s, want question_deleted", ev)
	}
	_, _, snap = ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if bytes.Contains(snap.raw, []byte(secret)) {
		t.Fatalf("an audience snapshot carries the hidden question: %s", snap)
	}
}

// TestPinExclusive: pinning a second question unpins the first, each change
// its own durable event.
func TestPinExclusive(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Pins")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	aud, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	q1 := askAck(t, aud, 1, map[string]any{"type": "ask", "text": "first"}).Question
	q2 := askAck(t, aud, 2, map[string]any{"type": "ask", "text": "second"}).Question
	aud.nextOf("question")
	aud.nextOf("question")

	host.mustAck(3, map[string]any{"type": "question_set", "question": q1, "pinned": true})
	var q questionMsg
	aud.nextOf("question").decode(t, &q)
	if q.ID != q1 || !q.Pinned {
		t.Fatalf("got %+v, want %s pinned", q, q1)
	}
	ack := host.mustAck(4, map[string]any{"type": "question_set", "question": q2, "pinned": true})
	var unpinned, pinned questionMsg
	aud.nextOf("question").decode(t, &unpinned)
	aud.nextOf("question").decode(t, &pinned)
	if unpinned.ID != q1 || unpinned.Pinned || pinned.ID != q2 || !pinned.Pinned || pinned.Seq != unpinned.Seq+1 || pinned.Seq != ack.Seq {
		t.Fatalf("pinning %s: got %+v then %+v, want %s unpinned then %s pinned at consecutive seqs ending at %d", q2, unpinned, pinned, q1, q2, ack.Seq)
	}
}

// TestQuestionDeleteAuthorOnly: another audience member may not delete a
// question; its author may.
func TestQuestionDeleteAuthorOnly(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Delete")
	author, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	other, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	qid := askAck(t, author, 1, map[string]any{"type": "ask", "text": "mine"}).Question
	if e := other.mustError(2, map[string]any{"type": "question_delete", "question": qid}); e.Code != rooms.CodeForbidden {
		t.Fatalf("another member deleting: %+v, want forbidden", e)
	}
	author.mustAck(3, map[string]any{"type": "question_delete", "question": qid})
	ev := other.nextOf("question_deleted")
	var d struct{ ID string }
	ev.decode(t, &d)
	if d.ID != qid {
		t.Fatalf("got %s, want %s deleted", ev, qid)
	}
}

// TestDuplicateQuestionNamesTheOriginal: asking the same text again is a
// conflict that tells the client which question to upvote instead.
func TestDuplicateQuestionNamesTheOriginal(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Dup")
	a, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	b, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	qid := askAck(t, a, 1, map[string]any{"type": "ask", "text": "Will the slides be shared?"}).Question
	ev := b.request(2, map[string]any{"type": "ask", "text": "Will the slides be shared?"})
	var e struct {
		errorMsg
		Question string `json:"question"`
	}
	ev.decode(t, &e)
	if e.Type != rooms.EventError || e.Code != rooms.CodeConflict || e.Question != qid {
		t.Fatalf("duplicate ask: %s, want conflict naming %s", ev, qid)
	}
}

// TestBanStopsQuestionsAndVotes: a banned participant may neither ask nor
// upvote, over any transport.
func TestBanStopsQuestionsAndVotes(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Ban")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	asker, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	qid := askAck(t, asker, 1, map[string]any{"type": "ask", "text": "before the ban"}).Question
	troll, w, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	host.mustAck(2, map[string]any{"type": "ban", "participant": w.Participant})
	troll.expectClose(closeBanned)
	for _, cmd := range []map[string]any{
		{"type": "ask", "text": "after the ban"},
		{"type": "upvote", "question": qid},
	} {
		if status, body := ts.command(t, room.Code, w.Token, cmd); status != http.StatusForbidden {
			t.Errorf("%v by a banned participant over HTTP: %d %s, want 403", cmd["type"], status, body)
		}
	}
}

// TestVotesCoalesced: an upvote storm reaches clients as a few `votes`
// events — at most 4 per second — with the exact final count, and each
// participant counts once.
func TestVotesCoalesced(t *testing.T) {
	const voters = 120
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Votes")
	asker, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	qid := askAck(t, asker, 1, map[string]any{"type": "ask", "text": "vote for me"}).Question

	var mu sync.Mutex
	var times []time.Time
	last := int64(-1)
	observer := ts.mustDial(t, dialOpts{})
	observer.setHandler(func(line []byte, _ int, recv time.Time) {
		var v struct {
			Type      string           `json:"type"`
			Questions map[string]int64 `json:"questions"`
		}
		if json.Unmarshal(line, &v) != nil || v.Type != rooms.EventVotes {
			return
		}
		mu.Lock()
		times = append(times, recv)
		if n, ok := v.Questions[qid]; ok {
			last = n
		}
		mu.Unlock()
	})
	observer.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})

	clients := make([]*wsClient, voters)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
			clients[i] = c
		})
	}
	wg.Wait()
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			c.send(map[string]any{"type": "upvote", "question": qid})
			if i%3 == 0 { // a double upvote counts once
				c.send(map[string]any{"type": "upvote", "question": qid})
			}
		})
	}
	wg.Wait()
	eventually(t, 10*time.Second, "the final count", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return last == voters
	})
	time.Sleep(600 * time.Millisecond) // nothing more may come
	mu.Lock()
	defer mu.Unlock()
	if last != voters {
		t.Fatalf("final count %d, want %d", last, voters)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < time.Second; j++ {
			n++
		}
		if n > 4 {
			t.Fatalf("%d votes events within one second (from %v after the storm began), want at most 4", n, times[i].Sub(start))
		}
	}
	t.Logf("%d upvotes from %d participants arrived as %d votes events", voters+voters/3, voters, len(times))
}
