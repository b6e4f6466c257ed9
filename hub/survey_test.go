package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// surveyResults is a `results` event, or the results of a `poll` event.
type surveyResults struct {
	Poll    string          `json:"poll"`
	Counts  []int64         `json:"counts"`
	Total   int64           `json:"total"`
	Average json.RawMessage `json:"average"`
	Answers []string        `json:"answers"`
}

// latestResults reads c's events until a `results` event of poll satisfies
// done, and returns it.
func latestResults(t *testing.T, c *wsClient, poll string, done func(surveyResults) bool) surveyResults {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last surveyResults
	for time.Now().Before(deadline) {
		ev, ok, _ := c.tryNext(time.Until(deadline))
		if !ok {
			break
		}
		if ev.Type != rooms.EventResults {
			continue
		}
		var r surveyResults
		ev.decode(t, &r)
		if r.Poll != poll {
			continue
		}
		if last = r; done(r) {
			return r
		}
	}
	t.Fatalf("no results of %s as wanted within %v; last %+v", poll, waitTimeout, last)
	return last
}

// TestFeedbackSurvey runs a closing feedback survey end to end with real
// clients: a rating poll and a text poll, opened together at the end of a
// talk. Staff see the rating distribution and average and every text answer
// live while people vote; the audience sees nothing of them until the host
// closes and reveals the survey, and then gets both in the `poll` events;
// the export carries both polls with every ballot, one person's rating and
// answer under one voter id.
func TestFeedbackSurvey(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Closing talk")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	moderator, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.ModeratorKey}, dialOpts{})
	ratings := []int{5, 4, 5, 3, 5, 2, 4, 5}
	answers := []string{"More live demos", "Slides were great", "Longer Q&A, please", "A bit fast",
		"Loved the examples", "Too much theory", "Share the code?", "<b>Bravo</b> & thanks"}
	people := make([]*wsClient, len(ratings))
	welcomes := make([]welcomeMsg, len(ratings))
	for i := range people {
		people[i], welcomes[i], _ = ts.join(t, rooms.Hello{Room: room.Code, Name: fmt.Sprintf("Person %d", i)}, dialOpts{})
	}

	// The survey is prepared as drafts (the audience sees nothing) and
	// opened at the end of the talk.
	rating := host.mustAck(1, map[string]any{"type": "poll_create", "kind": "rating", "title": "How was the talk?"})
	text := host.mustAck(2, map[string]any{"type": "poll_create", "kind": "text", "title": "What should we improve?"})
	var ids struct{ rating, text string }
	for _, a := range []struct {
		ack ackMsg
		id  *string
	}{{rating, &ids.rating}, {text, &ids.text}} {
		*a.id = pollOf(t, host, a.ack.Seq)
	}
	host.mustAck(3, map[string]any{"type": "poll_set", "poll": ids.rating, "state": "open"})
	host.mustAck(4, map[string]any{"type": "poll_set", "poll": ids.text, "state": "open"})
	for _, p := range people {
		for range 2 {
			if ev := p.nextOf(rooms.EventPoll); bytes.Contains(ev.raw, []byte(`"results"`)) {
				t.Fatalf("the audience's opened poll carries results: %s", ev)
			}
		}
	}

	// Everyone votes; person 3 changes their rating from 1 to 3.
	people[3].mustAck(10, map[string]any{"type": "vote", "poll": ids.rating, "rating": 1})
	for i, p := range people {
		p.mustAck(11, map[string]any{"type": "vote", "poll": ids.rating, "rating": ratings[i]})
		p.mustAck(12, map[string]any{"type": "vote", "poll": ids.text, "text": answers[i]})
	}
	dist, sum := make([]int64, rooms.MaxRating), 0
	for _, r := range ratings {
		dist[r-1]++
		sum += r
	}
	wantAverage := fmt.Sprintf("%.2f", float64(sum)/float64(len(ratings))) // 33/8 = 4.125 → 4.13 (half up)
	if wantAverage != "4.12" && wantAverage != "4.13" {
		t.Fatalf("scenario: average %s", wantAverage)
	}
	wantAverage = "4.13" // appendResults rounds half up
	wantAnswers := strings.Join(answers, "|")
	for _, staff := range []*wsClient{host, moderator} {
		r := latestResults(t, staff, ids.rating, func(r surveyResults) bool { return r.Total == int64(len(ratings)) })
		if fmt.Sprint(r.Counts) != fmt.Sprint(dist) || string(r.Average) != wantAverage {
			t.Fatalf("staff rating results %+v, want %v average %s", r, dist, wantAverage)
		}
		x := latestResults(t, staff, ids.text, func(r surveyResults) bool { return r.Total == int64(len(answers)) })
		if strings.Join(x.Answers, "|") != wantAnswers {
			t.Fatalf("staff text answers %q, want %q", x.Answers, answers)
		}
	}
	// The audience: nothing of the tallies, in events or a fresh snapshot.
	people[0].expectNo(rooms.EventResults, 800*time.Millisecond)
	_, _, snap := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for _, p := range people {
		for _, ev := range p.received() {
			if bytes.Contains(ev.raw, []byte(`"answers"`)) || bytes.Contains(ev.raw, []byte(`"average"`)) {
				t.Fatalf("the audience received %s before the reveal", ev)
			}
		}
	}
	if bytes.Contains(snap.raw, []byte("Slides were great")) || bytes.Contains(snap.raw, []byte(`"results"`)) {
		t.Fatalf("an audience snapshot carries the survey's results before the reveal: %s", snap)
	}

	// The host closes and reveals the survey: everyone gets the results.
	host.mustAck(20, map[string]any{"type": "poll_set", "poll": ids.rating, "state": "closed", "reveal": true})
	host.mustAck(21, map[string]any{"type": "poll_set", "poll": ids.text, "state": "closed", "reveal": true})
	for i, p := range people {
		var got [2]struct {
			ID      string        `json:"id"`
			State   string        `json:"state"`
			Results surveyResults `json:"results"`
		}
		p.nextOf(rooms.EventPoll).decode(t, &got[0])
		p.nextOf(rooms.EventPoll).decode(t, &got[1])
		if got[0].ID != ids.rating || got[0].State != rooms.PollClosed || fmt.Sprint(got[0].Results.Counts) != fmt.Sprint(dist) ||
			string(got[0].Results.Average) != wantAverage || got[0].Results.Total != int64(len(ratings)) {
			t.Fatalf("person %d: revealed rating %+v", i, got[0])
		}
		if got[1].ID != ids.text || strings.Join(got[1].Results.Answers, "|") != wantAnswers {
			t.Fatalf("person %d: revealed answers %+v", i, got[1])
		}
	}
	if e := people[0].mustError(30, map[string]any{"type": "vote", "poll": ids.rating, "rating": 1}); e.Code != rooms.CodeClosed {
		t.Fatalf("a vote after the survey closed: %+v, want closed", e)
	}
	_, _, late := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if !bytes.Contains(late.raw, []byte(`"average":`+wantAverage)) || !bytes.Contains(late.raw, []byte(`"Too much theory"`)) {
		t.Fatalf("a late joiner's snapshot lacks the revealed survey: %s", late)
	}

	// The export: both polls, and each person's rating and answer linked
	// by one voter id that is not their participant id.
	status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+"/export", room.HostKey, nil)
	if status != http.StatusOK {
		t.Fatalf("export: %d %s", status, body)
	}
	var e rooms.Export
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Polls) != 2 || e.Polls[0].ID != ids.rating || e.Polls[1].ID != ids.text ||
		fmt.Sprint(e.Polls[0].Results.Counts) != fmt.Sprint(dist) || string(e.Polls[0].Results.Average) != wantAverage ||
		strings.Join(e.Polls[1].Results.Answers, "|") != wantAnswers {
		t.Fatalf("export polls %+v", e.Polls)
	}
	ratingOf, answerOf := make(map[string]int), make(map[string]string)
	for _, b := range e.Polls[0].Ballots {
		ratingOf[b.Voter] = b.Rating
	}
	for _, b := range e.Polls[1].Ballots {
		answerOf[b.Voter] = b.Text
	}
	for i, w := range welcomes {
		v := ts.svc.VoterID(room.Code, w.Participant)
		if ratingOf[v] != ratings[i] || answerOf[v] != answers[i] {
			t.Fatalf("person %d (voter %s) in the export: rating %d, answer %q; want %d, %q", i, v, ratingOf[v], answerOf[v], ratings[i], answers[i])
		}
		if bytes.Contains(body, []byte(w.Participant)) {
			t.Fatalf("the export names person %d's participant id", i)
		}
	}
}

// pollOf returns the id of the poll whose `poll` event c received at seq.
func pollOf(t *testing.T, c *wsClient, seq uint64) string {
	t.Helper()
	ev, ok := c.take(func(ev event) bool { return ev.Type == rooms.EventPoll && ev.Seq == seq }, waitTimeout)
	if !ok {
		t.Fatalf("no poll event at seq %d", seq)
	}
	var p struct {
		ID string `json:"id"`
	}
	ev.decode(t, &p)
	return p.ID
}
