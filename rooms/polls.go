package rooms

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Poll kinds.
const (
	PollSingle    = "single"    // one option
	PollMulti     = "multi"     // 1–Max options
	PollRating    = "rating"    // 1–5
	PollWordcloud = "wordcloud" // 1–MaxBallotWords words
	PollText      = "text"      // an open answer
	PollQuiz      = "quiz"      // like single or multi, with correct options
)

// Poll states. The moves are those of ValidPollTransition.
const (
	PollDraft  = "draft"
	PollOpen   = "open"
	PollClosed = "closed"
)

// Event types of polls (server → client) that are not also command types.
const (
	EventPoll        = "poll"
	EventPollDeleted = "poll_deleted"
	EventResults     = "results"
)

// Poll limits. MaxBallotWords and MaxBallotRunes are part of the store
// contract (a store refuses nothing the Service lets through, and keeps at
// most MaxCloudWords and MaxTextAnswers in results).
const (
	MaxPollTitleRunes  = 200 // the longest poll title, in characters
	MaxPollOptions     = 20  // the most options of a single, multi or quiz poll
	MaxPollOptionRunes = 100 // the longest option, in characters
	MaxBallotRunes     = 100 // the longest wordcloud or text ballot, in characters
	MaxBallotWords     = 3   // the most words a wordcloud ballot counts
	MaxCloudWords      = 100 // the most words a wordcloud's results list
	MaxTextAnswers     = 100 // the most answers a text poll's results list
	MinCloudWordRunes  = 2   // shorter words are dropped from wordcloud ballots
	MaxRating          = 5   // ratings are 1–MaxRating
)

// Poll is one poll. Correct is staff-only until the results are revealed and
// the poll is closed (see pollEvent); tallies travel separately (Tally).
type Poll struct {
	ID      string   `json:"id"`    // "p<n>", numbered per room from 1
	Kind    string   `json:"kind"`  // PollSingle, ...
	Title   string   `json:"title"` // 1–MaxPollTitleRunes characters, cleaned
	Options []string `json:"options"`
	// Max is the most options a ballot may choose: 1 for single, 1–len(Options)
	// for multi, len(Correct) for quiz, 0 for the other kinds.
	Max int `json:"max"`
	// Seconds is a quiz's timer (MinQuizSeconds–MaxQuizSeconds); 0: no
	// timer, and always 0 for the other kinds. It never changes.
	Seconds int    `json:"seconds,omitempty"`
	State   string `json:"state"`  // PollDraft, PollOpen, PollClosed
	Reveal  bool   `json:"reveal"` // the audience sees the results
	// ClosesAt is when a timed quiz stops taking ballots, Unix
	// milliseconds: set to the opening time plus Seconds each time the quiz
	// opens (at creation with state open, draft → open, closed → open), in
	// the same atomic step; kept as it was when the quiz closes. 0: no
	// timer (never opened, or not a timed quiz).
	ClosesAt int64 `json:"closes_at"`
	// SpeedBonus: a correct answer of this timed quiz also earns up to
	// QuizSpeedBonus points for the time left (see QuizPoints). Always
	// false for untimed quizzes and the other kinds.
	SpeedBonus bool `json:"speed_bonus,omitempty"`
	// Correct are the quiz's correct option indexes, ascending; nil for the
	// other kinds.
	Correct []int `json:"correct,omitempty"`
	// Order is the poll's place in the run of show (RunOrder), set by
	// poll_set; 0 (left out of events): its number, the order of creation.
	Order int `json:"order,omitempty"`
	// Advance is a timed quiz's pause before the run steps on by itself,
	// in seconds (MinRunAdvance–MaxRunAdvance); 0: off, and always 0 for
	// other polls. When the quiz closes by its timer its results are
	// revealed and, when a draft follows it in the run, AdvancesAt is set
	// (machine_runstep.go).
	Advance int `json:"advance,omitempty"`
	// AdvancesAt is when the run steps on by itself from this quiz, Unix
	// milliseconds: its timer's close plus Advance. 0: no step pending
	// (cleared when the run steps, or the quiz reopens).
	AdvancesAt int64 `json:"advances_at,omitempty"`
}

// MinRunAdvance and MaxRunAdvance bound a quiz's "advance" pause, seconds.
const (
	MinRunAdvance = 3
	MaxRunAdvance = 60
)

// ErrBadRunAdvance refuses an "advance" out of bounds or on a poll that is
// not a timed quiz.
var ErrBadRunAdvance = &Error{Code: CodeBadRequest, Message: "\"advance\" is 0 (off) or 3–60 seconds, and only a quiz with a timer (\"seconds\") has it"}

// RunOrder is p's place in the run of show: Order, or the number of its id
// (p7: 7) while no order was set. The run of show lists polls by RunOrder,
// then by number.
func RunOrder(p Poll) int {
	if p.Order > 0 {
		return p.Order
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(p.ID, "p"))
	return n
}

// MaxPollOrder is the largest poll order poll_set takes.
const MaxPollOrder = 1_000_000

// ErrBadPollOrder refuses a poll_set whose order is not 1–MaxPollOrder.
var ErrBadPollOrder = &Error{Code: CodeBadRequest, Message: "a poll's order must be a whole number from 1 to 1000000"}

// ValidPollKind reports whether s is a poll kind.
func ValidPollKind(s string) bool {
	switch s {
	case PollSingle, PollMulti, PollRating, PollWordcloud, PollText, PollQuiz:
		return true
	}
	return false
}

// hasOptions reports whether ballots of the kind are option indexes.
func hasOptions(kind string) bool {
	return kind == PollSingle || kind == PollMulti || kind == PollQuiz
}

// ValidPollState reports whether s is a poll state.
func ValidPollState(s string) bool { return s == PollDraft || s == PollOpen || s == PollClosed }

// ValidPollTransition reports whether a poll may move from state from to
// state to: draft → open → closed, and closed → open to reopen a poll (its
// ballots are kept). A poll never goes back to draft, and a draft is opened
// before it is closed. Setting the current state again is allowed (and
// changes nothing). The Redis scripts mirror this table.
func ValidPollTransition(from, to string) bool {
	if from == to {
		return ValidPollState(to)
	}
	switch from {
	case PollDraft:
		return to == PollOpen
	case PollOpen:
		return to == PollClosed
	case PollClosed:
		return to == PollOpen
	}
	return false
}

// PollPatch is a change of a poll by poll_set; nil fields stay as they are.
type PollPatch struct {
	State  *string
	Reveal *bool
	// SpeedBonus turns a timed quiz's speed bonus on or off (the Service
	// refuses it for other polls); it counts at the quiz's next close.
	SpeedBonus *bool
	// Order moves the poll in the run of show (Poll.Order): 1–MaxPollOrder.
	Order *int
	// Advance sets a timed quiz's pause before the run steps on by itself
	// (Poll.Advance): 0 or MinRunAdvance–MaxRunAdvance.
	Advance *int
	// At is the time of the change, Unix milliseconds: a timed quiz that
	// opens gets ClosesAt = At + Seconds*1000. 0: the store's clock.
	At int64
}

// IsZero reports whether the patch changes nothing.
func (p PollPatch) IsZero() bool {
	return p.State == nil && p.Reveal == nil && p.SpeedBonus == nil && p.Order == nil && p.Advance == nil
}

// ValidRunAdvance reports whether a quiz with a timer of seconds (0: none)
// may have the pause advance: 0, or MinRunAdvance–MaxRunAdvance for a timed
// quiz.
func ValidRunAdvance(kind string, seconds, advance int) bool {
	return advance == 0 || (kind == PollQuiz && seconds > 0 && advance >= MinRunAdvance && advance <= MaxRunAdvance)
}

// Apply returns p with the patch's fields set, or a conflict when the state
// move is not a ValidPollTransition. Reveal may be set in every state. A
// timed quiz that moves to open gets ClosesAt = pp.At + Seconds*1000 (pp.At
// must be set then). SpeedBonus is kept false for polls that are not timed
// quizzes. A quiz that opens has no pending step (AdvancesAt 0); Advance
// must be ValidRunAdvance for p.
func (pp PollPatch) Apply(p Poll) (Poll, error) {
	if pp.Order != nil && (*pp.Order < 1 || *pp.Order > MaxPollOrder) {
		return p, ErrBadPollOrder
	}
	if pp.Advance != nil && !ValidRunAdvance(p.Kind, p.Seconds, *pp.Advance) {
		return p, ErrBadRunAdvance
	}
	if pp.State != nil {
		if !ValidPollTransition(p.State, *pp.State) {
			return p, errorf(CodeConflict, "a %s poll cannot become %s", p.State, *pp.State)
		}
		if *pp.State == PollOpen && p.State != PollOpen && p.Seconds > 0 {
			p.ClosesAt = pp.At + int64(p.Seconds)*1000
		}
		if *pp.State == PollOpen {
			p.AdvancesAt = 0
		}
		p.State = *pp.State
	}
	if pp.Reveal != nil {
		p.Reveal = *pp.Reveal
	}
	if pp.SpeedBonus != nil {
		p.SpeedBonus = *pp.SpeedBonus && p.Kind == PollQuiz && p.Seconds > 0
	}
	if pp.Order != nil {
		p.Order = *pp.Order
	}
	if pp.Advance != nil {
		p.Advance = *pp.Advance
	}
	return p, nil
}

// Ballot is one participant's answer to a poll, in canonical form (the
// Service makes it so; the stores compare ballots field by field): exactly
// one field is set, the one of the poll's kind.
type Ballot struct {
	// Choices: single, multi, quiz: distinct option indexes, ascending.
	Choices []int `json:"choices,omitempty"`
	// Rating: rating, 1–MaxRating.
	Rating int `json:"rating,omitempty"`
	// Words: wordcloud: 1–MaxBallotWords distinct words made by CloudWords,
	// in the order they were written.
	Words []string `json:"words,omitempty"`
	// Text: text: 1–MaxBallotRunes characters, cleaned and masked.
	Text string `json:"text,omitempty"`

	// At and Name describe the casting, not the answer (Equal ignores
	// them), and only quiz ballots keep them: At is when the ballot was
	// cast, Unix milliseconds (0: the store's clock), refused at or after
	// the quiz's ClosesAt; Name is the display name the participant voted
	// under ("" anonymous), shown in the leaderboard. A repeated ballot
	// (Equal to the one cast) changes neither; a replacement moves At.
	// Ballots returns them zero.
	At   int64  `json:"-"`
	Name string `json:"-"`
}

// Equal reports whether b and o are the same ballot.
func (b Ballot) Equal(o Ballot) bool {
	return b.Rating == o.Rating && b.Text == o.Text && slices.Equal(b.Choices, o.Choices) && slices.Equal(b.Words, o.Words)
}

// Refusals of the poll commands, shared by the stores.
var (
	ErrPollNotFound = &Error{Code: CodeNotFound, Message: "no such poll"}
	// ErrPollNotOpen refuses a ballot for a draft or closed poll.
	ErrPollNotOpen = &Error{Code: CodeClosed, Message: "this poll is not open for voting"}
	// ErrQuizTimeUp refuses a ballot cast at or after a quiz's ClosesAt,
	// even before the timer's close has been applied.
	ErrQuizTimeUp = &Error{Code: CodeClosed, Message: "time is up: this quiz no longer takes answers"}
	// ErrBallotKind refuses a ballot whose field does not fit the poll's kind.
	ErrBallotKind = &Error{Code: CodeBadRequest, Message: "this ballot does not fit the poll's kind"}
	// ErrBallotChoices refuses choices out of the poll's options or more than its max.
	ErrBallotChoices = &Error{Code: CodeBadRequest, Message: "choices must be distinct option indexes, at most the poll's max"}
)

// CheckBallot reports whether b is a ballot for p, checking what needs the
// poll (the Service checked the rest): the field of p's kind is set and no
// other, choices are fewer than p.Max and below len(p.Options). In this
// order, which the Redis scripts mirror: ErrBallotKind, ErrBallotChoices.
func CheckBallot(p Poll, b Ballot) error {
	var fits bool
	switch {
	case hasOptions(p.Kind):
		fits = len(b.Choices) > 0 && b.Rating == 0 && len(b.Words) == 0 && b.Text == ""
	case p.Kind == PollRating:
		fits = b.Rating >= 1 && b.Rating <= MaxRating && len(b.Choices) == 0 && len(b.Words) == 0 && b.Text == ""
	case p.Kind == PollWordcloud:
		fits = len(b.Words) > 0 && len(b.Choices) == 0 && b.Rating == 0 && b.Text == ""
	case p.Kind == PollText:
		fits = b.Text != "" && len(b.Choices) == 0 && b.Rating == 0 && len(b.Words) == 0
	}
	if !fits {
		return ErrBallotKind
	}
	if hasOptions(p.Kind) {
		if len(b.Choices) > p.Max {
			return ErrBallotChoices
		}
		for _, c := range b.Choices {
			if c < 0 || c >= len(p.Options) {
				return ErrBallotChoices
			}
		}
	}
	return nil
}

// CloudWords returns the words of a wordcloud ballot: text split on
// whitespace, each word folded for case and width (as the word filter
// folds), stripped of every character that is not a letter, digit or mark,
// and kept when it has at least MinCloudWordRunes characters and drop(word)
// is false (drop may be nil); duplicates are dropped and at most
// MaxBallotWords kept, in the order written. The result's words therefore
// contain only letters, digits and marks: their JSON encoding is the word
// between quotes.
func CloudWords(text string, drop func(string) bool) []string {
	var out []string
	for _, f := range strings.Fields(foldString(text)) {
		w := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
				return r
			}
			return -1
		}, f)
		if len([]rune(w)) < MinCloudWordRunes || slices.Contains(out, w) || (drop != nil && drop(w)) {
			continue
		}
		out = append(out, w)
		if len(out) == MaxBallotWords {
			break
		}
	}
	return out
}

// WordCount is one word of a wordcloud's results.
type WordCount struct {
	Word  string
	Count int64
}

// Tally is a poll's results.
type Tally struct {
	// Counts: single, multi, quiz: ballots choosing each option; rating:
	// ballots per rating 1–MaxRating (Counts[0] is rating 1); empty for
	// wordcloud and text.
	Counts []int64
	// Total is the number of ballots (people, not choices).
	Total int64
	// Sum is the sum of the ratings (rating only).
	Sum int64
	// Words: wordcloud: the MaxCloudWords words with the most ballots,
	// most first, ties by the words' bytes ascending.
	Words []WordCount
	// Answers: text: the newest MaxTextAnswers answers, oldest first (a
	// replaced ballot counts as new).
	Answers []string
}

// emptyTally returns the tally of p before any ballot.
func emptyTally(p Poll) Tally {
	switch {
	case hasOptions(p.Kind):
		return Tally{Counts: make([]int64, len(p.Options))}
	case p.Kind == PollRating:
		return Tally{Counts: make([]int64, MaxRating)}
	}
	return Tally{}
}

// appendResults appends the results object of p's kind:
//
//	{"counts":[<n>,...],"total":<n>}                      single, multi, quiz (one count per option)
//	{"counts":[<n1>,...,<n5>],"total":<n>,"average":<avg>} rating
//	{"counts":[],"total":<n>,"words":{"<word>":<n>,...}}   wordcloud, in Tally.Words order
//	{"counts":[],"total":<n>,"answers":[<text>,...]}       text, in Tally.Answers order
//
// avg is Sum/Total rounded half up to hundredths and always written with
// two decimals: (Sum*200+Total) div (2*Total) hundredths as "<h div 100>.<h mod
// 100, two digits>"; "0.00" without ballots. Words are written between
// quotes as they are; answers are encoded by encoding/json.
func appendResults(b []byte, kind string, t Tally) []byte {
	b = append(b, `{"counts":[`...)
	for i, c := range t.Counts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, c, 10)
	}
	b = append(b, `],"total":`...)
	b = strconv.AppendInt(b, t.Total, 10)
	switch kind {
	case PollRating:
		var h int64
		if t.Total > 0 {
			h = (t.Sum*200 + t.Total) / (2 * t.Total)
		}
		b = append(b, `,"average":`...)
		b = strconv.AppendInt(b, h/100, 10)
		b = append(b, '.', byte('0'+h%100/10), byte('0'+h%10))
	case PollWordcloud:
		b = append(b, `,"words":{`...)
		for i, w := range t.Words {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, w.Word...)
			b = append(b, `":`...)
			b = strconv.AppendInt(b, w.Count, 10)
		}
		b = append(b, '}')
	case PollText:
		b = append(b, `,"answers":[`...)
		for i, a := range t.Answers {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	enc, err := MarshalJSON(s)
	if err != nil {
		panic("rooms: encoding a string: " + err.Error())
	}
	return append(b, enc...)
}

// PollHead returns the part of p's JSON that never changes after creation,
// as the stores keep it:
//
//	"kind":"<kind>","title":<title>,"options":[<option>,...],"max":<max>[,"seconds":<s>]
//
// (title and options encoded by encoding/json; seconds only for a quiz).
func PollHead(p Poll) []byte {
	b := make([]byte, 0, 64+len(p.Title)+16*len(p.Options))
	b = append(b, `"kind":"`...)
	b = append(b, p.Kind...)
	b = append(b, `","title":`...)
	b = appendJSONString(b, p.Title)
	b = append(b, `,"options":[`...)
	for i, o := range p.Options {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, o)
	}
	b = append(b, `],"max":`...)
	b = strconv.AppendInt(b, int64(p.Max), 10)
	if p.Kind == PollQuiz {
		b = append(b, `,"seconds":`...)
		b = strconv.AppendInt(b, int64(p.Seconds), 10)
	}
	return b
}

// PollCorrect returns the encoding of p.Correct as the stores keep it:
// "[<i>,...]", or "" when p is not a quiz.
func PollCorrect(p Poll) []byte {
	if p.Kind != PollQuiz {
		return nil
	}
	b := []byte{'['}
	for i, c := range p.Correct {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return append(b, ']')
}

// AudienceSeesResults reports whether the audience at large may see p's
// results: they are revealed and p is not a draft.
func AudienceSeesResults(p Poll) bool { return p.Reveal && p.State != PollDraft }

// audienceSeesCorrect reports whether the audience may see a quiz's correct
// options: its results are revealed and it is closed, so nobody who can
// still vote learns them.
func audienceSeesCorrect(p Poll) bool { return p.Reveal && p.State == PollClosed }

// appendPoll appends p as one JSON object (the body of a `poll` event and
// an element of a snapshot's `polls`), in the version for staff or for the
// audience; nil for the audience when p is a draft:
//
//	{"id":"<id>",<head>,"closes_at":<ms>,"state":"<state>","reveal":<true|false>[,"speed_bonus":<bool>][,"order":<n>][,"advance":<s>][,"advances_at":<ms>][,"correct":<correct>][,"results":<results>]}
//
// with head as PollHead, correct as PollCorrect and results as
// appendResults; speed_bonus for every quiz. Staff: correct for every
// quiz, results always. Audience: results when AudienceSeesResults,
// correct when the quiz is also closed.
func appendPoll(b []byte, p Poll, t Tally, staff bool) []byte {
	if !staff && p.State == PollDraft {
		return nil
	}
	b = append(b, `{"id":"`...)
	b = append(b, p.ID...)
	b = append(b, `",`...)
	b = append(b, PollHead(p)...)
	b = append(b, `,"closes_at":`...)
	b = strconv.AppendInt(b, p.ClosesAt, 10)
	b = append(b, `,"state":"`...)
	b = append(b, p.State...)
	b = append(b, `","reveal":`...)
	b = strconv.AppendBool(b, p.Reveal)
	if p.Kind == PollQuiz {
		b = append(b, `,"speed_bonus":`...)
		b = strconv.AppendBool(b, p.SpeedBonus)
	}
	if p.Order > 0 {
		b = append(b, `,"order":`...)
		b = strconv.AppendInt(b, int64(p.Order), 10)
	}
	if p.Advance > 0 {
		b = append(b, `,"advance":`...)
		b = strconv.AppendInt(b, int64(p.Advance), 10)
	}
	if p.AdvancesAt > 0 {
		b = append(b, `,"advances_at":`...)
		b = strconv.AppendInt(b, p.AdvancesAt, 10)
	}
	if p.Kind == PollQuiz && (staff || audienceSeesCorrect(p)) {
		b = append(b, `,"correct":`...)
		b = append(b, PollCorrect(p)...)
	}
	if staff || AudienceSeesResults(p) {
		b = append(b, `,"results":`...)
		b = appendResults(b, p.Kind, t)
	}
	return append(b, '}')
}

// pollEvent returns the durable `poll` event of p's new state at seq, t
// being its tally at that seq.
//
// Byte formats:
//
//	Staff: {"type":"poll","seq":<seq>,"id":"<id>",<head>,"closes_at":<ms>,"state":"<state>","reveal":<bool>[,"speed_bonus":<bool>][,"order":<n>][,"advance":<s>][,"advances_at":<ms>][,"correct":<correct>],"results":<results>}
//	Data, not a draft: the same with "correct" only when revealed and
//	      closed, "results" only when revealed (see appendPoll)
//	Data, draft: {"type":"poll_deleted","seq":<seq>,"id":"<id>"}
//
// A draft thus reaches only staff, while the audience's seq stays
// continuous (it removes, or never shows, the poll).
func pollEvent(seq uint64, p Poll, t Tally) Event {
	staff := wrapEvent(EventPoll, seq, appendPoll(nil, p, t, true))
	var data []byte
	if p.State == PollDraft {
		data = pollDeletedEvent(seq, p.ID)
	} else {
		data = wrapEvent(EventPoll, seq, appendPoll(nil, p, t, false))
	}
	return Event{Seq: seq, Type: EventPoll, Data: data, Staff: staff}
}

// pollDeletedEvent encodes {"type":"poll_deleted","seq":<seq>,"id":"<id>"}.
// A real deletion sends it to everyone (no Staff version).
func pollDeletedEvent(seq uint64, id string) []byte {
	return wrapEvent(EventPollDeleted, seq, []byte(`{"id":"`+id+`"}`))
}

// PollResult is one poll's tally as ResultsChanges reports it.
type PollResult struct {
	ID   string
	Kind string
	// Revealed: the audience may see the results (AudienceSeesResults).
	// Unrevealed results go to staff only.
	Revealed bool
	Tally    Tally
}

// ResultsChanges is what changed in one room's poll tallies since a version.
type ResultsChanges struct {
	// Version is the room's results version now: it grows with every
	// ballot that changed a tally. Pass it as since next time.
	Version uint64
	// Results are the current tallies of the polls (not deleted) whose
	// tally changed after the version passed, ordered by poll number.
	Results []PollResult
}

// ResultsEvent encodes the ephemeral `results` event of one poll:
//
//	{"type":"results","poll":"<id>",<the fields of its results object>}
//
// e.g. {"type":"results","poll":"p3","counts":[4,9],"total":13}. Staff
// receive it always, the audience only when r.Revealed.
func ResultsEvent(r PollResult) []byte {
	b := make([]byte, 0, 64+8*len(r.Tally.Counts))
	b = append(b, `{"type":"results","poll":"`...)
	b = append(b, r.ID...)
	b = append(b, `",`...)
	return append(b, appendResults(nil, r.Kind, r.Tally)[1:]...)
}

// pollNumber returns n of the id "p<n>", or 0 when id is not one.
func pollNumber(id string) uint64 {
	if len(id) < 2 || len(id) > 16 || id[0] != 'p' || id[1] == '0' {
		return 0
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// appendBallotValue appends b as the snapshot's you.votes shows it, by the
// field that is set: the choices ([0,2]) for single, multi and quiz, the
// number for rating, the words (["fast","fun"]) for wordcloud, the text
// ("...") for text.
func appendBallotValue(dst []byte, b Ballot) []byte {
	switch {
	case b.Rating != 0:
		return strconv.AppendInt(dst, int64(b.Rating), 10)
	case b.Text != "":
		return appendJSONString(dst, b.Text)
	case len(b.Words) > 0:
		dst = append(dst, '[')
		for i, w := range b.Words {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, w)
		}
		return append(dst, ']')
	}
	dst = append(dst, '[')
	for i, c := range b.Choices {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(c), 10)
	}
	return append(dst, ']')
}
