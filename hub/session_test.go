package hub

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestHandshakeRoles joins with each kind of credential and checks the
// welcome's fields and the snapshot that follows it.
func TestHandshakeRoles(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Roles")
	first := ts.comment(t, room.Code, room.HostKey, "before anyone joined")

	// An audience member whose token the resume case reuses.
	_, earlier, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ada"}, dialOpts{})

	tests := []struct {
		name            string
		hello           rooms.Hello
		role            string
		participant     string // "" : a new p_ id
		sameToken       bool   // the welcome echoes the credential
		wantParticipant string
	}{
		{name: "audience without token", hello: rooms.Hello{Room: room.Code, Name: "Bob"}, role: "audience"},
		{name: "audience, lower-case code", hello: rooms.Hello{Room: strings.ToLower(room.Code)}, role: "audience"},
		{name: "host key", hello: rooms.Hello{Room: room.Code, Token: room.HostKey}, role: "host",
			participant: rooms.HostParticipant, sameToken: true},
		{name: "moderator key", hello: rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, role: "moderator",
			participant: rooms.ModeratorParticipant, sameToken: true},
		// A participant's token is renewed: a fresh one for the same participant.
		{name: "participant token", hello: rooms.Hello{Room: room.Code, Token: earlier.Token}, role: "audience",
			participant: earlier.Participant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, w, snap := ts.join(t, tt.hello, dialOpts{})
			if w.Type != "welcome" || w.Room != room.Code || w.Role != tt.role || w.Resumed {
				t.Errorf("welcome = %+v, want room %s role %s resumed false", w, room.Code, tt.role)
			}
			if w.Seq != first.Seq {
				t.Errorf("welcome seq = %d, want %d", w.Seq, first.Seq)
			}
			switch {
			case tt.participant != "" && w.Participant != tt.participant:
				t.Errorf("participant = %q, want %q", w.Participant, tt.participant)
			case tt.participant == "" && (!strings.HasPrefix(w.Participant, "p_") || w.Participant == earlier.Participant):
				t.Errorf("participant = %q, want a new p_ id", w.Participant)
			}
			switch {
			case tt.sameToken && w.Token != tt.hello.Token:
				t.Errorf("token = %q, want the credential back", w.Token)
			case !tt.sameToken && !strings.HasPrefix(w.Token, "pt1."):
				t.Errorf("token = %q, want a new participant token", w.Token)
			}

			var s struct {
				Seq       uint64           `json:"seq"`
				Room      rooms.Room       `json:"room"`
				Questions []any            `json:"questions"`
				Polls     []any            `json:"polls"`
				Comments  []commentMsg     `json:"comments"`
				Reactions map[string]int64 `json:"reactions"`
				Presence  *int             `json:"presence"`
				You       *struct {
					Upvoted []string       `json:"upvoted"`
					Votes   map[string]any `json:"votes"`
				} `json:"you"`
			}
			snap.decode(t, &s)
			if s.Room.Code != room.Code || s.Room.Title != "Roles" {
				t.Errorf("snapshot room = %+v", s.Room)
			}
			if len(s.Comments) != 1 || s.Comments[0].ID != first.Comment || s.Comments[0].Text != "before anyone joined" {
				t.Errorf("snapshot comments = %+v, want the one comment %s", s.Comments, first.Comment)
			}
			if s.Questions == nil || s.Polls == nil || s.Reactions == nil || s.Presence == nil || *s.Presence < 1 {
				t.Errorf("snapshot lacks questions, polls, reactions or presence: %s", snap)
			}
			if s.You == nil || s.You.Upvoted == nil || s.You.Votes == nil {
				t.Errorf("snapshot lacks you.upvoted or you.votes: %s", snap)
			}
			// The connection is live: a command is answered.
			c.mustAck(1, map[string]any{"type": "react", "kind": "like"})
		})
	}
}

// TestFramesMaySplitIntoSeveralEvents checks the client helper's view of
// the wire: every line of every frame is one JSON event.
func TestFramesMaySplitIntoSeveralEvents(t *testing.T) {
	ts := newTestServer(t, Config{FlushInterval: 100 * time.Millisecond}, rooms.Config{CommentBurst: 100, CommentRate: 100})
	room := ts.createRoom(t, "Frames")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	time.Sleep(150 * time.Millisecond) // quiet: the next event is written at once
	for range 5 {
		ts.comment(t, room.Code, room.HostKey, "hello")
	}
	frames := map[int]int{}
	for range 5 {
		ev := c.nextOf("comment")
		frames[ev.frame]++
	}
	multi := false
	for _, n := range frames {
		multi = multi || n > 1
	}
	if !multi {
		t.Errorf("5 comments within one flush interval came in %d frames, none with several events", len(frames))
	}
}

// TestPresence checks presence events: they count the room's audience
// connections (not staff, not the screen) and come at most once per second.
func TestPresence(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Presence")
	start := time.Now()
	a, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	var others []*wsClient
	for range 2 {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		others = append(others, c)
	}
	var counts []int
	for {
		ev := a.nextOf(rooms.EventPresence)
		var p struct {
			Count int `json:"count"`
		}
		ev.decode(t, &p)
		counts = append(counts, p.Count)
		if p.Count == 3 {
			break
		}
	}
	// At most one presence per second since the first client joined.
	if limit := int(time.Since(start)/time.Second) + 1; len(counts) > limit {
		t.Errorf("%d presence events %v in %v", len(counts), counts, time.Since(start))
	}
	status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"presence":3`) {
		t.Errorf("GET room: %d %s, want presence 3", status, body)
	}

	others[0].drop()
	ev := a.nextOf(rooms.EventPresence)
	if !strings.Contains(ev.String(), `"count":2`) {
		t.Errorf("after one left: %s, want count 2", ev)
	}
	// Staff and displays (the projector screen) are not among the people present.
	ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	ts.join(t, rooms.Hello{Room: room.Code, Display: true}, dialOpts{})
	a.expectNo(rooms.EventPresence, 1200*time.Millisecond) // unchanged count: no event
	if status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil); !strings.Contains(string(body), `"presence":2`) {
		t.Errorf("GET room with host, moderator and screen joined: %d %s, want presence 2", status, body)
	}
}

// TestRoomSet checks that only the host may change settings and that
// everyone receives the `room` event.
func TestRoomSet(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Before")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	mod, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	aud, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	for name, c := range map[string]*wsClient{"audience": aud, "moderator": mod} {
		if e := c.mustError(5, map[string]any{"type": "room_set", "title": "Mine"}); e.Code != rooms.CodeForbidden || e.ID == nil || *e.ID != 5 {
			t.Errorf("%s room_set: %+v, want forbidden with id 5", name, e)
		}
	}
	if e := host.mustError(6, map[string]any{"type": "room_set"}); e.Code != rooms.CodeBadRequest {
		t.Errorf("empty room_set: %+v, want bad_request", e)
	}
	ack := host.mustAck(7, map[string]any{"type": "room_set", "title": "After", "reactions": false})
	for name, c := range map[string]*wsClient{"host": host, "moderator": mod, "audience": aud} {
		ev := c.nextOf(rooms.EventRoom)
		var r rooms.Room
		ev.decode(t, &r)
		if ev.Seq != ack.Seq || r.Title != "After" || r.Reactions || !r.Comments || r.Code != room.Code {
			t.Errorf("%s got %s, want the room at seq %d titled After with reactions off", name, ev, ack.Seq)
		}
	}
	if e := aud.mustError(8, map[string]any{"type": "react", "kind": "like"}); e.Code != rooms.CodeForbidden {
		t.Errorf("react with reactions off: %+v, want forbidden", e)
	}
}

// TestCommentDelete checks that only the author and staff may delete a
// comment, and that the deletion reaches everyone.
func TestCommentDelete(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Delete")
	author, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ada"}, dialOpts{})
	other, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})

	mine := author.mustAck(1, map[string]any{"type": "comment", "text": "mine", "cid": "a1"})
	yours := author.mustAck(2, map[string]any{"type": "comment", "text": "also mine", "cid": "a2"})
	if mine.Comment == "" || mine.Seq == 0 {
		t.Fatalf("comment ack = %+v, want the comment id and seq", mine)
	}
	if again := author.mustAck(3, map[string]any{"type": "comment", "text": "mine", "cid": "a1"}); !again.Duplicate || again.Comment != mine.Comment {
		t.Errorf("resent cid: %+v, want duplicate of %s", again, mine.Comment)
	}

	if e := other.mustError(10, map[string]any{"type": "comment_delete", "comment": mine.Comment}); e.Code != rooms.CodeForbidden || *e.ID != 10 {
		t.Errorf("another member deleting: %+v, want forbidden", e)
	}
	if e := other.mustError(11, map[string]any{"type": "comment_delete", "comment": "c999"}); e.Code != rooms.CodeNotFound {
		t.Errorf("deleting an unknown comment: %+v, want not_found", e)
	}
	del1 := author.mustAck(12, map[string]any{"type": "comment_delete", "comment": mine.Comment})
	del2 := host.mustAck(13, map[string]any{"type": "comment_delete", "comment": yours.Comment})

	for name, c := range map[string]*wsClient{"author": author, "other": other, "host": host} {
		for _, want := range []struct {
			seq uint64
			id  string
		}{{del1.Seq, mine.Comment}, {del2.Seq, yours.Comment}} {
			ev := c.nextOf(rooms.EventCommentDeleted)
			if ev.Seq != want.seq || !strings.Contains(ev.String(), `"id":"`+want.id+`"`) {
				t.Errorf("%s got %s, want comment_deleted %s at seq %d", name, ev, want.id, want.seq)
			}
		}
	}
}

// TestBan checks the ban command: the banned participant's connection is
// closed with 4003, it cannot rejoin, and its commands over HTTP are refused.
func TestBan(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Ban")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	troll, tw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "troll"}, dialOpts{})
	bystander, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	if e := bystander.mustError(1, map[string]any{"type": "ban", "participant": tw.Participant}); e.Code != rooms.CodeForbidden {
		t.Errorf("audience ban: %+v, want forbidden", e)
	}
	host.mustAck(2, map[string]any{"type": "ban", "participant": tw.Participant})
	troll.expectClose(closeBanned)

	again, _, err := ts.dial(t, dialOpts{})
	if err != nil {
		t.Fatal(err)
	}
	again.send(rooms.Hello{Type: "hello", Room: room.Code, Token: tw.Token})
	again.expectClose(closeBanned)

	if status, body := ts.command(t, room.Code, tw.Token, map[string]any{"type": "comment", "text": "still here"}); status != http.StatusForbidden {
		t.Errorf("banned comment over HTTP: %d %s, want 403", status, body)
	}
	// The others are unaffected.
	bystander.mustAck(3, map[string]any{"type": "comment", "text": "fine"})
}
