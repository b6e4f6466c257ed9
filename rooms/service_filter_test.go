package rooms

import (
	"bytes"
	"encoding/json"
	"testing"
)

// filterConfig is a Config whose word filter has known words.
func filterConfig() Config {
	return Config{WordFilter: NewWordFilter([]string{"heck", "傻逼"}), AskBurst: 100}
}

func TestHandleAskFilterMask(t *testing.T) {
	f := newFixture(t, filterConfig())
	ack, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "What the HECK is 傻逼?"})
	if err != nil {
		t.Fatal(err)
	}
	ev := f.pub.take(EventQuestion)[0]
	for _, data := range [][]byte{ev.Data, ev.For(true, HostParticipant), ev.For(false, f.audience.Participant)} {
		if !bytes.Contains(data, []byte(`"text":"What the **** is **?"`)) || !bytes.Contains(data, []byte(`"status":"live"`)) {
			t.Fatalf("masked question event %s", data)
		}
	}
	st, err := f.store.StateWithQuestions(f.ctx, f.code, 0)
	if err != nil || len(st.Questions) != 1 || st.Questions[0].Text != "What the **** is **?" || st.Questions[0].ID != ack.Question {
		t.Fatalf("stored questions %+v, %v", st.Questions, err)
	}
	// Without a match the text is untouched; "checked" is not "heck".
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "checked twice"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(EventQuestion)[0]; !bytes.Contains(ev.Data, []byte(`"text":"checked twice"`)) {
		t.Fatalf("unmatched question event %s", ev.Data)
	}
	// Under room moderation a masked question is pending as usual.
	f.handle(f.host, Command{Type: TypeRoomSet, Moderation: ptr(true)})
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "heck again"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(EventQuestion)[0]; !bytes.Contains(ev.Staff, []byte(`"text":"**** again"`)) || !bytes.Contains(ev.Staff, []byte(`"status":"pending"`)) {
		t.Fatalf("moderated masked question %s", ev.Staff)
	}
}

func TestHandleAskFilterModerate(t *testing.T) {
	f := newFixture(t, filterConfig())
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Filter: ptr(FilterModerate)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "what the heck"}); err != nil {
		t.Fatal(err)
	}
	ev := f.pub.take(EventQuestion)[0]
	if bytes.Contains(ev.Data, []byte("heck")) || !bytes.HasPrefix(ev.Data, []byte(`{"type":"question_deleted",`)) {
		t.Fatalf("audience version of a filtered question: %s", ev.Data)
	}
	if !bytes.Contains(ev.Staff, []byte(`"text":"what the heck"`)) || !bytes.Contains(ev.Staff, []byte(`"status":"pending"`)) {
		t.Fatalf("staff version of a filtered question: %s", ev.Staff)
	}
	// A moderator may let it through, unmasked.
	if _, err := f.handle(f.mod, Command{Type: TypeQuestionSet, Question: "q1", Status: ptr(QuestionLive)}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(EventQuestion)[0]; !bytes.Contains(ev.Data, []byte(`"text":"what the heck","author":"Ada","votes":0,"status":"live"`)) {
		t.Fatalf("approved question %s", ev.Data)
	}
	// Questions without a match are live (room moderation is off).
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: "a clean one"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(EventQuestion)[0]; !bytes.Contains(ev.Data, []byte(`"status":"live"`)) {
		t.Fatalf("clean question %s", ev.Data)
	}
	// Comments have no pending state: masked under either setting.
	if _, err := f.handle(f.audience, Command{Type: TypeComment, Text: "heck yes"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(TypeComment)[0]; !bytes.Contains(ev.Data, []byte(`"text":"**** yes"`)) {
		t.Fatalf("comment under moderate %s", ev.Data)
	}
}

func TestHandleCommentFilter(t *testing.T) {
	f := newFixture(t, filterConfig())
	if _, err := f.handle(f.audience, Command{Type: TypeComment, Text: "ＨＥＣＫ, 你是傻逼"}); err != nil {
		t.Fatal(err)
	}
	if ev := f.pub.take(TypeComment)[0]; !bytes.Contains(ev.Data, []byte(`"text":"****, 你是**"`)) {
		t.Fatalf("masked comment %s", ev.Data)
	}
	st, _ := f.store.State(f.ctx, f.code, 10)
	if len(st.Comments) != 1 || st.Comments[0].Text != "****, 你是**" {
		t.Fatalf("stored comments %+v", st.Comments)
	}
	// An empty filter (-word-filter none) changes nothing.
	g := newFixture(t, Config{WordFilter: NewWordFilter(nil)})
	g.handle(g.audience, Command{Type: TypeComment, Text: "shit happens"})
	if ev := g.pub.take(TypeComment)[0]; !bytes.Contains(ev.Data, []byte(`"text":"shit happens"`)) {
		t.Fatalf("comment without a filter %s", ev.Data)
	}
	// The default lists apply when Config.WordFilter is nil.
	h := newFixture(t, Config{})
	h.handle(h.audience, Command{Type: TypeComment, Text: "shit happens"})
	if ev := h.pub.take(TypeComment)[0]; !bytes.Contains(ev.Data, []byte(`"text":"**** happens"`)) {
		t.Fatalf("comment with the default filter %s", ev.Data)
	}
}

func TestRoomSetFilter(t *testing.T) {
	f := newFixture(t, Config{})
	rec, _ := f.store.Room(f.ctx, f.code)
	if rec.Filter != FilterMask {
		t.Fatalf("a new room's filter is %q, want mask", rec.Filter)
	}
	ack, err := f.handle(f.host, Command{Type: TypeRoomSet, Filter: ptr(FilterModerate)})
	if err != nil || ack.Seq == 0 {
		t.Fatalf("room_set filter = %+v, %v", ack, err)
	}
	ev := f.pub.take(EventRoom)[0]
	if !bytes.HasSuffix(ev.Data, []byte(`"created_at":`+jsonNumber(rec.CreatedAt)+`,"filter":"moderate","retention_days":0}`)) {
		t.Fatalf("room event %s: filter and retention_days must be appended last", ev.Data)
	}
	for _, bad := range []string{"", "MASK", "block"} {
		_, err := f.handle(f.host, Command{Type: TypeRoomSet, Filter: ptr(bad)})
		wantRefusal(t, "filter "+bad, err, CodeBadRequest)
	}
	_, err = f.handle(f.mod, Command{Type: TypeRoomSet, Filter: ptr(FilterMask)})
	wantRefusal(t, "filter by a moderator", err, CodeForbidden)
	cmd, err := DecodeCommand([]byte(`{"type":"room_set","filter":"mask"}`))
	if err != nil || cmd.Filter == nil || *cmd.Filter != FilterMask {
		t.Fatalf("decoded %+v, %v", cmd, err)
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
