package rooms

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"strconv"
)

// Quiz timers, scoring and the leaderboard.
//
// A quiz may have a timer (Poll.Seconds): each time it opens, ClosesAt is
// set to the opening time plus Seconds, and ballots cast at or after it are
// refused (ErrQuizTimeUp). When ClosesAt passes, every instance with
// clients in the room asks its store to close the quiz with
// PollStore.ExpirePoll, which closes it only if it is still open with that
// ClosesAt: one durable `poll` event however many instances try, and a
// stale timer never closes a reopened quiz.
//
// Each time a quiz closes (by the host or by its timer) the store scores it
// in the same atomic step: QuizPoints for every ballot, replacing the
// points of the quiz's earlier closes, so a reopened and closed again quiz
// never counts twice; deleting a quiz takes its points off the room totals.
// The leaderboard lists a quiz's points and the room's totals.
const (
	// MinQuizSeconds and MaxQuizSeconds bound a quiz timer ("seconds").
	// One second is allowed for rapid-fire rounds.
	MinQuizSeconds = 1
	MaxQuizSeconds = 3600
	// QuizBasePoints is what a correct answer earns.
	QuizBasePoints = 1000
	// QuizSpeedBonus is the most a correct answer to a timed quiz with its
	// speed bonus on earns on top of QuizBasePoints (see QuizPoints).
	QuizSpeedBonus = 500
	// LeaderboardSize is how many entries each list of a `leaderboard`
	// event has at most.
	LeaderboardSize = 10
)

// EventLeaderboard is the type of the ephemeral `leaderboard` event.
const EventLeaderboard = "leaderboard"

// QuizPoints returns the points of a ballot with the given choices for
// quiz p, which had left milliseconds of its timer left when the ballot was
// cast: 0 unless the choices equal p.Correct exactly; else QuizBasePoints,
// plus, when p is timed (Seconds > 0) and p.SpeedBonus is on,
// QuizSpeedBonus * left / (Seconds*1000) rounded down, with left clamped
// to 0–Seconds*1000. The Redis scripts compute the same integers.
func QuizPoints(p Poll, choices []int, left int64) int64 {
	if p.Kind != PollQuiz || !slices.Equal(choices, p.Correct) {
		return 0
	}
	points := int64(QuizBasePoints)
	if p.Seconds > 0 && p.SpeedBonus {
		span := int64(p.Seconds) * 1000
		left = min(max(left, 0), span)
		points += QuizSpeedBonus * left / span
	}
	return points
}

// LeaderEntry is one line of a leaderboard.
type LeaderEntry struct {
	// Rank is 1 + the number of participants with more points: ties share
	// a rank (1, 1, 3).
	Rank int `json:"rank"`
	// Participant is, on the wire, the line's handle (the same as Handle):
	// participant ids never leave the server. Inside the store it is the
	// participant's id, which the Service turns into the handle
	// (Service.LeaderboardOf).
	Participant string `json:"participant"`
	// Name is the display name of the participant's latest quiz ballot in
	// the room, or Pseudonym(Participant) when that was anonymous.
	Name   string `json:"name"`
	Points int64  `json:"points"`
	// Handle is the participant's opaque leaderboard handle in the room
	// (Tokens.LeaderHandle): the same in every leaderboard of the room, so
	// a page tells lines apart, and unrelated to any other handle.
	Handle string `json:"handle"`
}

// Leaderboard is a quiz's points and the room's totals, each list the
// LeaderboardSize participants with the most points (only participants
// with points), most first, ties by participant id in byte order.
type Leaderboard struct {
	// Poll is the quiz; "" when the room has no closed quiz.
	Poll string
	// Revealed: the quiz is closed with its results revealed, so the
	// audience may see this leaderboard (it tells who answered right).
	// Staff see it always.
	Revealed bool
	Question []LeaderEntry
	Room     []LeaderEntry
	// You has an entry for each participant the store was asked about:
	// its standing in the room's totals (the zero Standing when it has no
	// points), so a player outside the lists learns where they stand.
	You map[string]Standing
}

// Standing is one participant's place in the room's quiz totals: Rank as
// in LeaderEntry (1 + the number of participants with more points), 0 with
// Points 0 for a participant without points, who is not ranked (the lists
// leave such participants out too).
type Standing struct {
	Rank   int   `json:"rank"`
	Points int64 `json:"points"`
	// Handle is the participant's leaderboard handle, by which its page
	// finds its own line in the lists (set by Service.LeaderboardOf).
	Handle string `json:"handle,omitempty"`
}

// WithYou returns the encoded `leaderboard` event b (a JSON object, as
// LeaderboardEvent makes it) with the field "you" of one audience client
// added last: {…,"you":{"rank":37,"points":800}}. b is not modified, so the
// shared part is encoded once and each client pays one copy.
func WithYou(b []byte, st Standing) []byte {
	if len(b) < 2 || b[len(b)-1] != '}' {
		return b
	}
	out := make([]byte, 0, len(b)+48)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"you":{"rank":`...)
	out = strconv.AppendInt(out, int64(st.Rank), 10)
	out = append(out, `,"points":`...)
	out = strconv.AppendInt(out, st.Points, 10)
	if st.Handle != "" {
		out = append(out, `,"handle":`...)
		out = strconv.AppendQuote(out, st.Handle)
	}
	return append(out, "}}"...)
}

// standings returns the Standing of each of who among totals (participant
// → room points, points above 0 only): one pass over totals for a single
// participant (a client joining), a sort for many (a quiz's fan-out).
func standings(totals map[string]int64, who []string) map[string]Standing {
	if len(who) == 0 {
		return nil
	}
	out := make(map[string]Standing, len(who))
	var points []int64 // sorted, once there are several to rank
	if len(who) > 1 {
		points = make([]int64, 0, len(totals))
		for _, p := range totals {
			points = append(points, p)
		}
		slices.Sort(points)
	}
	for _, participant := range who {
		p, ok := totals[participant]
		if !ok || p <= 0 {
			out[participant] = Standing{}
			continue
		}
		// Rank: 1 + how many have more points than p.
		above := 0
		if points != nil {
			first, _ := slices.BinarySearch(points, p+1) // the first value above p
			above = len(points) - first
		} else {
			for _, q := range totals {
				if q > p {
					above++
				}
			}
		}
		out[participant] = Standing{Rank: 1 + above, Points: p}
	}
	return out
}

// Scorer is one participant's points as a store reads them, in leaderboard
// order; Name as stored ("" anonymous).
type Scorer struct {
	Participant string
	Name        string
	Points      int64
}

// leaderOrder orders scorers: most points first, ties by participant id.
func leaderOrder(a, b Scorer) int {
	switch {
	case a.Points != b.Points:
		if a.Points > b.Points {
			return -1
		}
		return 1
	case a.Participant < b.Participant:
		return -1
	case a.Participant > b.Participant:
		return 1
	}
	return 0
}

// rankEntries turns scorers in leaderboard order into entries: ranks with
// ties shared, pseudonyms for anonymous participants.
func rankEntries(scorers []Scorer) []LeaderEntry {
	out := make([]LeaderEntry, len(scorers))
	for i, s := range scorers {
		rank := i + 1
		if i > 0 && s.Points == scorers[i-1].Points {
			rank = out[i-1].Rank
		}
		name := s.Name
		if name == "" {
			name = Pseudonym(s.Participant)
		}
		out[i] = LeaderEntry{Rank: rank, Participant: s.Participant, Name: name, Points: s.Points}
	}
	return out
}

// topScorers sorts scorers in leaderboard order and keeps the first n.
func topScorers(scorers []Scorer, n int) []Scorer {
	slices.SortFunc(scorers, leaderOrder)
	if len(scorers) > n {
		scorers = scorers[:n]
	}
	return scorers
}

var (
	pseudonymAdjectives = [...]string{
		"Amber", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Curious", "Daring",
		"Eager", "Fancy", "Gentle", "Golden", "Happy", "Jolly", "Keen", "Kind",
		"Lively", "Lucky", "Merry", "Mighty", "Nimble", "Noble", "Plucky", "Polite",
		"Proud", "Quick", "Quiet", "Rapid", "Royal", "Shiny", "Silver", "Sleepy",
		"Smart", "Snowy", "Sunny", "Swift", "Tidy", "Witty", "Zesty", "Zippy",
	}
	pseudonymAnimals = [...]string{
		"Badger", "Beaver", "Bison", "Camel", "Cheetah", "Crane", "Dolphin", "Eagle",
		"Falcon", "Ferret", "Fox", "Gecko", "Heron", "Ibis", "Jaguar", "Koala",
		"Lemur", "Lynx", "Marmot", "Moose", "Narwhal", "Otter", "Owl", "Panda",
		"Parrot", "Penguin", "Puffin", "Quokka", "Rabbit", "Raven", "Seal", "Sloth",
		"Swan", "Tapir", "Tiger", "Toucan", "Turtle", "Walrus", "Wombat", "Yak",
	}
)

// Pseudonym returns the leaderboard name of an anonymous participant:
// "Guest " + an adjective + " " + an animal, chosen by the FNV-1a hash of
// the participant id — the same on every instance and every time.
func Pseudonym(participant string) string {
	h := fnv.New32a()
	h.Write([]byte(participant))
	v := h.Sum32()
	adj := pseudonymAdjectives[v%uint32(len(pseudonymAdjectives))]
	animal := pseudonymAnimals[(v/uint32(len(pseudonymAdjectives)))%uint32(len(pseudonymAnimals))]
	return "Guest " + adj + " " + animal
}

// LeaderboardEvent encodes the ephemeral `leaderboard` event:
//
//	{"type":"leaderboard","poll":"p3","question":[<entry>,...],"room":[<entry>,...]}
//
// with entries {"rank":1,"participant":"p_…","name":"Ada","points":1450}.
func LeaderboardEvent(lb Leaderboard) []byte {
	v := struct {
		Type     string        `json:"type"`
		Poll     string        `json:"poll"`
		Question []LeaderEntry `json:"question"`
		Room     []LeaderEntry `json:"room"`
	}{EventLeaderboard, lb.Poll, lb.Question, lb.Room}
	if v.Question == nil {
		v.Question = []LeaderEntry{}
	}
	if v.Room == nil {
		v.Room = []LeaderEntry{}
	}
	b, err := MarshalJSON(v)
	if err != nil {
		panic("rooms: encoding a leaderboard: " + err.Error())
	}
	return b
}

// PollInfo is what the hub needs of a `poll` event: which poll, whether it
// is a quiz, its state, reveal and timer.
type PollInfo struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Reveal   bool   `json:"reveal"`
	ClosesAt int64  `json:"closes_at"`
	// AdvancesAt: the run steps on by itself from this quiz then (0: no).
	AdvancesAt int64 `json:"advances_at"`
}

// PollEventInfo reads a durable `poll` event's staff version; false when ev
// is not one.
func PollEventInfo(ev *Event) (PollInfo, bool) {
	if ev.Type != EventPoll {
		return PollInfo{}, false
	}
	var info PollInfo
	if err := json.Unmarshal(ev.For(true, ""), &info); err != nil || info.ID == "" {
		return PollInfo{}, false
	}
	return info, true
}

// QuizTimer is an open timed quiz: the store closes it at ClosesAt.
type QuizTimer struct {
	Poll     string
	ClosesAt int64
}

// String returns "p3@1763890878000", for logs.
func (t QuizTimer) String() string { return t.Poll + "@" + strconv.FormatInt(t.ClosesAt, 10) }
