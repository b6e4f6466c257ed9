package hub

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// receivedRaw returns every event the client has received so far, raw.
func (c *wsClient) receivedRaw() []string {
	var out []string
	for _, ev := range c.received() {
		out = append(out, string(ev.raw))
	}
	return out
}

// idLike matches every value that could name a person or an item's author:
// participant ids, handles and voter ids.
var idLike = regexp.MustCompile(`\b[phv]_[0-9a-f]{8,}\b`)

// TestAnonymousQuestionCannotBeLinked attacks issue 13's finding 4 the way
// it was found: a host (and a moderator) collect every event of a room, its
// export in both formats and its stats, while one participant asks an
// anonymous question, posts a comment under their name and scores in a
// quiz. Nothing staff receive may carry that participant's id, nor any value
// found both in the anonymous question's events and in the named comment's.
// The participant itself still recognizes its own items, and a ban by the
// question closes every connection of its author.
func TestAnonymousQuestionCannotBeLinked(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Town hall")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	mod, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	bystander, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Bo"}, dialOpts{})
	ann, aw, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ann"}, dialOpts{})
	annTab, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: aw.Token, Name: "Ann"}, dialOpts{})

	q := askAck(t, ann, 1, map[string]any{"type": "ask", "text": "Why were the layoffs kept quiet?", "anonymous": true}).Question
	c := ann.mustAck(2, map[string]any{"type": "comment", "text": "Great talk!"}).Comment
	quiz := makePoll(t, host, 1, map[string]any{"kind": "quiz", "title": "2+2", "options": []string{"3", "4"}, "correct": []int{1}, "state": "open"})
	nextPoll(t, ann, quiz)
	ann.mustAck(3, map[string]any{"type": "vote", "poll": quiz, "choices": []int{1}})
	host.mustAck(2, map[string]any{"type": "poll_set", "poll": quiz, "state": "closed", "reveal": true})
	for _, cl := range []*wsClient{host, mod, bystander, ann} {
		nextLeaderboard(t, cl, quiz)
	}
	// Staff who join now get it all again, in a snapshot.
	late, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	nextLeaderboard(t, late, quiz)

	var seen []string // everything staff and the audience received
	for _, cl := range []*wsClient{host, mod, late, bystander} {
		seen = append(seen, cl.receivedRaw()...)
	}
	for _, path := range []string{"/export?format=json", "/export?format=csv", "/stats", "/export?part=report&format=json"} {
		status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+path, room.HostKey, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		seen = append(seen, string(body))
	}
	var questionEvents, commentEvents []string
	for _, s := range seen {
		if strings.Contains(s, aw.Participant) {
			t.Fatalf("staff or the audience received the participant id of the anonymous author: %s", s)
		}
		if strings.Contains(s, `"id":"`+q+`"`) && strings.Contains(s, `"type":"question"`) {
			questionEvents = append(questionEvents, s)
		}
		if strings.Contains(s, `"id":"`+c+`"`) && strings.Contains(s, `"type":"comment"`) {
			commentEvents = append(commentEvents, s)
		}
	}
	if len(questionEvents) < 2 || len(commentEvents) < 2 {
		t.Fatalf("the collection missed the items: %d question events, %d comment events", len(questionEvents), len(commentEvents))
	}
	linking := map[string]bool{}
	for _, s := range questionEvents {
		for _, v := range idLike.FindAllString(s, -1) {
			linking[v] = true
		}
	}
	for _, s := range commentEvents {
		for _, v := range idLike.FindAllString(s, -1) {
			if linking[v] {
				t.Fatalf("value %s ties the anonymous question to Ann's comment: %s", v, s)
			}
		}
	}
	// In the export too: the question's row and the comment's share nothing.
	_, csv := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+"/export?format=csv", room.HostKey, nil)
	var qRow, cRow string
	for _, line := range strings.Split(string(csv), "\r\n") {
		switch {
		case strings.HasPrefix(line, "question,"+q+","):
			qRow = line
		case strings.HasPrefix(line, "comment,"+c+","):
			cRow = line
		}
	}
	for _, v := range idLike.FindAllString(qRow, -1) {
		if strings.Contains(cRow, v) {
			t.Fatalf("export rows share %s:\n%s\n%s", v, qRow, cRow)
		}
	}

	// The author still knows its own items: they carry its participant id
	// in its own copies only.
	mine := 0
	for _, s := range ann.receivedRaw() {
		if strings.Contains(s, `"participant":"`+aw.Participant+`"`) && (strings.Contains(s, `"id":"`+q+`"`) || strings.Contains(s, `"id":"`+c+`"`)) {
			mine++
		}
	}
	if mine < 2 {
		t.Fatalf("the author received its own items without its participant id (%d of 2)", mine)
	}

	// Staff ban by the question: the server resolves its author and closes
	// both of Ann's connections, and her token no longer joins.
	if e := host.mustError(3, map[string]any{"type": "ban", "question": "q999"}); e.Code != rooms.CodeNotFound {
		t.Fatalf("ban of an unknown question: %+v", e)
	}
	if e := host.mustError(4, map[string]any{"type": "ban", "question": q, "comment": c}); e.Code != rooms.CodeBadRequest {
		t.Fatalf("ban naming two items: %+v", e)
	}
	if e := bystander.mustError(1, map[string]any{"type": "ban", "question": q}); e.Code != rooms.CodeForbidden {
		t.Fatalf("audience ban: %+v", e)
	}
	mod.mustAck(1, map[string]any{"type": "ban", "question": q})
	ann.expectClose(closeBanned)
	annTab.expectClose(closeBanned)
	again := ts.mustDial(t, dialOpts{})
	again.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code, Token: aw.Token})
	again.expectClose(closeBanned)
	bystander.mustAck(2, map[string]any{"type": "comment", "text": "still here"})
}

// TestBanByCommentAndHandle: a moderator bans the author of a comment by the
// comment, and of a deleted comment by the handle it carried.
func TestBanByCommentAndHandle(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Bans")
	mod, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	a, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	b, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})

	ca := a.mustAck(1, map[string]any{"type": "comment", "text": "rude"}).Comment
	cb := b.mustAck(1, map[string]any{"type": "comment", "text": "ruder"}).Comment
	var handle string
	for handle == "" {
		var cm struct {
			ID     string `json:"id"`
			Handle string `json:"handle"`
		}
		mod.nextOf(rooms.TypeComment).decode(t, &cm)
		if cm.ID == cb {
			handle = cm.Handle
		}
	}
	if !rooms.IsHandle(handle) {
		t.Fatalf("comment handle %q", handle)
	}
	mod.mustAck(2, map[string]any{"type": "ban", "comment": ca})
	a.expectClose(closeBanned)

	mod.mustAck(3, map[string]any{"type": "comment_delete", "comment": cb})
	if e := mod.mustError(4, map[string]any{"type": "ban", "comment": cb}); e.Code != rooms.CodeNotFound {
		t.Fatalf("ban by a deleted comment's id: %+v", e)
	}
	mod.mustAck(5, map[string]any{"type": "ban", "handle": handle})
	b.expectClose(closeBanned)

	// The staff keys' own items name nobody to ban.
	own := mod.mustAck(6, map[string]any{"type": "comment", "text": "from the moderator"}).Comment
	if e := mod.mustError(7, map[string]any{"type": "ban", "comment": own}); e.Code != rooms.CodeBadRequest {
		t.Fatalf("ban of the moderator's comment: %+v", e)
	}
}
