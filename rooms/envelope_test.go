package rooms

import (
	"reflect"
	"testing"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, ev := range []Event{
		{Seq: 12, Type: TypeComment, Data: []byte(`{"type":"comment","seq":12,"text":"a\nb"}`), At: 1732345678901234567},
		{Seq: 3, Type: "question", Data: []byte(`{"x":1}`), Staff: []byte(`{"x":1,"secret":true}`), Owner: "p_0123456789abcdef", At: 5},
		{Seq: 4, Type: TypeComment, Data: []byte(`{"x":1}`), Own: []byte(`{"x":1,"participant":"p_0123456789abcdef"}`), Owner: "p_0123456789abcdef", At: 6},
		{Seq: 5, Type: "question", Data: []byte(`{"d":1}`), Staff: []byte(`{"x":1}`), Own: []byte(`{"x":1,"p":2}`), Owner: "p_0123456789abcdef", At: 7},
		{Type: EventBan, Participant: "p_0123456789abcdef", At: 1},
		{Type: EventReactions, Data: []byte(`{}`)},
	} {
		got, err := DecodeEnvelope(EncodeEnvelope(ev))
		if err != nil {
			t.Fatalf("%+v: %v", ev, err)
		}
		if !reflect.DeepEqual(got, ev) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, ev)
		}
	}
}

func TestDecodeEnvelopeRejectsMalformed(t *testing.T) {
	for _, msg := range []string{
		"",
		"hb1 1 comment - - 0 2 0",           // no newline
		"hb2 1 comment - - 0 2 0\n{}",       // hb2 without the own length
		"hb3 1 comment - - 0 2 0 0\n{}",     // other version
		"hb2 1 comment - - 0 2 0 -1\n{}",    // negative own length
		"hb2 1 comment - - 0 2 0 3\n{}{}",   // own length mismatch
		"hb1 1 comment - - 0 3 0\n{}",       // length mismatch
		"hb1 x comment - - 0 2 0\n{}",       // bad seq
		"hb1 1 comment - - 0 -2 4\n{}{}",    // negative length
		"hb1 1 comment - - 0 2\n{}",         // missing field
		"hb1 1 comment - - 0 2 0 extra\n{}", // extra field
	} {
		if _, err := DecodeEnvelope([]byte(msg)); err == nil {
			t.Errorf("DecodeEnvelope(%q) accepted", msg)
		}
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(EncodeEnvelope(Event{Seq: 1, Type: TypeComment, Data: []byte(`{"a":1}`)}))
	f.Add([]byte("hb1 1 t - - 0 0 0\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		ev, err := DecodeEnvelope(msg)
		if err != nil {
			return
		}
		again, err := DecodeEnvelope(EncodeEnvelope(ev))
		if err != nil || !reflect.DeepEqual(again, ev) {
			t.Fatalf("re-encoding %q changed it: %+v vs %+v (%v)", msg, again, ev, err)
		}
	})
}
