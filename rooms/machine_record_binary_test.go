package rooms

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// jsonRoundTrip is what a record reads back as from its JSON encoding:
// what the binary encoding must read back as too.
func jsonRoundTrip(t testing.TB, r Record) Record {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out Record
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// randomHotRecord is an upvote, unvote or vote with random fields.
func randomHotRecord(rng *rand.Rand) Record {
	text := func() string {
		const chars = "aé漢 \"{}\\\x00🙂"
		rs := []rune(chars)
		n := rng.IntN(8)
		out := make([]rune, n)
		for i := range out {
			out[i] = rs[rng.IntN(len(rs))]
		}
		return string(out)
	}
	r := Record{Op: []string{OpUpvote, OpUnvote, OpVote}[rng.IntN(3)], Participant: "p_" + text(), ID: text(), Staff: rng.IntN(4) == 0}
	if rng.IntN(2) == 0 {
		a := text()
		r.Author = &a
	}
	if r.Op == OpVote {
		b := Ballot{Rating: rng.IntN(6) - 1, Text: text(), At: rng.Int64(), Name: text()}
		for range rng.IntN(4) {
			b.Choices = append(b.Choices, rng.IntN(300)-2)
		}
		if rng.IntN(5) == 0 {
			b.Choices = []int{} // empty, not nil: reads back nil either way
		}
		for range rng.IntN(3) {
			b.Words = append(b.Words, text())
		}
		r.Ballot = &b
	}
	return r
}

// TestBinaryRecordsReadAsJSON: a hot record reads back from its binary
// encoding exactly as it would from JSON (ballots' At and Name, which JSON
// leaves out, included), and is binary.
func TestBinaryRecordsReadAsJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		r := randomHotRecord(rng)
		data := EncodeRecord(r)
		if data[0] != recordBinary {
			t.Fatalf("record %d %+v was not encoded binary: %q", i, r, data)
		}
		got, err := DecodeRecord(data)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if want := jsonRoundTrip(t, r); !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d read back as %+v, JSON as %+v", i, got, want)
		}
	}
}

// TestHotRecordsWithOtherFieldsStayJSON: a hot op that carries any field
// the binary encoding does not is JSON, so nothing it carries is lost (a
// field added to Record later included, by construction).
func TestHotRecordsWithOtherFieldsStayJSON(t *testing.T) {
	for _, r := range []Record{
		{Op: OpUpvote, ID: "q1", Participant: "p_1", Text: "extra"},
		{Op: OpVote, ID: "p1", Participant: "p_1", Ballot: &Ballot{Rating: 3}, Held: true},
		{Op: OpVote, ID: "p1", Participant: "p_1"}, // a vote without a ballot
		{Op: OpUnvote, ID: "q1", Participant: "p_1", Ballot: &Ballot{}},
		{Op: OpComment, Participant: "p_1", Text: "hello"},
	} {
		data := EncodeRecord(r)
		if data[0] != '{' {
			t.Fatalf("%+v encoded binary: %q", r, data)
		}
		got, err := DecodeRecord(data)
		if err != nil || !reflect.DeepEqual(got, jsonRoundTrip(t, r)) {
			t.Fatalf("%+v read back as %+v, %v", r, got, err)
		}
	}
}

// FuzzDecodeRecord: no input makes DecodeRecord panic or allocate beyond
// its input's size, and a binary record it accepts is a record the
// encodings keep as it is.
func FuzzDecodeRecord(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		f.Add(EncodeRecord(randomHotRecord(rng)))
	}
	f.Add([]byte(`{"op":"ask","p":"p_1","text":"hi"}`))
	f.Add([]byte{recordBinary, 3, 7, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRecord(data)
		if err != nil || len(data) == 0 || data[0] != recordBinary {
			return
		}
		again, err := DecodeRecord(EncodeRecord(r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("%q read as %+v, and after encoding it again as %+v (%v)", data, r, again, err)
		}
	})
}
