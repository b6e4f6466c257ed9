package rooms

import (
	"bufio"
	"embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Values of the room setting Room.Filter: what happens to a question in
// which the WordFilter finds a word.
const (
	// FilterMask stores and broadcasts the question with every matched word
	// replaced by asterisks, one per character. The default.
	FilterMask = "mask"
	// FilterModerate sends the question, unmasked, to pending for a
	// moderator to decide, even with the room's moderation off.
	FilterModerate = "moderate"
)

// ValidFilter reports whether s is a value of the room setting Room.Filter.
func ValidFilter(s string) bool { return s == FilterMask || s == FilterModerate }

// defaultLists are the word lists of DefaultWordFilter, one word per line.
//
//go:embed filter/en.txt filter/zh.txt
var defaultLists embed.FS

// WordFilter finds the words of a word list in text. Matching ignores case
// and character width (full-width Latin letters, digits and punctuation
// count as their ASCII forms). A word written in Latin (or any script with
// spaces between words) matches whole words only: "ass" does not match
// "class"; a word of several words ("son of a bitch") matches those words
// separated by anything that is not a letter or digit. A word containing
// Chinese, Japanese or Korean characters matches anywhere, as a substring,
// since those scripts do not separate words.
//
// A WordFilter is immutable and safe for concurrent use. A nil *WordFilter,
// like an empty one, matches nothing.
type WordFilter struct {
	words map[string][][]string // Latin words: first token → each word's tokens
	cjk   []string              // CJK words, folded; matched as substrings
	n     int                   // distinct words
}

// NewWordFilter returns a filter of words. Each is trimmed; empty ones and
// words without a letter or digit are ignored.
func NewWordFilter(words []string) *WordFilter {
	f := &WordFilter{words: make(map[string][][]string)}
	seen := make(map[string]bool)
	for _, w := range words {
		w = strings.TrimSpace(foldString(w))
		if w == "" || seen[w] {
			continue
		}
		if strings.IndexFunc(w, isCJK) >= 0 {
			seen[w] = true
			f.cjk = append(f.cjk, w)
			f.n++
			continue
		}
		tokens := strings.FieldsFunc(w, func(r rune) bool { return !isWordRune(r) })
		if len(tokens) == 0 {
			continue
		}
		seen[w] = true
		f.words[tokens[0]] = append(f.words[tokens[0]], tokens)
		f.n++
	}
	return f
}

// ParseWordFilter reads a word list: one word (or phrase) per line, UTF-8;
// blank lines and lines starting with # are ignored.
func ParseWordFilter(r io.Reader) (*WordFilter, error) {
	var words []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, fmt.Errorf("word list: line %q is not UTF-8", line)
		}
		words = append(words, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("word list: %w", err)
	}
	return NewWordFilter(words), nil
}

// DefaultWordFilter returns the filter of the built-in lists (English and
// Simplified Chinese: rooms/filter/*.txt): common profanity, kept short so
// that it rarely masks an innocent word. Deployments that need more pass
// their own list (flag -word-filter).
func DefaultWordFilter() *WordFilter { return defaultWordFilter() }

var defaultWordFilter = sync.OnceValue(func() *WordFilter {
	var words []string
	for _, name := range []string{"filter/en.txt", "filter/zh.txt"} {
		b, err := defaultLists.ReadFile(name)
		if err != nil {
			panic("rooms: " + err.Error())
		}
		f, err := ParseWordFilter(strings.NewReader(string(b)))
		if err != nil {
			panic("rooms: " + err.Error())
		}
		words = append(words, f.list()...)
	}
	return NewWordFilter(words)
})

// list returns the filter's words (folded).
func (f *WordFilter) list() []string {
	out := append([]string(nil), f.cjk...)
	for _, ws := range f.words {
		for _, tokens := range ws {
			out = append(out, strings.Join(tokens, " "))
		}
	}
	return out
}

// Len returns how many distinct words the filter has.
func (f *WordFilter) Len() int {
	if f == nil {
		return 0
	}
	return f.n
}

// Match reports whether text contains a word of the filter.
func (f *WordFilter) Match(text string) bool {
	found := false
	f.find(text, func(int, int) bool {
		found = true
		return false
	})
	return found
}

// Mask returns text with every character of every match replaced by '*':
// the result has as many characters as text. Text without a match is
// returned as it is.
func (f *WordFilter) Mask(text string) string {
	var masked []bool
	f.find(text, func(start, end int) bool {
		if masked == nil {
			masked = make([]bool, utf8.RuneCountInString(text))
		}
		for i := start; i < end; i++ {
			masked[i] = true
		}
		return true
	})
	if masked == nil {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	i := 0
	for _, r := range text {
		if masked[i] {
			r = '*'
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}

// find calls yield with the character range [start, end) of each match in
// text, until yield returns false. Matches may overlap.
func (f *WordFilter) find(text string, yield func(start, end int) bool) {
	if f.Len() == 0 {
		return
	}
	// The folded text, with the byte offset of each character in it:
	// folding maps one character to one character, so character i of the
	// folded text is character i of text.
	folded := make([]rune, 0, len(text))
	for _, r := range text {
		folded = append(folded, foldRune(r))
	}
	s := string(folded)
	offs := make([]int, 0, len(folded)+1)
	off := 0
	for _, r := range folded {
		offs = append(offs, off)
		off += utf8.RuneLen(r)
	}
	offs = append(offs, off)

	if len(f.words) > 0 {
		type span struct{ start, end int }
		var tokens []span
		for i := 0; i < len(folded); {
			if !isWordRune(folded[i]) {
				i++
				continue
			}
			j := i + 1
			for j < len(folded) && isWordRune(folded[j]) {
				j++
			}
			tokens = append(tokens, span{i, j})
			i = j
		}
		for i, tok := range tokens {
		words:
			for _, w := range f.words[s[offs[tok.start]:offs[tok.end]]] {
				if i+len(w) > len(tokens) {
					continue
				}
				for k := 1; k < len(w); k++ {
					t := tokens[i+k]
					if s[offs[t.start]:offs[t.end]] != w[k] {
						continue words
					}
				}
				if !yield(tok.start, tokens[i+len(w)-1].end) {
					return
				}
			}
		}
	}
	for _, w := range f.cjk {
		for from := 0; from < len(s); {
			j := strings.Index(s[from:], w)
			if j < 0 {
				break
			}
			at := from + j
			start := sort.SearchInts(offs, at)
			end := sort.SearchInts(offs, at+len(w))
			if !yield(start, end) {
				return
			}
			from = offs[start+1] // overlapping matches too
		}
	}
}

// foldRune maps r to the form matching compares: full-width ASCII forms and
// the ideographic space to their ASCII equivalents, then lower case.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFF01 - 0x21
	case r == 0x3000:
		r = ' '
	}
	return unicode.ToLower(r)
}

func foldString(s string) string { return strings.Map(foldRune, s) }

// isCJK reports whether r is of a script written without spaces between
// words: Han, Hiragana, Katakana, Hangul.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// isWordRune reports whether r is part of a word of a spaced script: a
// letter, digit or mark that is not CJK. CJK characters separate such
// words ("你好fuck" contains the word "fuck").
func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) && !isCJK(r)
}
