package rooms

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWordFilter(t *testing.T) {
	f := NewWordFilter([]string{"ass", "bad word", "Darn", "傻逼", "  ", "!!!", "ｆｏｏ"})
	if f.Len() != 5 {
		t.Fatalf("Len = %d, want 5 (blank and letterless words ignored)", f.Len())
	}
	tests := []struct {
		text, masked string
	}{
		{"what an ass!", "what an ***!"},
		{"ASS", "***"},
		{"Ass-kicking", "***-kicking"},
		{"class passage assess bass", "class passage assess bass"}, // word boundaries
		{"ａｓｓ and ＡＳＳ", "*** and ***"},                             // full-width, any case
		{"darn it, DaRn", "**** it, ****"},
		{"a bad word here", "a ******** here"},
		{"a bad, word here", "a ********* here"}, // phrase words separated by punctuation
		{"bad words", "bad words"},
		{"bad　ｗｏｒｄ", "********"}, // ideographic space, full-width letters
		{"你是傻逼吗", "你是**吗"},       // CJK: substring, no word boundaries
		{"傻逼傻逼", "****"},
		{"傻 逼", "***"},         // separators between CJK characters are ignored
		{"你好ass再见", "你好***再见"}, // CJK characters separate Latin words
		{"foo", "***"},         // a full-width list entry matches ASCII text
		{"food fool", "food fool"},
		{"🎉 ass 🎉", "🎉 *** 🎉"},
		{"", ""},
		{"nothing to see", "nothing to see"},
	}
	for _, tt := range tests {
		got := f.Mask(tt.text)
		if got != tt.masked {
			t.Errorf("Mask(%q) = %q, want %q", tt.text, got, tt.masked)
		}
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(tt.text) {
			t.Errorf("Mask(%q) = %q changes the length in characters", tt.text, got)
		}
		if want := tt.masked != tt.text; f.Match(tt.text) != want {
			t.Errorf("Match(%q) = %v, want %v", tt.text, !want, want)
		}
	}
}

func TestWordFilterNilAndEmpty(t *testing.T) {
	for _, f := range []*WordFilter{nil, NewWordFilter(nil)} {
		if f.Match("shit") || f.Mask("shit") != "shit" || f.Len() != 0 {
			t.Errorf("%v filter matched", f)
		}
	}
}

func TestParseWordFilter(t *testing.T) {
	f, err := ParseWordFilter(strings.NewReader("# a comment\n\n  heck  \r\n#darn\nfrick\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 2 || !f.Match("oh heck") || !f.Match("FRICK") || f.Match("darn") {
		t.Fatalf("parsed %v words: %v", f.Len(), f.list())
	}
	if _, err := ParseWordFilter(strings.NewReader("ok\n\xff\xfe\n")); err == nil {
		t.Fatal("a list that is not UTF-8 parsed")
	}
}

// TestWordFilterEvasions are the spellings that got past the filter when
// it was attacked (4 of 10 were caught): each must be found and masked with
// the text's length in characters kept.
func TestWordFilterEvasions(t *testing.T) {
	f := DefaultWordFilter()
	for _, tc := range []struct{ name, text string }{
		{"zero-width joiner", "what the f\u200duck"},
		{"combining grapheme joiner", "what the fu\u034fck"},
		{"variation selectors", "what the f\ufe0fu\ufe0eck"},
		{"Cyrillic homoglyphs", "what the fuсk, ѕhit"},
		{"Greek upsilon", "what the fυck"},
		{"mathematical bold", "what the 𝐟𝐮𝐜𝐤"},
		{"spelled out with dots", "what the f.u.c.k"},
		{"spelled out with spaces", "what the f u c k"},
		{"spelled out with dashes", "what the f - u - c - k"},
		{"accents", "what the fück"},
		{"CJK with a space", "你这个傻 逼"},
		{"CJK with a ZWJ", "你这个傻\u200d逼"},
		{"CJK with punctuation", "你这个傻.逼"},
		{"zero-width space inside", "bull\u200bshit"},
		{"soft hyphen inside", "bull\u00adshit"},
		{"full-width", "ｆｕｃｋ"},
		{"circled letters", "ⓕⓤⓒⓚ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			masked := f.Mask(tc.text)
			if !f.Match(tc.text) || masked == tc.text {
				t.Fatalf("%+q passes the filter", tc.text)
			}
			if utf8.RuneCountInString(masked) != utf8.RuneCountInString(tc.text) {
				t.Fatalf("Mask(%+q) = %+q changes the length", tc.text, masked)
			}
		})
	}
}

// TestWordFilterKeepsInnocentSpelledOutLetters: joining one-letter words
// only reads them as a word when they spell one of the list.
func TestWordFilterKeepsInnocentSpelledOutLetters(t *testing.T) {
	f := DefaultWordFilter()
	for _, text := range []string{"Plan A B C", "U.S.A. and U.K.", "I am a big fan", "the t h e method", "Café crème brûlée"} {
		if f.Match(text) {
			t.Errorf("default filter matches innocent %q: %q", text, f.Mask(text))
		}
	}
}

func TestDefaultWordFilter(t *testing.T) {
	f := DefaultWordFilter()
	if f.Len() < 20 {
		t.Fatalf("default lists have %d words", f.Len())
	}
	for _, text := range []string{"What the FUCK", "this is bullshit", "ｓｈｉｔ", "你这个傻逼", "他妈的为什么", "傻Ｂ"} {
		if !f.Match(text) {
			t.Errorf("default filter misses %q", text)
		}
	}
	for _, text := range []string{
		"How do I pass a class to the assembler?", "Scunthorpe is in England", "Moby Dick",
		"Shiitake mushrooms", "我妈的生日是明天", "请问这个模型的参数是多少？", "Cocktail hour",
	} {
		if f.Match(text) {
			t.Errorf("default filter matches innocent %q: %q", text, f.Mask(text))
		}
	}
}

// BenchmarkWordFilterMaskLong: the cost stays linear in the text's length
// (compare ns/op with BenchmarkWordFilterMask: 25 times the text).
func BenchmarkWordFilterMaskLong(b *testing.B) {
	f := DefaultWordFilter()
	text := strings.Repeat("How does the scheduler decide which goroutine runs next? 调度器如何决定？ f u c ", 100)
	b.ReportAllocs()
	for b.Loop() {
		f.Mask(text)
	}
}

func BenchmarkWordFilterMask(b *testing.B) {
	f := DefaultWordFilter()
	text := strings.Repeat("How does the scheduler decide which goroutine runs next? 调度器如何决定？ ", 4)
	b.ReportAllocs()
	for b.Loop() {
		f.Mask(text)
	}
}
