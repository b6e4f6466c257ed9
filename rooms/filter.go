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
		w = strings.TrimSpace(newMatchForm(w).String())
		if w == "" || seen[w] {
			continue
		}
		if strings.IndexFunc(w, isCJK) >= 0 {
			dense := strings.Map(func(r rune) rune {
				if isWordRune(r) || isCJK(r) {
					return r
				}
				return -1
			}, w)
			seen[w] = true
			f.cjk = append(f.cjk, dense)
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

// maxSpellGap is the most separator characters between the letters of a
// word spelled out one by one ("f.u.c.k", "f u c k", "f - u - c - k") for
// the filter to read them as one word.
const maxSpellGap = 3

// token is a word of a text's match form: units [start, end), and its text.
type token struct {
	start, end int
	text       string
}

// find calls yield with the character range [start, end) of each match in
// text, until yield returns false. Matches may overlap. See matchForm for
// what is folded before comparing.
func (f *WordFilter) find(text string, yield func(start, end int) bool) {
	if f.Len() == 0 {
		return
	}
	m := newMatchForm(text)
	if len(f.words) > 0 {
		tokens := m.tokens()
		if !f.findWords(m, tokens, yield) {
			return
		}
		if spelled, ok := joinSpelledOut(tokens); ok && !f.findWords(m, spelled, yield) {
			return
		}
	}
	if len(f.cjk) > 0 {
		f.findCJK(m, yield)
	}
}

// tokens splits the match form into words of spaced scripts.
func (m matchForm) tokens() []token {
	var out []token
	for i := 0; i < len(m.runes); {
		if !isWordRune(m.runes[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(m.runes) && isWordRune(m.runes[j]) {
			j++
		}
		out = append(out, token{i, j, string(m.runes[i:j])})
		i = j
	}
	return out
}

// joinSpelledOut returns tokens with every run of two or more one-letter
// tokens at most maxSpellGap apart joined into one token; ok is false when
// there is no such run.
func joinSpelledOut(tokens []token) (out []token, ok bool) {
	for i := 0; i < len(tokens); {
		j := i + 1
		if tokens[i].end-tokens[i].start == 1 {
			for j < len(tokens) && tokens[j].end-tokens[j].start == 1 && tokens[j].start-tokens[j-1].end <= maxSpellGap {
				j++
			}
		}
		if j-i < 2 {
			out = append(out, tokens[i])
			i = j
			continue
		}
		var b strings.Builder
		for _, t := range tokens[i:j] {
			b.WriteString(t.text)
		}
		out = append(out, token{tokens[i].start, tokens[j-1].end, b.String()})
		ok = true
		i = j
	}
	return out, ok
}

// findWords matches the filter's spaced-script words against tokens, whole
// words only; it returns false when yield asked to stop.
func (f *WordFilter) findWords(m matchForm, tokens []token, yield func(start, end int) bool) bool {
	for i, tok := range tokens {
	words:
		for _, w := range f.words[tok.text] {
			if i+len(w) > len(tokens) {
				continue
			}
			for k := 1; k < len(w); k++ {
				if tokens[i+k].text != w[k] {
					continue words
				}
			}
			if !yield(m.from[tok.start], m.from[tokens[i+len(w)-1].end-1]+1) {
				return false
			}
		}
	}
	return true
}

// findCJK matches the filter's CJK words as substrings of the match form
// without its separators, so "傻 逼" and "傻.逼" match "傻逼".
func (f *WordFilter) findCJK(m matchForm, yield func(start, end int) bool) {
	var dense []rune
	var from []int
	for i, r := range m.runes {
		if isWordRune(r) || isCJK(r) {
			dense = append(dense, r)
			from = append(from, m.from[i])
		}
	}
	s := string(dense)
	offs := make([]int, 0, len(dense)+1) // byte offset of each rune of s
	off := 0
	for _, r := range dense {
		offs = append(offs, off)
		off += utf8.RuneLen(r)
	}
	offs = append(offs, off)
	for _, w := range f.cjk {
		for at := 0; at < len(s); {
			j := strings.Index(s[at:], w)
			if j < 0 {
				break
			}
			start := sort.SearchInts(offs, at+j)
			end := sort.SearchInts(offs, at+j+len(w))
			if !yield(from[start], from[end-1]+1) {
				return
			}
			at = offs[start+1] // overlapping matches too
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
