package rooms

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
)

// ExportPoll is one poll in an export: what a `poll` event carries for
// staff, with complete results (every word, every answer) and every
// standing ballot under a pseudonymous voter id.
type ExportPoll struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"`
	Title   string   `json:"title"`
	Options []string `json:"options"` // [] for rating, wordcloud and text
	Max     int      `json:"max"`
	State   string   `json:"state"`
	Reveal  bool     `json:"reveal"`
	// Correct are a quiz's correct option indexes; absent for other kinds.
	Correct []int         `json:"correct,omitzero"`
	Results ExportResults `json:"results"`
	// Ballots: text polls in the order cast (oldest first, a replaced
	// ballot counting as new), the other kinds ordered by voter.
	Ballots []ExportBallot `json:"ballots"`
}

// ExportResults is a poll's complete tally, computed from its ballots. It
// is the `results` object of the wire without its caps: Words lists every
// word and Answers every answer.
type ExportResults struct {
	// Counts: ballots per option (single, multi, quiz) or per rating 1–5
	// (rating; Counts[0] is rating 1); [] for wordcloud and text.
	Counts []int64 `json:"counts"`
	// Total is the number of ballots (people).
	Total int64 `json:"total"`
	// Average (rating only) has two decimals, as on the wire ("0.00"
	// without ballots).
	Average json.Number `json:"average,omitempty"`
	// Words (wordcloud only): every word with its ballots, most first,
	// ties by the word's bytes.
	Words []ExportWord `json:"words,omitzero"`
	// Answers (text only): every answer, oldest first.
	Answers []string `json:"answers,omitzero"`
}

// ExportWord is one word of a wordcloud's results in an export.
type ExportWord struct {
	Word  string `json:"word"`
	Count int64  `json:"count"`
}

// ExportBallot is one participant's standing ballot: exactly one of the
// Ballot's fields, by the poll's kind (choices, rating, words, text).
type ExportBallot struct {
	// Voter is the participant's pseudonymous voter id (VoterIDPrefix and
	// VoterIDBytes*2 hex digits), the same in every poll and every export
	// of the room, so one person's ballots can be linked across polls; it
	// is not the participant id of questions and comments, so ballots
	// cannot be linked to what a person wrote. See Tokens.VoterID.
	Voter string `json:"voter"`
	Ballot
}

// Voter ids in exports.
const (
	VoterIDPrefix = "v_"
	// VoterIDBytes is how much of the HMAC a voter id keeps: 48 bits, so
	// two voters of a room of 100,000 share an id with odds of about 1 in
	// 50,000.
	VoterIDBytes = 6
	// voterIDDomain separates the voter id HMAC from the token MAC, which
	// signs room "|" participant with the same secret.
	voterIDDomain = "hubbub export voter\x00"
)

// VoterID returns participant's pseudonymous voter id in room:
// VoterIDPrefix + hex of the first VoterIDBytes of HMAC-SHA256(secret,
// voterIDDomain + room + "\x00" + participant). Without the server's
// secret it cannot be computed from a participant id or turned back into
// one; instances sharing the secret give the same id, and so does every
// export of the room while the secret stays.
func (t *Tokens) VoterID(room, participant string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(voterIDDomain + room + "\x00" + participant))
	return VoterIDPrefix + hex.EncodeToString(m.Sum(nil)[:VoterIDBytes])
}

// exportPolls turns AllBallots' polls of room into the export's polls.
func (s *Service) exportPolls(room string, all []PollBallots) []ExportPoll {
	out := make([]ExportPoll, 0, len(all))
	for _, pb := range all {
		p := pb.Poll
		ep := ExportPoll{
			ID: p.ID, Kind: p.Kind, Title: p.Title, Options: p.Options, Max: p.Max, State: p.State, Reveal: p.Reveal,
			Results: completeResults(p, pb.Ballots),
			Ballots: make([]ExportBallot, 0, len(pb.Ballots)),
		}
		if ep.Options == nil {
			ep.Options = []string{}
		}
		if p.Kind == PollQuiz {
			ep.Correct = p.Correct
		}
		for _, vb := range pb.Ballots {
			ep.Ballots = append(ep.Ballots, ExportBallot{Voter: s.tokens.VoterID(room, vb.Participant), Ballot: vb.Ballot})
		}
		if p.Kind != PollText { // text: as cast; the others by voter
			slices.SortStableFunc(ep.Ballots, func(a, b ExportBallot) int { return cmp.Compare(a.Voter, b.Voter) })
		}
		out = append(out, ep)
	}
	return out
}

// completeResults tallies ballots (AllBallots' order) of poll p without the
// caps of the wire's results.
func completeResults(p Poll, ballots []VoterBallot) ExportResults {
	t := emptyTally(p)
	r := ExportResults{Counts: t.Counts, Total: int64(len(ballots))}
	if r.Counts == nil {
		r.Counts = []int64{}
	}
	var sum int64
	words := make(map[string]int64)
	for _, vb := range ballots {
		b := vb.Ballot
		switch {
		case hasOptions(p.Kind):
			for _, c := range b.Choices {
				if c >= 0 && c < len(r.Counts) {
					r.Counts[c]++
				}
			}
		case p.Kind == PollRating:
			if b.Rating >= 1 && b.Rating <= MaxRating {
				r.Counts[b.Rating-1]++
				sum += int64(b.Rating)
			}
		case p.Kind == PollWordcloud:
			for _, w := range b.Words {
				words[w]++
			}
		case p.Kind == PollText:
			r.Answers = append(r.Answers, b.Text)
		}
	}
	switch p.Kind {
	case PollRating:
		r.Average = json.Number(formatAverage(sum, r.Total))
	case PollWordcloud:
		r.Words = make([]ExportWord, 0, len(words))
		for w, n := range words {
			r.Words = append(r.Words, ExportWord{Word: w, Count: n})
		}
		slices.SortFunc(r.Words, func(a, b ExportWord) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Word, b.Word)) // most first, then by bytes
		})
	case PollText:
		if r.Answers == nil {
			r.Answers = []string{}
		}
	}
	return r
}

// formatAverage is the rating average of appendResults: sum/total rounded
// half up to hundredths, with two decimals; "0.00" without ballots.
func formatAverage(sum, total int64) string {
	var h int64
	if total > 0 {
		h = (sum*200 + total) / (2 * total)
	}
	return strconv.FormatInt(h/100, 10) + "." + string([]byte{byte('0' + h%100/10), byte('0' + h%10)})
}

// VoterID returns participant's voter id in room as the room's exports
// show it (Tokens.VoterID with the service's secret).
func (s *Service) VoterID(room, participant string) string {
	return s.tokens.VoterID(room, participant)
}
