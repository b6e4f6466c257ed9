package hub

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// pollExportFixture is a room with polls filled over the HTTP API: p1
// single (options with a formula), p2 rating, p3 wordcloud, p4 text, p5
// quiz, by three audience members and the host.
type pollExportFixture struct {
	*exportFixture
	people []welcomeMsg
}

func newPollExportFixture(t *testing.T) *pollExportFixture {
	t.Helper()
	ts := newTestServer(t, Config{}, rooms.Config{})
	f := &pollExportFixture{exportFixture: &exportFixture{ts: ts, room: ts.createRoom(t, "Polls")}}
	code, host := f.room.Code, f.room.HostKey
	for range 3 {
		c, w, _ := ts.join(t, rooms.Hello{Room: code}, dialOpts{})
		c.drop()
		f.people = append(f.people, w)
	}
	do := func(bearer string, cmd map[string]any) {
		t.Helper()
		if status, body := ts.command(t, code, bearer, cmd); status != http.StatusOK {
			t.Fatalf("%v: %d %s", cmd, status, body)
		}
	}
	create := func(cmd map[string]any) {
		cmd["type"], cmd["state"] = "poll_create", "open"
		do(host, cmd)
	}
	create(map[string]any{"kind": "single", "title": "=Lunch?", "options": []string{"pizza", "=salad", "soup"}})
	create(map[string]any{"kind": "rating", "title": "How was it?"})
	create(map[string]any{"kind": "wordcloud", "title": "One word"})
	create(map[string]any{"kind": "text", "title": "Feedback"})
	create(map[string]any{"kind": "quiz", "title": "2+2", "options": []string{"3", "4"}, "correct": []int{1}})
	p0, p1, p2 := f.people[0].Token, f.people[1].Token, f.people[2].Token
	do(p0, map[string]any{"type": "vote", "poll": "p1", "choices": []int{0}})
	do(p1, map[string]any{"type": "vote", "poll": "p1", "choices": []int{1}})
	do(p2, map[string]any{"type": "vote", "poll": "p1", "choices": []int{0}})
	do(p2, map[string]any{"type": "vote", "poll": "p1", "choices": []int{1}}) // replaces
	do(p0, map[string]any{"type": "vote", "poll": "p2", "rating": 5})
	do(p1, map[string]any{"type": "vote", "poll": "p2", "rating": 4})
	do(p0, map[string]any{"type": "vote", "poll": "p3", "text": "Fast fun"})
	do(p1, map[string]any{"type": "vote", "poll": "p3", "text": "fun"})
	do(p1, map[string]any{"type": "vote", "poll": "p4", "text": "-more coffee"})
	do(p0, map[string]any{"type": "vote", "poll": "p4", "text": "他说：\"很好\", thanks"})
	do(host, map[string]any{"type": "vote", "poll": "p5", "choices": []int{1}})
	do(host, map[string]any{"type": "poll_set", "poll": "p2", "state": "closed", "reveal": true})
	return f
}

// voter returns the voter id of people[i].
func (f *pollExportFixture) voter(i int) string {
	return f.ts.svc.VoterID(f.room.Code, f.people[i].Participant)
}

func TestExportPollsJSON(t *testing.T) {
	f := newPollExportFixture(t)
	resp, body := f.get(t, f.exportPath("?format=json"), f.room.ModeratorKey)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	for _, w := range f.people {
		if bytes.Contains(body, []byte(w.Participant)) {
			t.Fatalf("the export names participant %s, who only voted", w.Participant)
		}
	}
	if !bytes.Contains(body, []byte(`"average": 4.50`)) {
		t.Fatalf("want the rating average with two decimals: %s", body)
	}
	var e struct {
		Polls []struct {
			ID      string   `json:"id"`
			Kind    string   `json:"kind"`
			Title   string   `json:"title"`
			Options []string `json:"options"`
			State   string   `json:"state"`
			Reveal  bool     `json:"reveal"`
			Correct []int    `json:"correct"`
			Results struct {
				Counts  []int64            `json:"counts"`
				Total   int64              `json:"total"`
				Average json.RawMessage    `json:"average"`
				Words   []rooms.ExportWord `json:"words"`
				Answers []string           `json:"answers"`
			} `json:"results"`
			Ballots []map[string]any `json:"ballots"`
		} `json:"polls"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Polls) != 5 {
		t.Fatalf("%d polls, want 5: %s", len(e.Polls), body)
	}
	single, rating, cloud, text, quiz := e.Polls[0], e.Polls[1], e.Polls[2], e.Polls[3], e.Polls[4]
	if single.Title != "=Lunch?" || fmt.Sprint(single.Results.Counts) != "[1 2 0]" || single.Results.Total != 3 || single.Correct != nil {
		t.Fatalf("single %+v", single)
	}
	ballots := func(p int) string {
		var parts []string
		for _, b := range e.Polls[p].Ballots {
			j, _ := json.Marshal(b)
			parts = append(parts, string(j))
		}
		return strings.Join(parts, " ")
	}
	wantSingle := map[string]string{f.voter(0): `[0]`, f.voter(1): `[1]`, f.voter(2): `[1]`}
	for _, b := range single.Ballots {
		j, _ := json.Marshal(b["choices"])
		if wantSingle[b["voter"].(string)] != string(j) || len(b) != 2 {
			t.Fatalf("single ballots %s, want %v", ballots(0), wantSingle)
		}
	}
	if rating.State != "closed" || !rating.Reveal || fmt.Sprint(rating.Results.Counts) != "[0 0 0 1 1]" || string(rating.Results.Average) != "4.50" {
		t.Fatalf("rating %+v", rating)
	}
	if fmt.Sprint(cloud.Results.Words) != "[{fun 2} {fast 1}]" || cloud.Results.Total != 2 {
		t.Fatalf("wordcloud %+v", cloud.Results)
	}
	if want := (`{"text":"-more coffee","voter":"` + f.voter(1) + `"} {"text":"他说：\"很好\", thanks","voter":"` + f.voter(0) + `"}`); ballots(3) != want {
		t.Fatalf("text ballots\n got %s\nwant %s", ballots(3), want)
	}
	if fmt.Sprint(text.Results.Answers) != `[-more coffee 他说："很好", thanks]` {
		t.Fatalf("text answers %q", text.Results.Answers)
	}
	if fmt.Sprint(quiz.Correct) != "[1]" || len(quiz.Ballots) != 1 || quiz.Ballots[0]["voter"] != f.ts.svc.VoterID(f.room.Code, rooms.HostParticipant) {
		t.Fatalf("quiz %+v", quiz)
	}
}

func TestExportPollsCSV(t *testing.T) {
	f := newPollExportFixture(t)
	resp, body := f.get(t, f.exportPath("?format=csv&key="+url.QueryEscape(f.room.HostKey)), "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	rest, ok := bytes.CutPrefix(body, []byte(utf8BOM))
	if !ok || bytes.Count(rest, []byte("\n")) != bytes.Count(rest, []byte("\r\n")) {
		t.Fatal("want a BOM and CRLF line ends")
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll() // every row as wide as the header
	if err != nil {
		t.Fatalf("parsing: %v\n%s", err, rest)
	}
	if strings.Join(rows[0], ",") != "section,id,time,author,participant,text,status,count,pinned,answered,answer,kind,option,voter" {
		t.Fatalf("header %q", rows[0])
	}
	col := make(map[string]int)
	for i, name := range rows[0] {
		col[name] = i
	}
	// One line per poll row: section id text status count kind option voter.
	var got []string
	for _, r := range rows[1:] {
		switch r[0] {
		case "poll", "poll_result", "ballot":
			got = append(got, strings.Join([]string{r[col["section"]], r[col["id"]], r[col["text"]], r[col["status"]],
				r[col["count"]], r[col["kind"]], r[col["option"]], r[col["voter"]]}, "|"))
			if r[col["participant"]] != "" || r[col["author"]] != "" {
				t.Fatalf("poll row %q names a participant", r)
			}
		}
	}
	// Ballots of kinds other than text are ordered by voter.
	byVoter := func(lines ...string) []string {
		out := append([]string(nil), lines...)
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j][strings.LastIndex(out[j], "|"):] < out[i][strings.LastIndex(out[i], "|"):] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	}
	v0, v1, v2, host := f.voter(0), f.voter(1), f.voter(2), f.ts.svc.VoterID(f.room.Code, rooms.HostParticipant)
	var want []string
	want = append(want,
		"poll|p1|'=Lunch?|open|3|single||",
		"poll_result|p1|pizza||1|single|0|",
		"poll_result|p1|'=salad||2|single|1|",
		"poll_result|p1|soup||0|single|2|")
	want = append(want, byVoter("ballot|p1|pizza|||single|0|"+v0, "ballot|p1|'=salad|||single|1|"+v1, "ballot|p1|'=salad|||single|1|"+v2)...)
	want = append(want,
		"poll|p2|How was it?|closed|2|rating||",
		"poll_result|p2|1||0|rating|1|", "poll_result|p2|2||0|rating|2|", "poll_result|p2|3||0|rating|3|",
		"poll_result|p2|4||1|rating|4|", "poll_result|p2|5||1|rating|5|",
		"poll_result|p2|||4.50|rating|average|")
	want = append(want, byVoter("ballot|p2|5|||rating|5|"+v0, "ballot|p2|4|||rating|4|"+v1)...)
	want = append(want,
		"poll|p3|One word|open|2|wordcloud||",
		"poll_result|p3|fun||2|wordcloud|fun|",
		"poll_result|p3|fast||1|wordcloud|fast|")
	want = append(want, byVoter("ballot|p3|fast fun|||wordcloud|fast fun|"+v0, "ballot|p3|fun|||wordcloud|fun|"+v1)...)
	want = append(want,
		"poll|p4|Feedback|open|2|text||",
		"ballot|p4|'-more coffee|||text||"+v1, // in the order cast
		"ballot|p4|他说：\"很好\", thanks|||text||"+v0,
		"poll|p5|2+2|open|1|quiz||",
		"poll_result|p5|3||0|quiz|0|",
		"poll_result|p5|4|correct|1|quiz|1|",
		"ballot|p5|4|||quiz|1|"+host)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("poll rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Polls come between the questions and the comments, as in the JSON.
	var sections []string
	for _, r := range rows[1:] {
		if len(sections) == 0 || sections[len(sections)-1] != r[0] {
			sections = append(sections, r[0])
		}
	}
	if strings.Join(sections, ",") != "room,poll,poll_result,ballot,poll,poll_result,ballot,poll,poll_result,ballot,poll,ballot,poll,poll_result,ballot,reaction" {
		t.Fatalf("sections in order: %v", sections)
	}
}
