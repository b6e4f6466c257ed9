package rooms

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestCleanTextNeedsSomethingVisible(t *testing.T) {
	zalgo := "H" + strings.Repeat("\u0336\u0301\u0308\u0327", 10) + "i"
	tests := []struct {
		name, in, want string
	}{
		{"only ZWJ", "\u200d\u200d\u200d", ""},
		{"only Hangul filler", "\u3164\u3164", ""},
		{"filler and spaces", " \u3164 \u115f\u1160 \uffa0 ", ""},
		{"blank Braille", "\u2800\u2800", ""},
		{"only combining marks", "\u0301\u0302\u0303\u0304", ""},
		{"marks and ZWJ", "\u0301\u200d\u0302", ""},
		{"zero-width space and joiners", "\u200b\u200c\u2060\ufeff", ""},
		{"plain", "hello", "hello"},
		{"emoji family keeps its ZWJ", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"},
		{"Vietnamese keeps two marks", "Vie\u0323\u0302t", "Vie\u0323\u0302t"},
		{"zalgo capped", zalgo, "H\u0336\u0301\u0308i"},
		{"filler inside a word is dropped", "a\u3164b", "ab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n := cleanText(tc.in)
			if got != tc.want || n != utf8.RuneCountInString(tc.want) {
				t.Fatalf("cleanText(%+q) = %+q, %d; want %+q", tc.in, got, n, tc.want)
			}
		})
	}
}

// TestCleanTextCapsMarksPerBase: whatever is stacked, no base character
// keeps more than MaxMarksPerBase marks.
func TestCleanTextCapsMarksPerBase(t *testing.T) {
	in := strings.Repeat("a"+strings.Repeat("\u0300", 50), 20)
	out, _ := cleanText(in)
	run := 0
	for _, r := range out {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			run++
			if run > MaxMarksPerBase {
				t.Fatalf("%d marks on one base in %+q", run, out)
			}
			continue
		}
		run = 0
	}
	if want := 20 * (1 + MaxMarksPerBase); utf8.RuneCountInString(out) != want {
		t.Fatalf("kept %d characters, want %d", utf8.RuneCountInString(out), want)
	}
}

func TestInvisibleNamesBecomeAnonymous(t *testing.T) {
	for _, name := range []string{"\u3164", "\u200d\u200d", "\u0301\u0301", "\u2800"} {
		if got := cleanName(name); got != "" {
			t.Fatalf("cleanName(%+q) = %+q, want empty (anonymous)", name, got)
		}
	}
}

// TestTextsBoundedInBytes: every text is bounded in bytes as well as in
// characters (MaxBytesPerChar). A question of 300 Chinese characters (900
// bytes) is taken; one of 300 emoji (1,200 bytes), or of 225 emoji and a
// letter (226 characters, 901 bytes), is refused with too_large and a
// message that says the bytes; a name of 40 emoji is cut to 30.
func TestTextsBoundedInBytes(t *testing.T) {
	f := newFixture(t, Config{AskBurst: 10, AskRate: 10})
	chinese := strings.Repeat("问", MaxQuestionRunes)
	if _, err := f.handle(f.audience, Command{Type: TypeAsk, Text: chinese}); err != nil {
		t.Fatalf("a question of %d Chinese characters (%d bytes): %v", MaxQuestionRunes, len(chinese), err)
	}
	for _, text := range []string{
		strings.Repeat("😀", MaxQuestionRunes),
		strings.Repeat("😀", 225) + "a",
	} {
		_, err := f.handle(f.audience, Command{Type: TypeAsk, Text: text})
		wantRefusal(t, fmt.Sprintf("a question of %d characters and %d bytes", utf8.RuneCountInString(text), len(text)), err, CodeTooLarge)
		if msg := AsError(err).Message; !strings.Contains(msg, "900 bytes") {
			t.Fatalf("refusal %q does not say the bound in bytes", msg)
		}
	}
	_, err := f.handle(f.audience, Command{Type: TypeComment, Text: strings.Repeat("😀", MaxCommentRunes)})
	wantRefusal(t, "a comment of 500 emoji", err, CodeTooLarge)
	if got := cleanName(strings.Repeat("😀", MaxNameRunes)); len(got) > MaxNameRunes*MaxBytesPerChar || utf8.RuneCountInString(got) != 30 {
		t.Fatalf("a name of %d emoji became %d characters, %d bytes", MaxNameRunes, utf8.RuneCountInString(got), len(got))
	}
}
