package rooms

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	tests := []struct {
		name, in, want string
		runes          int
	}{
		{"plain", "hello", "hello", 5},
		{"empty", "", "", 0},
		{"trims", "  hello \t ", "hello", 5},
		{"only spaces", " \t\r\n ", "", 0},
		{"line breaks become spaces", "a\nb\r\nc\td", "a b  c d", 8},
		{"unicode line separators", "a\u2028b\u2029c", "a b c", 5},
		{"leading and trailing breaks", "\n\n x \n", "x", 1},
		{"control characters dropped", "\x00a\x07b\x1b[31mc\x7f", "ab[31mc", 7},
		{"C1 controls dropped", "a\u0085b\u009fc", "abc", 3},
		{"format characters dropped", "\u200bzero\u200ewidth\ufeff", "zerowidth", 9},
		{"bidi override dropped", "abc\u202edef", "abcdef", 6},
		{"zero width joiner kept", "👨\u200d👩", "👨\u200d👩", 3},
		{"invalid UTF-8 dropped", "a\xffb\xc3", "ab", 2},
		{"only invalid UTF-8", "\xff\xfe", "", 0},
		{"length in runes", "héllo wörld", "héllo wörld", 11},
		{"trim around multi-byte", "  日本語  ", "日本語", 3},
		{"non-breaking spaces trimmed", "\u00a0hi\u00a0", "hi", 2},
		{"inner spaces kept", "a   b", "a   b", 5},
		{"emoji", "🎉🎉", "🎉🎉", 2},
		{"control between spaces", " \x00 x", "x", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := cleanText(tt.in)
			if got != tt.want || n != tt.runes {
				t.Fatalf("cleanText(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.runes)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("é", MaxNameRunes+10)
	if got := cleanName(long); utf8.RuneCountInString(got) != MaxNameRunes || !utf8.ValidString(got) {
		t.Fatalf("cleanName of %d runes = %d runes", MaxNameRunes+10, utf8.RuneCountInString(got))
	}
	// A cut that ends on a space leaves no trailing space.
	spaced := strings.Repeat("a", MaxNameRunes-1) + " b"
	if got := cleanName(spaced); got != strings.Repeat("a", MaxNameRunes-1) {
		t.Fatalf("cleanName(%q) = %q", spaced, got)
	}
	if got := cleanName(" Ada\n"); got != "Ada" {
		t.Fatalf("cleanName = %q", got)
	}
}

// FuzzCleanText checks cleanText's promises on any input.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "a", " a\nb ", "\xff", "日本\u200b", "\u2028", "👨\u200d👩"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, n := cleanText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("cleanText(%q) = %q: not valid UTF-8", s, out)
		}
		if n != utf8.RuneCountInString(out) {
			t.Fatalf("cleanText(%q) = %q, %d; it has %d runes", s, out, n, utf8.RuneCountInString(out))
		}
		if out != strings.TrimSpace(out) {
			t.Fatalf("cleanText(%q) = %q: not trimmed", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || r == utf8.RuneError {
				t.Fatalf("cleanText(%q) = %q: contains %U", s, out, r)
			}
		}
		if again, _ := cleanText(out); again != out {
			t.Fatalf("cleanText is not idempotent: %q → %q → %q", s, out, again)
		}
	})
}

func TestDecodeCommand(t *testing.T) {
	cmd, err := DecodeCommand([]byte(` {"type":"comment","id":7,"cid":"c-1","text":"hi","closed":false} `))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Type != TypeComment || cmd.ID == nil || *cmd.ID != 7 || cmd.CID != "c-1" || cmd.Text != "hi" || cmd.Closed == nil || *cmd.Closed {
		t.Fatalf("DecodeCommand = %+v", cmd)
	}
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"spaces", "  "},
		{"array", `[{"type":"comment"}]`},
		{"string", `"comment"`},
		{"null", `null`},
		{"no type", `{"text":"hi"}`},
		{"empty type", `{"type":""}`},
		{"number type", `{"type":5}`},
		{"truncated", `{"type":"comment"`},
		{"trailing garbage", `{"type":"comment"} x`},
		{"wrong field type", `{"type":"comment","text":5}`},
		{"id too large", `{"type":"comment","id":99999999999999999999}`},
		{"float id", `{"type":"comment","id":1.5}`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCommand([]byte(tt.in))
			if e := AsError(err); e == nil || e.Code != CodeBadRequest {
				t.Fatalf("DecodeCommand(%q) error %v, want bad_request", tt.in, err)
			}
		})
	}
	// The id of a command that does not decode is echoed.
	cmd, err = DecodeCommand([]byte(`{"type":"comment","id":42,"text":5}`))
	if err == nil || cmd.ID == nil || *cmd.ID != 42 {
		t.Fatalf("DecodeCommand of a bad command with an id = %+v, %v; want the id recovered", cmd, err)
	}
	if e := AsError(err); !strings.Contains(e.Message, `"text"`) || strings.Contains(e.Message, "string") {
		t.Fatalf("message %q should name the field without Go types", e.Message)
	}
}

func TestDecodeHello(t *testing.T) {
	h, err := DecodeHello([]byte(`{"type":"hello","room":"k7qx2m","token":"t","name":"Ada","since":12}`))
	if err != nil || h != (Hello{Type: TypeHello, Room: "k7qx2m", Token: "t", Name: "Ada", Since: 12}) {
		t.Fatalf("DecodeHello = %+v, %v", h, err)
	}
	for _, in := range []string{"", "x", `{"type":"comment","room":"K7QX2M"}`, `{"room":"K7QX2M"}`, `{"type":"hello","since":-1}`, `{"type":"hello"`} {
		if _, err := DecodeHello([]byte(in)); AsError(err) == nil || AsError(err).Code != CodeBadRequest {
			t.Errorf("DecodeHello(%q) error %v, want bad_request", in, err)
		}
	}
}

func TestEncodeEvent(t *testing.T) {
	b := encodeEvent("comment", 12, Comment{ID: "c1", Text: "a \"quoted\"\ntext", Participant: "p_1", At: 5})
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if m["type"] != "comment" || m["seq"] != 12.0 || m["id"] != "c1" || m["text"] != "a \"quoted\"\ntext" || m["author"] != nil {
		t.Fatalf("encodeEvent = %s", b)
	}
	if strings.Contains(string(b), "\n") {
		t.Fatalf("an event must not contain a raw newline (frames are newline-delimited): %s", b)
	}
	if got := string(encodeEvent("presence", 0, struct{}{})); got != `{"type":"presence"}` {
		t.Fatalf("ephemeral event with an empty body = %s", got)
	}
	if got := string(wrapEvent("x", 0, []byte(`{"a":1}`))); got != `{"type":"x","a":1}` {
		t.Fatalf("wrapEvent = %s", got)
	}
}

func TestEventFor(t *testing.T) {
	pub := Event{Data: []byte("public")}
	if string(pub.For(false, "p_1")) != "public" || string(pub.For(true, "")) != "public" {
		t.Fatal("an event without a staff version goes to everyone as Data")
	}
	ev := Event{Data: []byte("public"), Staff: []byte("staff"), Owner: "p_author"}
	for _, tt := range []struct {
		staff       bool
		participant string
		want        string
	}{
		{false, "p_1", "public"},
		{true, "host", "staff"},
		{false, "p_author", "staff"},
		{false, "", "public"},
	} {
		if got := string(ev.For(tt.staff, tt.participant)); got != tt.want {
			t.Errorf("For(%v, %q) = %q, want %q", tt.staff, tt.participant, got, tt.want)
		}
	}
	noOwner := Event{Data: []byte("public"), Staff: []byte("staff")}
	if got := string(noOwner.For(false, "")); got != "public" {
		t.Fatalf("an empty participant matched an empty owner: %q", got)
	}
	if !(&Event{Type: EventBan}).Internal() || (&Event{Type: TypeComment}).Internal() {
		t.Fatal("Internal must be true exactly for ban")
	}
}

func TestReactionsJSON(t *testing.T) {
	r := Reactions{1, 0, 3, 0, 5}
	b, err := json.Marshal(r)
	if err != nil || string(b) != `{"like":1,"love":0,"clap":3,"laugh":0,"wow":5}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back Reactions
	if err := json.Unmarshal([]byte(`{"like":1,"clap":3,"wow":5,"unknown":9}`), &back); err != nil || back != r {
		t.Fatalf("Unmarshal = %v, %v", back, err)
	}
	if got := string(ReactionsEvent(r, Reactions{0, 0, 2})); got != `{"type":"reactions","counts":{"like":1,"love":0,"clap":3,"laugh":0,"wow":5},"delta":{"clap":2}}` {
		t.Fatalf("ReactionsEvent = %s", got)
	}
	if got := string(ReactionsEvent(Reactions{}, Reactions{})); !json.Valid([]byte(got)) || !strings.HasSuffix(got, `"delta":{}}`) {
		t.Fatalf("ReactionsEvent of zeros = %s", got)
	}
}

func TestErrorHTTPStatus(t *testing.T) {
	for code, want := range map[string]int{
		CodeBadRequest: 400, CodeUnauthorized: 401, CodeForbidden: 403, CodeNotFound: 404,
		CodeRateLimited: 429, CodeTooLarge: 413, CodeClosed: 409, CodeConflict: 409,
		CodeUnavailable: 503, "other": 500,
	} {
		if got := (&Error{Code: code}).HTTPStatus(); got != want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, want)
		}
	}
	wrapped := &wrapErr{ErrBanned}
	if AsError(wrapped) != ErrBanned || AsError(errString("x")) != nil || AsError(nil) != nil {
		t.Fatal("AsError must unwrap refusals and return nil for anything else")
	}
}

type wrapErr struct{ err error }

func (w *wrapErr) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapErr) Unwrap() error { return w.err }

type errString string

func (e errString) Error() string { return string(e) }

func TestRoomPatchApply(t *testing.T) {
	r := NewRoom("K7QX2M", "t", false, 1)
	if !r.Comments || !r.Reactions || !r.QA || r.Closed || r.Moderation {
		t.Fatalf("NewRoom = %+v: every feature on, open", r)
	}
	if got := (RoomPatch{}).Apply(r); got != r {
		t.Fatal("an empty patch changed the room")
	}
	title, f, tr := "new", false, true
	got := RoomPatch{Title: &title, Comments: &f, Closed: &tr}.Apply(r)
	want := r
	want.Title, want.Comments, want.Closed = "new", false, true
	if got != want {
		t.Fatalf("Apply = %+v, want %+v", got, want)
	}
}
