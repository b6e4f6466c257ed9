package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// VerifyReport is what Scenario.Verify found in the rooms' exports once
// every client had closed, and what Scenario.DeleteRooms deleted. A comment
// or question is identified by its publisher and n, both in its text; a
// ballot by the client's last acknowledged one in each poll.
type VerifyReport struct {
	Rooms            int   `json:"rooms"` // exported and checked
	CommentsAcked    int64 `json:"comments_acked"`
	CommentsMissing  int64 `json:"comments_missing"` // acked, not in the export
	QuestionsAcked   int64 `json:"questions_acked"`
	QuestionsMissing int64 `json:"questions_missing"`
	// BallotsAcked: (client, poll) pairs with an acknowledged ballot.
	// BallotsMissing: of these, how many the poll's results lack — per
	// option or word, the ballots that must be there (the client's last
	// acked ballot, with no later one written) beyond those counted, plus
	// clients with an acked ballot beyond the total. BallotsUnexpected:
	// ballots counted beyond what every client can have cast (its acked
	// ballot or one written after it whose answer was lost with its
	// connection).
	BallotsAcked      int64    `json:"ballots_acked"`
	BallotsMissing    int64    `json:"ballots_missing"`
	BallotsUnexpected int64    `json:"ballots_unexpected"`
	Deleted           int      `json:"rooms_deleted"`
	Errors            []string `json:"errors,omitempty"`
}

// Lost is every acknowledged comment, question and ballot the exports lack.
func (v *VerifyReport) Lost() int64 {
	return v.CommentsMissing + v.QuestionsMissing + v.BallotsMissing
}

// Failures counts what went wrong besides loss: failed exports or
// deletions, and ballots no client can have cast.
func (v *VerifyReport) Failures() int64 { return int64(len(v.Errors)) + v.BallotsUnexpected }

// Add sums o into v (the soak adds up its waves).
func (v *VerifyReport) Add(o *VerifyReport) {
	v.Rooms += o.Rooms
	v.CommentsAcked += o.CommentsAcked
	v.CommentsMissing += o.CommentsMissing
	v.QuestionsAcked += o.QuestionsAcked
	v.QuestionsMissing += o.QuestionsMissing
	v.BallotsAcked += o.BallotsAcked
	v.BallotsMissing += o.BallotsMissing
	v.BallotsUnexpected += o.BallotsUnexpected
	v.Deleted += o.Deleted
	v.Errors = append(v.Errors, o.Errors...)
}

func verifyReport(r *Report) *VerifyReport {
	if r.Verify == nil {
		return &VerifyReport{}
	}
	return r.Verify
}

// roomExport is the part of GET /api/rooms/{code}/export?format=json the
// check reads.
type roomExport struct {
	Questions []exportText `json:"questions"`
	Comments  []exportText `json:"comments"`
	Polls     []exportPoll `json:"polls"`
}

// exportText is a question or comment of the export: its text.
type exportText struct {
	Text string `json:"text"`
}

// exportPoll is a poll of the export with its results.
type exportPoll struct {
	ID      string `json:"id"`
	Results struct {
		Counts []int64 `json:"counts"`
		Total  int64   `json:"total"`
		Words  []struct {
			Word  string `json:"word"`
			Count int64  `json:"count"`
		} `json:"words"`
	} `json:"results"`
}

// verifyRooms exports every room (from the target after the one it was
// created on, so the check also crosses instances) and checks it against
// what the server acknowledged.
func verifyRooms(ctx context.Context, hc *http.Client, targets []string, rooms []*room, v *VerifyReport) {
	for i, r := range rooms {
		if r.verify == nil || r.hostKey == "" {
			continue
		}
		target := targets[(i+1)%len(targets)]
		ex, err := fetchExport(ctx, hc, target, r.code, r.hostKey)
		if err != nil {
			v.Errors = append(v.Errors, err.Error())
			continue
		}
		v.Rooms++
		checkExport(r, ex, v)
	}
}

// checkExport checks one room's export against its acks into v.
func checkExport(r *room, ex *roomExport, v *VerifyReport) {
	comments := stampedKeys(len(ex.Comments), func(i int) string { return ex.Comments[i].Text })
	questions := stampedKeys(len(ex.Questions), func(i int) string { return ex.Questions[i].Text })
	r.verify.mu.Lock()
	for _, k := range r.verify.comments {
		v.CommentsAcked++
		if !comments[k] {
			v.CommentsMissing++
		}
	}
	for _, k := range r.verify.questions {
		v.QuestionsAcked++
		if !questions[k] {
			v.QuestionsMissing++
		}
	}
	r.verify.mu.Unlock()

	ids := r.pollIDs()
	for i, id := range ids {
		var counts map[int]int64
		var total int64
		found := false
		for _, p := range ex.Polls {
			if p.ID != id {
				continue
			}
			found, total, counts = true, p.Results.Total, map[int]int64{}
			if pollKinds[i] == "wordcloud" {
				for _, w := range p.Results.Words {
					if n, err := strconv.Atoi(strings.TrimPrefix(w.Word, "w")); err == nil && strings.HasPrefix(w.Word, "w") {
						counts[n] += w.Count
					} else {
						counts[-1] += w.Count // a word the harness never sends
					}
				}
			} else {
				for o, n := range p.Results.Counts {
					counts[o] = n
				}
			}
		}
		b := expectBallots(r, i, len(ids))
		v.BallotsAcked += b.acked
		if !found {
			if b.acked > 0 {
				v.Errors = append(v.Errors, fmt.Sprintf("room %s: poll %s not in the export", r.code, id))
				v.BallotsMissing += b.acked
			}
			continue
		}
		v.BallotsMissing += max(0, b.acked-total)
		v.BallotsUnexpected += max(0, total-b.possible)
		for val, n := range counts {
			v.BallotsUnexpected += max(0, n-b.upper[val])
		}
		for val, must := range b.lower {
			v.BallotsMissing += max(0, must-counts[val])
		}
	}
}

// ballotBounds are what the results of one poll may hold, from the clients'
// acks: lower[v] ballots for value v are certain (the client's last acked
// ballot, nothing written after it), upper[v] possible; acked clients have
// an acknowledged ballot, possible ones one acked or written.
type ballotBounds struct {
	lower, upper    map[int]int64
	acked, possible int64
}

// expectBallots bounds the results of poll i (of k) in room r. A client's
// standing ballot is its last acked one, or one written after it whose ack
// was lost with a dropped connection (applied or not).
func expectBallots(r *room, i, k int) ballotBounds {
	b := ballotBounds{lower: map[int]int64{}, upper: map[int]int64{}}
	for _, c := range r.clients {
		acked, sent := c.polls.ackedN[i].Load(), c.polls.sentN[i].Load()
		if acked == 0 && sent == 0 {
			continue
		}
		vals := map[int]bool{}
		if acked > 0 {
			_, v := voteAction(c.idx, acked, k)
			vals[v] = true
		}
		// Ballots of poll i are n ≡ i+1 (mod k), after the acked one.
		first := uint64(i + 1)
		if acked > 0 {
			first = acked + uint64(k)
		}
		for n := first; n <= sent; n += uint64(k) {
			_, v := voteAction(c.idx, n, k)
			vals[v] = true
		}
		b.possible++
		for v := range vals {
			b.upper[v]++
		}
		if acked > 0 {
			b.acked++
			if len(vals) == 1 {
				for v := range vals {
					b.lower[v]++
				}
			}
		}
	}
	return b
}

// stampedKeys reads the publisher and n out of texts "lt <unixnano> <pub> <n>".
func stampedKeys(n int, text func(int) string) map[ackKey]bool {
	out := make(map[ackKey]bool, n)
	for i := range n {
		f := strings.Fields(text(i))
		if len(f) != 4 || f[0] != "lt" {
			continue
		}
		pub, err1 := strconv.Atoi(f[2])
		num, err2 := strconv.ParseUint(f[3], 10, 64)
		if err1 == nil && err2 == nil {
			out[ackKey{pub, num}] = true
		}
	}
	return out
}

// fetchExport reads room code's export from target with the host key.
func fetchExport(ctx context.Context, hc *http.Client, target, code, hostKey string) (*roomExport, error) {
	url := strings.TrimRight(target, "/") + "/api/rooms/" + code + "/export?format=json"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+hostKey)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", code, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", code, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("export %s: %s: %s", code, resp.Status, bytes.TrimSpace(data[:min(len(data), 200)]))
	}
	var ex roomExport
	if err := json.Unmarshal(data, &ex); err != nil {
		return nil, fmt.Errorf("export %s: %w", code, err)
	}
	return &ex, nil
}

// deleteRooms deletes every room the harness created, with its host key.
func deleteRooms(ctx context.Context, hc *http.Client, rooms []*room, v *VerifyReport) {
	for _, r := range rooms {
		if r.hostKey == "" {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, strings.TrimRight(r.target, "/")+"/api/rooms/"+r.code, nil)
		if err != nil {
			v.Errors = append(v.Errors, err.Error())
			continue
		}
		req.Header.Set("Authorization", "Bearer "+r.hostKey)
		resp, err := hc.Do(req)
		if err != nil {
			v.Errors = append(v.Errors, fmt.Sprintf("delete %s: %v", r.code, err))
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			v.Errors = append(v.Errors, fmt.Sprintf("delete %s: %s", r.code, resp.Status))
			continue
		}
		v.Deleted++
	}
}
