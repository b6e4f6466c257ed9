package hub

import (
	"slices"
	"strconv"
	"strings"

	"github.com/hubbubhq/hubbub/rooms"
)

// csvPollColumns are the columns polls add to the CSV export's table, at
// its end: kind (a poll's kind), option (what a result row counts: an
// option index, a rating, a word; a ballot's raw value), voter (a ballot's
// pseudonymous voter id, never a participant id).
var csvPollColumns = []string{"kind", "option", "voter"}

// csvAverage is the option cell of a rating poll's average row.
const csvAverage = "average"

// pollCSVRows returns the CSV rows of the export's polls, each as the
// cells of csvHeader, by id:
//
//   - poll: id, text (title), status (draft, open, closed), count (ballots),
//     kind. (Whether its results are revealed is in the JSON export only.)
//   - poll_result, one per count: for single, multi and quiz one per option
//     (option: its index from 0, text: the option, count: its ballots,
//     status: "correct" for a quiz's correct options); for rating one per
//     rating 1–5 (option and text: the rating) and one with option
//     "average" and the average in count; for wordcloud one per word, most
//     first (option and text: the word). Text polls have none: their
//     answers are their ballot rows.
//   - ballot, one per ballot (text polls in the order cast, others by
//     voter): id (the poll), voter, option (the raw ballot: option indexes
//     separated by spaces, the rating, the words separated by spaces;
//     empty for text), text (readable: the chosen options separated by
//     "; ", the rating, the words, the answer).
func pollCSVRows(polls []rooms.ExportPoll) [][]string {
	var rows [][]string
	row := func(section, id, text, status, count, kind, option, voter string) {
		r := make([]string, len(csvHeader))
		r[0], r[1], r[5], r[6], r[7] = section, id, text, status, count
		r[len(r)-3], r[len(r)-2], r[len(r)-1] = kind, option, voter
		rows = append(rows, r)
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, p := range polls {
		res := p.Results
		row("poll", p.ID, p.Title, p.State, itoa(res.Total), p.Kind, "", "")
		switch p.Kind {
		case rooms.PollRating:
			for i, c := range res.Counts {
				r := strconv.Itoa(i + 1)
				row("poll_result", p.ID, r, "", itoa(c), p.Kind, r, "")
			}
			row("poll_result", p.ID, "", "", res.Average.String(), p.Kind, csvAverage, "")
		case rooms.PollWordcloud:
			for _, w := range res.Words {
				row("poll_result", p.ID, w.Word, "", itoa(w.Count), p.Kind, w.Word, "")
			}
		case rooms.PollText:
		default:
			for i, c := range res.Counts {
				status := ""
				if slices.Contains(p.Correct, i) {
					status = "correct"
				}
				row("poll_result", p.ID, optionText(p, i), status, itoa(c), p.Kind, strconv.Itoa(i), "")
			}
		}
		for _, b := range p.Ballots {
			raw, readable := ballotCells(p, b.Ballot)
			row("ballot", p.ID, readable, "", "", p.Kind, raw, b.Voter)
		}
	}
	return rows
}

// ballotCells returns a ballot's raw value and its readable form.
func ballotCells(p rooms.ExportPoll, b rooms.Ballot) (raw, readable string) {
	switch {
	case b.Rating != 0:
		r := strconv.Itoa(b.Rating)
		return r, r
	case len(b.Words) > 0:
		w := strings.Join(b.Words, " ")
		return w, w
	case b.Text != "":
		return "", b.Text
	}
	idx := make([]string, len(b.Choices))
	names := make([]string, len(b.Choices))
	for i, c := range b.Choices {
		idx[i], names[i] = strconv.Itoa(c), optionText(p, c)
	}
	return strings.Join(idx, " "), strings.Join(names, "; ")
}

func optionText(p rooms.ExportPoll, i int) string {
	if i >= 0 && i < len(p.Options) {
		return p.Options[i]
	}
	return ""
}
