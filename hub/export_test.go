package hub

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// exportFixture is a room filled over the HTTP API, and the participants
// who filled it.
type exportFixture struct {
	ts      *testServer
	room    rooms.Created
	ada     welcomeMsg // named
	bob     welcomeMsg // asks anonymously
	voters  []welcomeMsg
	started time.Time
}

const (
	formulaComment = "=SUM(A1:A2)"
	chineseComment = "他说：\"你好\"\n再见，\"quoted\", too"
	// chineseStored is chineseComment as the server keeps it: line breaks
	// become spaces.
	chineseStored = "他说：\"你好\" 再见，\"quoted\", too"
)

func newExportFixture(t *testing.T) *exportFixture {
	t.Helper()
	ts := newTestServer(t, Config{}, rooms.Config{SnapshotComments: 2})
	f := &exportFixture{ts: ts, room: ts.createRoom(t, "Q&A \"all hands\""), started: time.Now()}
	code, host := f.room.Code, f.room.HostKey
	participant := func() welcomeMsg {
		c, w, _ := ts.join(t, rooms.Hello{Room: code}, dialOpts{})
		c.drop()
		return w
	}
	f.ada, f.bob = participant(), participant()
	for range 3 {
		f.voters = append(f.voters, participant())
	}
	do := func(bearer string, cmd map[string]any) {
		t.Helper()
		if status, body := ts.command(t, code, bearer, cmd); status != http.StatusOK {
			t.Fatalf("%v: %d %s", cmd, status, body)
		}
	}
	do(f.ada.Token, map[string]any{"type": "ask", "text": "What comes next?", "name": "Ada"})                   // q1
	do(f.bob.Token, map[string]any{"type": "ask", "text": "Is it recorded?", "anonymous": true, "name": "Bob"}) // q2
	do(host, map[string]any{"type": "question_set", "question": "q1", "status": "answered", "answer": "Next week, in room 4."})
	do(host, map[string]any{"type": "room_set", "moderation": true})
	do(f.ada.Token, map[string]any{"type": "ask", "text": "-1 if this stays pending", "name": "Ada"}) // q3
	for _, v := range f.voters {
		do(v.Token, map[string]any{"type": "upvote", "question": "q2"})
	}
	do(f.bob.Token, map[string]any{"type": "upvote", "question": "q1"})
	do(host, map[string]any{"type": "question_set", "question": "q2", "pinned": true})
	do(f.ada.Token, map[string]any{"type": "comment", "text": formulaComment, "name": "Ada"})
	do(f.bob.Token, map[string]any{"type": "comment", "text": chineseComment, "name": "Bob"})
	do(f.voters[0].Token, map[string]any{"type": "comment", "text": "third"})
	for _, kind := range []string{"like", "like", "wow"} {
		do(f.voters[1].Token, map[string]any{"type": "react", "kind": kind})
	}
	return f
}

// get sends GET path with an optional bearer and returns the response with
// its body read.
func (f *exportFixture) get(t *testing.T, path, bearer string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := f.ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func (f *exportFixture) exportPath(query string) string {
	return "/api/rooms/" + f.room.Code + "/export" + query
}

func (f *exportFixture) wantFilename(t *testing.T, resp *http.Response, ext string) {
	t.Helper()
	want := `attachment; filename="hubbub-` + f.room.Code + "-" + time.Now().UTC().Format("20060102") + "." + ext + `"`
	if got := resp.Header.Get("Content-Disposition"); got != want {
		t.Fatalf("Content-Disposition %q, want %q", got, want)
	}
}

// wantQuestions are the scenario's questions as an export lists them,
// without the times.
func (f *exportFixture) wantQuestions() []rooms.ExportQuestion {
	return []rooms.ExportQuestion{
		{ID: "q1", Text: "What comes next?", Status: "answered", Answered: true, Votes: 1, Answer: "Next week, in room 4.",
			Author: "Ada"},
		{ID: "q2", Text: "Is it recorded?", Status: "live", Votes: 3, Pinned: true,
			Author: "anonymous", Anonymous: true},
		{ID: "q3", Text: "-1 if this stays pending", Status: "pending", Author: "Ada"},
	}
}

// wantHandle fails unless an export's participant column is an item handle
// seen on no other item, and no participant id of the fixture.
func (f *exportFixture) wantHandle(t *testing.T, what, v string, seen map[string]bool) {
	t.Helper()
	if !rooms.IsHandle(v) || seen[v] {
		t.Fatalf("%s: participant %q, want a handle of its own", what, v)
	}
	seen[v] = true
}

func TestExportJSON(t *testing.T) {
	f := newExportFixture(t)
	resp, body := f.get(t, f.exportPath(""), f.room.ModeratorKey) // json is the default
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	f.wantFilename(t, resp, "json")
	if !bytes.Contains(body, []byte("\n  \"room\": {")) || !bytes.Contains(body, []byte(`"polls": []`)) ||
		!bytes.Contains(body, []byte(`"created_at": "`)) ||
		!bytes.Contains(body, []byte(`"title": "Q&A \"all hands\""`)) {
		t.Fatalf("want indented JSON with an empty polls array and unescaped &: %s", body)
	}

	var e rooms.Export
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decoding the export: %v", err)
	}
	if e.Room.Code != f.room.Code || e.Room.Title != `Q&A "all hands"` || !e.Room.Moderation || e.Format != rooms.ExportFormat {
		t.Fatalf("room %+v, format %q", e.Room, e.Format)
	}
	want := f.wantQuestions()
	if len(e.Questions) != len(want) {
		t.Fatalf("questions %+v", e.Questions)
	}
	seen := map[string]bool{}
	for i, q := range e.Questions {
		at, err := time.Parse(time.RFC3339, q.AskedAt)
		if err != nil || !strings.HasSuffix(q.AskedAt, "Z") || at.Unix() != q.AskedAtMS/1000 ||
			q.AskedAtMS < f.started.UnixMilli() || q.AskedAtMS > time.Now().UnixMilli() {
			t.Fatalf("question %s asked at %q, %d ms", q.ID, q.AskedAt, q.AskedAtMS)
		}
		want[i].AskedAt, want[i].AskedAtMS = q.AskedAt, q.AskedAtMS
		f.wantHandle(t, "question "+q.ID, q.Participant, seen)
		want[i].Participant, want[i].Handle = q.Participant, q.Participant
		if q != want[i] {
			t.Fatalf("question %d:\n got %+v\nwant %+v", i, q, want[i])
		}
	}
	for _, p := range []string{f.ada.Participant, f.bob.Participant, f.voters[0].Participant} {
		if bytes.Contains(body, []byte(p)) {
			t.Fatalf("the export carries participant id %s", p)
		}
	}
	wantComments := []struct{ text, author string }{
		{formulaComment, "Ada"},
		{chineseStored, "Bob"},
		{"third", "anonymous"},
	}
	if len(e.Comments) != len(wantComments) {
		t.Fatalf("comments %+v", e.Comments) // all of them, though a snapshot carries 2
	}
	for i, c := range e.Comments {
		w := wantComments[i]
		if c.Text != w.text || c.Author != w.author || c.Handle != c.Participant || c.AtMS == 0 || c.At == "" {
			t.Fatalf("comment %d: %+v, want %+v", i, c, w)
		}
		f.wantHandle(t, "comment "+c.ID, c.Participant, seen)
	}
	if e.Reactions != (rooms.Reactions{2, 0, 0, 0, 1}) {
		t.Fatalf("reactions %v", e.Reactions)
	}
	wantStats := rooms.ExportStats{Questions: 3, Live: 1, Answered: 1, Pending: 1, Upvotes: 4, Comments: 3, Reactions: 3, Contributors: 3, Askers: 2}
	if e.Stats != wantStats {
		t.Fatalf("stats %+v, want %+v", e.Stats, wantStats)
	}
}

func TestExportCSV(t *testing.T) {
	f := newExportFixture(t)
	// The key as a query parameter, as a download link sends it.
	resp, body := f.get(t, f.exportPath("?format=csv&key="+url.QueryEscape(f.room.HostKey)), "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	f.wantFilename(t, resp, "csv")
	rest, ok := bytes.CutPrefix(body, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("no UTF-8 BOM: % x", body[:min(8, len(body))])
	}
	if n := bytes.Count(rest, []byte("\n")); n == 0 || n != bytes.Count(rest, []byte("\r\n")) {
		t.Fatalf("want CRLF line ends: %q", rest)
	}
	r := csv.NewReader(bytes.NewReader(rest))
	rows, err := r.ReadAll() // also checks every row has the header's width
	if err != nil {
		t.Fatalf("parsing the CSV: %v\n%s", err, rest)
	}
	if strings.Join(rows[0], ",") != strings.Join(csvHeader, ",") {
		t.Fatalf("header %q", rows[0])
	}
	col := make(map[string]int)
	for i, name := range rows[0] {
		col[name] = i
	}
	bySection := make(map[string][][]string)
	for _, row := range rows[1:] {
		bySection[row[0]] = append(bySection[row[0]], row)
	}

	room := bySection["room"]
	if len(room) != 1 || room[0][col["id"]] != f.room.Code || room[0][col["text"]] != `Q&A "all hands"` || room[0][col["status"]] != "open" {
		t.Fatalf("room rows %q", room)
	}
	questions := bySection["question"]
	want := f.wantQuestions()
	if len(questions) != len(want) {
		t.Fatalf("question rows %q", questions)
	}
	seen := map[string]bool{}
	for i, row := range questions {
		w := want[i]
		text := w.Text
		if strings.HasPrefix(text, "-") {
			text = "'" + text // neutralized
		}
		f.wantHandle(t, "question row "+w.ID, row[col["participant"]], seen)
		if row[col["id"]] != w.ID || row[col["text"]] != text || row[col["author"]] != w.Author ||
			row[col["status"]] != w.Status ||
			row[col["count"]] != map[string]string{"q1": "1", "q2": "3", "q3": "0"}[w.ID] ||
			row[col["pinned"]] != map[bool]string{true: "true", false: "false"}[w.Pinned] ||
			row[col["answered"]] != map[bool]string{true: "true", false: "false"}[w.Answered] ||
			row[col["answer"]] != w.Answer {
			t.Fatalf("question row %d: %q, want %+v", i, row, w)
		}
		at, err := time.Parse(time.RFC3339, row[col["time"]])
		if err != nil || !strings.HasSuffix(row[col["time"]], "Z") || at.Before(f.started.Truncate(time.Second)) {
			t.Fatalf("question row %d: time %q", i, row[col["time"]])
		}
	}
	comments := bySection["comment"]
	if len(comments) != 3 {
		t.Fatalf("comment rows %q", comments)
	}
	if got := comments[0][col["text"]]; got != "'"+formulaComment {
		t.Fatalf("formula cell %q, want it neutralized as %q", got, "'"+formulaComment)
	}
	if got := comments[1][col["text"]]; got != chineseStored || comments[1][col["author"]] != "Bob" {
		t.Fatalf("Chinese comment %q by %q, want %q", got, comments[1][col["author"]], chineseStored)
	}
	if comments[2][col["author"]] != "anonymous" {
		t.Fatalf("anonymous comment row %q", comments[2])
	}
	for _, row := range comments {
		f.wantHandle(t, "comment row "+row[col["id"]], row[col["participant"]], seen)
	}
	reactions := map[string]string{}
	for _, row := range bySection["reaction"] {
		reactions[row[col["id"]]] = row[col["count"]]
	}
	if len(reactions) != len(rooms.ReactionKinds) || reactions["like"] != "2" || reactions["wow"] != "1" || reactions["clap"] != "0" {
		t.Fatalf("reaction rows %v", reactions)
	}
}

func TestExportAuth(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Auth")
	f := &exportFixture{ts: ts, room: room}
	_, audience, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	for _, c := range []struct {
		what, path, bearer string
		status             int
		code               string
	}{
		{"no credential", f.exportPath(""), "", http.StatusUnauthorized, rooms.CodeUnauthorized},
		{"audience token", f.exportPath(""), audience.Token, http.StatusForbidden, rooms.CodeForbidden},
		{"audience token as key", f.exportPath("?key=" + url.QueryEscape(audience.Token)), "", http.StatusForbidden, rooms.CodeForbidden},
		{"forged key", f.exportPath(""), "mk_forged", http.StatusUnauthorized, rooms.CodeUnauthorized},
		{"moderator key", f.exportPath("?format=json"), room.ModeratorKey, http.StatusOK, ""},
		{"host key as key, csv", f.exportPath("?format=csv&key=" + url.QueryEscape(room.HostKey)), "", http.StatusOK, ""},
		{"lower-case code", "/api/rooms/" + strings.ToLower(room.Code) + "/export", room.HostKey, http.StatusOK, ""},
		{"unknown room", "/api/rooms/ZZZZZZ/export", room.ModeratorKey, http.StatusNotFound, rooms.CodeNotFound},
		{"bad format", f.exportPath("?format=xlsx"), room.ModeratorKey, http.StatusBadRequest, rooms.CodeBadRequest},
		{"empty format", f.exportPath("?format="), room.ModeratorKey, http.StatusBadRequest, rooms.CodeBadRequest},
	} {
		resp, body := f.get(t, c.path, c.bearer)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.what, resp.StatusCode, body, c.status)
			continue
		}
		if c.code == "" {
			continue
		}
		var e errorMsg
		if err := json.Unmarshal(body, &e); err != nil || e.Type != "error" || e.Code != c.code || e.Message == "" {
			t.Errorf("%s: body %s, want an error event with code %s", c.what, body, c.code)
		}
	}
}

// TestExportCSVEncoding checks the CSV writer on cells the server's text
// cleaning never lets through (line breaks, tabs, carriage returns) and on
// every formula trigger.
func TestExportCSVEncoding(t *testing.T) {
	tricky := []string{"=1+1", "+SUM(A1)", "-2", "@cmd", "\tTAB", "\rCR", "line\nbreak", `"quoted", comma`, "中文 ‘引号’", "plain", ""}
	e := rooms.Export{Room: rooms.ExportRoom{Room: rooms.Room{Code: "K7QX2M", Title: "=HYPERLINK(\"http://x\")"}}}
	for i, s := range tricky {
		e.Comments = append(e.Comments, rooms.ExportComment{ID: "c" + string(rune('a'+i)), Text: s, Author: s})
	}
	body := encodeExportCSV(e)
	rest, ok := bytes.CutPrefix(body, []byte(utf8BOM))
	if !ok {
		t.Fatal("no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("parsing: %v\n%q", err, rest)
	}
	if got := rows[1][5]; got != `'=HYPERLINK("http://x")` {
		t.Fatalf("title cell %q", got)
	}
	for i, s := range tricky {
		row := rows[2+i]
		want := s
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			want = "'" + s
		}
		// With UseCRLF, encoding/csv writes a \n in a cell as \r\n (read
		// back as \n) and drops a lone \r: the quote that neutralized a
		// leading \r stays in front of what follows it.
		want = strings.ReplaceAll(want, "\r", "")
		got := strings.ReplaceAll(row[5], "\r", "")
		if got != want || row[3] != row[5] {
			t.Fatalf("cell %q: got text %q author %q, want %q", s, row[5], row[3], want)
		}
	}
}

// TestExportReportPart: the report page gets what it draws, not the room:
// part=report has the 10 questions with the most votes, polls with results
// and no ballots, no comments, and the whole room's stats (askers among
// them, staff left out).
func TestExportReportPart(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Report")
	var people []welcomeMsg
	for range 14 {
		c, w, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
		c.drop()
		people = append(people, w)
	}
	ids := make([]string, 0, 14)
	for i, p := range people {
		status, body := ts.command(t, room.Code, p.Token, map[string]any{"type": "ask", "text": fmt.Sprintf("Question %d?", i)})
		if status != http.StatusOK {
			t.Fatalf("ask: %d %s", status, body)
		}
		var ack struct{ Question string }
		_ = json.Unmarshal(body, &ack)
		ids = append(ids, ack.Question)
	}
	for i, p := range people { // question k gets k upvotes
		for k := i + 1; k < len(ids); k++ {
			ts.command(t, room.Code, p.Token, map[string]any{"type": "upvote", "question": ids[k]})
		}
		ts.comment(t, room.Code, p.Token, fmt.Sprintf("comment %d", i))
	}
	ts.command(t, room.Code, room.HostKey, map[string]any{"type": "ask", "text": "From the host?"})
	status, body := ts.command(t, room.Code, room.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "Lunch?", "options": []string{"a", "b"}, "state": "open"})
	var made struct{ Poll string }
	if _ = json.Unmarshal(body, &made); status != http.StatusOK || made.Poll == "" {
		t.Fatalf("poll: %d %s", status, body)
	}
	for _, p := range people {
		ts.command(t, room.Code, p.Token, map[string]any{"type": "vote", "poll": made.Poll, "choices": []int{0}})
	}

	path := "/api/rooms/" + room.Code + "/export?format=json"
	_, fullBody := ts.request(t, http.MethodGet, path, room.HostKey, nil)
	status, reportBody := ts.request(t, http.MethodGet, path+"&part=report", room.HostKey, nil)
	if status != http.StatusOK {
		t.Fatalf("part=report: %d %s", status, reportBody)
	}
	var full, report rooms.Export
	if err := json.Unmarshal(fullBody, &full); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(reportBody, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Questions) != rooms.ReportQuestions || report.Questions[0].ID != ids[13] || report.Questions[9].ID != ids[4] {
		t.Fatalf("report questions: %d, first %s, tenth %s", len(report.Questions), report.Questions[0].ID, report.Questions[min(9, len(report.Questions)-1)].ID)
	}
	if len(report.Comments) != 0 || len(report.Polls) != 1 || len(report.Polls[0].Ballots) != 0 || report.Polls[0].Results.Total != 14 {
		t.Fatalf("report: %d comments, polls %+v", len(report.Comments), report.Polls)
	}
	if report.Stats != full.Stats || report.Stats.Askers != 14 || report.Stats.Questions != 15 || report.Stats.Comments != 14 {
		t.Fatalf("report stats %+v, full %+v", report.Stats, full.Stats)
	}
	t.Logf("export %d bytes, report part %d bytes", len(fullBody), len(reportBody))
	if len(reportBody) >= len(fullBody)/2 {
		t.Fatalf("the report part (%d bytes) is not much smaller than the export (%d)", len(reportBody), len(fullBody))
	}
	if status, _ := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+"/export?format=csv&part=report", room.HostKey, nil); status != http.StatusBadRequest {
		t.Fatalf("csv part=report: %d", status)
	}
}
