package hub

import (
	"fmt"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestInvalidFramesAreRateLimited floods a connection with frames that do
// not decode, as an attacker did: they count against the command limit
// like commands, so the flood is answered with rate_limited and a real
// command after it is refused too until the bucket refills.
func TestInvalidFramesAreRateLimited(t *testing.T) {
	const burst = 10
	ts := newTestServer(t, Config{}, rooms.Config{CommandBurst: burst, CommandRate: 0.01})
	room := ts.createRoom(t, "garbage")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	codes := map[string]int{}
	for i := range 3 * burst {
		c.send(fmt.Sprintf(`{"id":%d,not json`, i))
		var e errorMsg
		c.nextOf(rooms.EventError).decode(t, &e)
		codes[e.Code]++
	}
	if codes[rooms.CodeBadRequest] != burst || codes[rooms.CodeRateLimited] != 2*burst {
		t.Fatalf("error codes for %d garbage frames: %v; want %d bad_request then rate_limited", 3*burst, codes, burst)
	}
	if e := c.mustError(1, map[string]any{"type": "comment", "text": "hi"}); e.Code != rooms.CodeRateLimited {
		t.Fatalf("a comment after the flood: %+v, want rate_limited", e)
	}
}

// TestWrongTypeIDIsNotEchoedAsZero: an id that is not an integer is left
// out of the error, never echoed as 0 (which a client could take for the
// answer to its command 0).
func TestWrongTypeIDIsNotEchoedAsZero(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "ids")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for _, frame := range []string{
		`{"type":"comment","id":"7","text":"x"}`,
		`{"type":"comment","id":1.5,"text":"x"}`,
		`{"type":"comment","id":true,"text":"x"}`,
		`{"type":"comment","id":{"a":1},"text":"x"}`,
	} {
		c.send(frame)
		ev := c.nextOf(rooms.EventError)
		var e errorMsg
		ev.decode(t, &e)
		if e.ID != nil {
			t.Errorf("%s answered %s: the id is echoed as %d", frame, ev, *e.ID)
		}
	}
}

// TestInvisibleTextsRefused posts what looks like nothing — ZWJ, Hangul
// fillers, bare combining marks — as questions and comments, and joins
// with such a name: texts are refused, the name is anonymous, and Zalgo text
// keeps at most MaxMarksPerBase marks on each character.
func TestInvisibleTextsRefused(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{AskBurst: 20, AskRate: 1})
	room := ts.createRoom(t, "invisible")
	c, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "\u3164\u3164"}, dialOpts{})
	id := int64(0)
	for _, text := range []string{"\u200d\u200d\u200d", "\u3164", "\u0301\u0301\u0301", "\u2800 \u2800"} {
		for _, typ := range []string{"ask", "comment"} {
			id++
			if e := c.mustError(id, map[string]any{"type": typ, "text": text}); e.Code != rooms.CodeBadRequest {
				t.Errorf("%s %+q: %+v, want bad_request", typ, text, e)
			}
		}
	}
	id++
	c.mustAck(id, map[string]any{"type": "comment", "text": "Z\u0301\u0302\u0303\u0304\u0305\u0306\u0307"})
	var cm commentMsg
	c.nextOf("comment").decode(t, &cm)
	if cm.Text != "Z\u0301\u0302\u0303" {
		t.Errorf("zalgo comment stored as %+q", cm.Text)
	}
	if cm.Author != nil {
		t.Errorf("a name of Hangul fillers shows as %+q, want anonymous", *cm.Author)
	}
}
