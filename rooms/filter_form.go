package rooms

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// matchForm is a text as the word filter compares it, one rune per unit,
// each unit remembering the character of the original text it came from.
// Evasions fold away on the way:
//   - compatibility forms (NFKC): full-width, mathematical bold or script
//     letters, ligatures, circled letters;
//   - default-ignorable code points: ZWJ, ZWNJ, the combining grapheme
//     joiner, variation selectors, zero-width spaces, soft hyphens, Hangul
//     fillers;
//   - look-alike letters from other scripts (Cyrillic "а", Greek "υ", ...):
//     every character is replaced by its confusable skeleton from Unicode's
//     own table (UTS #39 confusables.txt, through
//     github.com/mtibben/confusables), then lower-cased;
//   - accents and other combining marks.
//
// The filter's words go through the same folding, so a word matches every
// spelling that looks like it. Cost: linear in the text.
type matchForm struct {
	runes []rune
	from  []int // for each rune, the index of its original character
}

// newMatchForm folds text; see matchForm.
func newMatchForm(text string) matchForm {
	f := matchForm{runes: make([]rune, 0, len(text)), from: make([]int, 0, len(text))}
	i := 0
	for _, r := range text {
		for _, s := range foldForMatch(r) {
			f.runes = append(f.runes, s)
			f.from = append(f.from, i)
		}
		i++
	}
	return f
}

// foldForMatch returns what r becomes in a match form: nothing, one rune or
// a few. ASCII comes from a table, anything else from a cache filled on
// first use (bounded by the number of code points).
func foldForMatch(r rune) string {
	if r < utf8.RuneSelf {
		return asciiFolds[r]
	}
	if s, ok := folds.Load(r); ok {
		return s.(string)
	}
	s := foldRuneForMatch(r)
	folds.Store(r, s)
	return s
}

var (
	asciiFolds = func() (t [utf8.RuneSelf]string) {
		for r := range rune(utf8.RuneSelf) {
			t[r] = foldRuneForMatch(r)
		}
		return t
	}()
	folds sync.Map // rune → string
)

// foldRuneForMatch folds one character: dropped when ignorable, else its
// NFKC form, each rune of it lower-cased and replaced by its confusable
// skeleton, lower-cased again, without combining marks.
func foldRuneForMatch(r rune) string {
	if ignorable(r) {
		return ""
	}
	var b strings.Builder
	for _, k := range norm.NFKC.String(string(r)) {
		for _, s := range confusables.Skeleton(string(unicode.ToLower(k))) {
			s = unicode.ToLower(s)
			if unicode.In(s, unicode.Mn, unicode.Me) || ignorable(s) {
				continue
			}
			b.WriteRune(s)
		}
	}
	return b.String()
}

// String returns the folded text.
func (f matchForm) String() string { return string(f.runes) }

// ignorable reports characters that show as nothing: default-ignorable
// code points (format characters, variation selectors and the rest of
// Unicode's Other_Default_Ignorable_Code_Point, which holds the Hangul
// fillers) and the blank Braille pattern.
func ignorable(r rune) bool {
	if unicode.Is(unicode.White_Space, r) {
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) || r == '\u2800'
}
