package rooms

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Run briefly with:
//
//	go test -run '^$' -fuzz FuzzDecodeCommand -fuzztime 10s ./rooms/
//	go test -run '^$' -fuzz FuzzDecodeHello -fuzztime 10s ./rooms/
//
// Plain `go test` runs the seed corpus below as regression tests.

var commandSeeds = []string{
	`{"type":"ask","id":1,"cid":"a1","text":"Why?","anonymous":true}`,
	`{"type":"upvote","id":2,"question":"q12"}`,
	`{"type":"unvote","question":"q12"}`,
	`{"type":"question_delete","question":"q3"}`,
	`{"type":"question_set","question":"q3","status":"live","pinned":true,"answer":"Because."}`,
	`{"type":"comment","id":7,"cid":"c-1","text":"Great talk 🎉"}`,
	`{"type":"comment_delete","comment":"c4"}`,
	`{"type":"react","kind":"clap"}`,
	`{"type":"poll_create","kind":"quiz","title":"2+2?","options":["3","4"],"correct":[1],"seconds":30,"max":1}`,
	`{"type":"poll_set","poll":"p3","state":"open","reveal":false}`,
	`{"type":"poll_delete","poll":"p3"}`,
	`{"type":"vote","cid":"v1","poll":"p3","choices":[0,2],"rating":5,"text":"word"}`,
	`{"type":"room_set","title":"New","moderation":true,"comments":false,"reactions":true,"qa":false,"closed":null}`,
	`{"type":"ban","participant":"p_0123456789abcdef"}`,
	`{"type":"hello","room":"K7QX2M"}`,
	`{"type":"comment","name":"Bot","text":"via HTTP"}`,
	// Edge cases of JSON and of the decoder.
	`{"type":"comment","options":[],"choices":[],"correct":[]}`,
	`{"type":"comment","TYPE":"ask","Text":"case-insensitive keys"}`,
	`{"type":"comment","type":"ask"}`,
	`{"type":"x","id":-9223372036854775808}`,
	`{"type":"x","id":9223372036854775807}`,
	`{"type":"x","id":9223372036854775808}`,
	`{"type":"x","id":1e400}`,
	`{"type":"x","max":1.5}`,
	`{"type":"x","rating":-0}`,
	`{"type":"x","text":"\u0000\ud800\udfff\\"}`,
	`{"type":"x","text":"` + "\xff\xfe\xc3" + `"}`,
	`{"type":"` + "\xff" + `"}`,
	`{"type":"x","unknown":{"a":[1,2,{"b":null}]}}`,
	`  {"type":"x"}  `,
	"{\"type\":\"x\"}\u00a0",
	`{"type":""}`,
	`{"type":null}`,
	`{"type":5}`,
	`{}`,
	`{`,
	`{"type":"comment"`,
	`[]`,
	`null`,
	`"comment"`,
	``,
	"\xef\xbb\xbf{\"type\":\"x\"}",
	`{"type":"x"}{"type":"y"}`,
	`{"type":"x","text":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
	`{"type":"x","a":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `}`,
	strings.Repeat("{", 100000),
	`{"type":"x","choices":[` + strings.Repeat("1,", 1000) + `1]}`,
	"garbage \x00\x01\x02",
}

// normalize makes empty slices nil: `"options":[]` decodes to an empty
// slice, which omitempty leaves out, so it comes back as nil. Both mean
// "no options".
func normalize(c Command) Command {
	if len(c.Options) == 0 {
		c.Options = nil
	}
	if len(c.Correct) == 0 {
		c.Correct = nil
	}
	if len(c.Choices) == 0 {
		c.Choices = nil
	}
	return c
}

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range commandSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			if e := AsError(err); e == nil || e.Code != CodeBadRequest || e.Message == "" {
				t.Fatalf("DecodeCommand(%q) error %v: want a bad_request refusal", data, err)
			}
			return
		}
		if cmd.Type == "" {
			t.Fatalf("DecodeCommand(%q) succeeded with an empty type", data)
		}
		again, err := json.Marshal(cmd)
		if err != nil {
			t.Fatalf("re-marshalling %+v: %v", cmd, err)
		}
		back, err := DecodeCommand(again)
		if err != nil {
			t.Fatalf("DecodeCommand of its own re-marshalled %q (from %q): %v", again, data, err)
		}
		if !reflect.DeepEqual(normalize(back), normalize(cmd)) {
			t.Fatalf("round trip changed the command:\n in  %q\n got %+v\n re  %q\n got %+v", data, cmd, again, back)
		}
	})
}

func FuzzDecodeHello(f *testing.F) {
	for _, s := range []string{
		`{"type":"hello","room":"K7QX2M"}`,
		`{"type":"hello","room":"k7qx2m","token":"pt1.abc.def","name":"Ada","since":1234}`,
		`{"type":"hello","room":"K7QX2M","since":18446744073709551615}`,
		`{"type":"hello","room":"K7QX2M","since":18446744073709551616}`,
		`{"type":"hello","since":-1}`,
		`{"type":"hello","since":1.5}`,
		`{"type":"hello","name":"` + "\xff" + `"}`,
		`{"type":"hello","Type":"comment"}`,
		`{"type":"comment"}`,
		`{"type":"hello"`,
		`{"type":"hello","x":` + strings.Repeat("[", 20000) + `}`,
		`[]`, `null`, ``, `hello`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeHello(data)
		if err != nil {
			if e := AsError(err); e == nil || e.Code != CodeBadRequest || e.Message == "" {
				t.Fatalf("DecodeHello(%q) error %v: want a bad_request refusal", data, err)
			}
			return
		}
		if h.Type != TypeHello {
			t.Fatalf("DecodeHello(%q) succeeded with type %q", data, h.Type)
		}
		again, err := json.Marshal(h)
		if err != nil {
			t.Fatalf("re-marshalling %+v: %v", h, err)
		}
		back, err := DecodeHello(again)
		if err != nil || back != h {
			t.Fatalf("round trip changed the hello: %q → %+v → %q → %+v, %v", data, h, again, back, err)
		}
	})
}
