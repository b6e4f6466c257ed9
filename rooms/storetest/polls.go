package storetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// testPolls runs the rules of rooms.PollStore.
func testPolls(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *pollFixture)
	}{
		{"CreatePoll", testCreatePoll},
		{"DraftEvents", testDraftPollEvents},
		{"SetPoll", testSetPoll},
		{"RevealAndQuiz", testPollReveal},
		{"DeletePoll", testDeletePoll},
		{"Ballot", testBallot},
		{"BallotRefusals", testBallotRefusals},
		{"Tallies", testPollTallies},
		{"ResultsChanges", testResultsChanges},
		{"StateWithPolls", testStateWithPolls},
		{"ConcurrentBallots", testConcurrentBallots},
		{"ConcurrentReplacements", testConcurrentReplacements},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newStore, DefaultRetained)
			tt.fn(t, &pollFixture{fixture: f, ps: f.store})
		})
	}
}

// pollFixture is a fixture whose store is a PollStore.
type pollFixture struct {
	*fixture
	ps rooms.PollStore
}

// create makes a poll that must succeed.
func (f *pollFixture) create(p rooms.Poll) (rooms.Poll, rooms.Event) {
	f.t.Helper()
	if p.Options == nil {
		p.Options = []string{}
	}
	made, ev, err := f.ps.CreatePoll(f.ctx, f.code, p)
	if err != nil {
		f.t.Fatalf("CreatePoll: %v", err)
	}
	if ev.Seq == 0 {
		f.t.Fatal("CreatePoll: zero event")
	}
	f.made = append(f.made, ev)
	return made, ev
}

func (f *pollFixture) set(id string, patch rooms.PollPatch) (rooms.Event, rooms.Poll) {
	f.t.Helper()
	ev, p, err := f.ps.SetPoll(f.ctx, f.code, id, patch)
	if err != nil {
		f.t.Fatalf("SetPoll(%s): %v", id, err)
	}
	if ev.Seq != 0 {
		f.made = append(f.made, ev)
	}
	return ev, p
}

func (f *pollFixture) cast(id, participant string, b rooms.Ballot) bool {
	f.t.Helper()
	changed, err := f.ps.CastBallot(f.ctx, f.code, id, participant, b)
	if err != nil {
		f.t.Fatalf("CastBallot(%s, %s, %+v): %v", id, participant, b, err)
	}
	return changed
}

// poll returns the poll with its tally as StateWithPolls has it.
func (f *pollFixture) poll(id string) rooms.PollState {
	f.t.Helper()
	st, err := f.ps.StateWithPolls(f.ctx, f.code, 10)
	if err != nil {
		f.t.Fatalf("StateWithPolls: %v", err)
	}
	for _, p := range st.Polls {
		if p.Poll.ID == id {
			return p
		}
	}
	f.t.Fatalf("poll %s not in the state", id)
	return rooms.PollState{}
}

func choices(c ...int) rooms.Ballot { return rooms.Ballot{Choices: c} }

var (
	single = rooms.Poll{Kind: rooms.PollSingle, Title: "Lunch?", Options: []string{"pizza", "salad", "soup"}, Max: 1, State: rooms.PollOpen}
	multi  = rooms.Poll{Kind: rooms.PollMulti, Title: "Which <days>?", Options: []string{"mon", "tue", "wed"}, Max: 2, State: rooms.PollOpen}
	rating = rooms.Poll{Kind: rooms.PollRating, Title: "How was it?", State: rooms.PollOpen}
	cloud  = rooms.Poll{Kind: rooms.PollWordcloud, Title: "One word", State: rooms.PollOpen}
	text   = rooms.Poll{Kind: rooms.PollText, Title: "Feedback", State: rooms.PollOpen}
	quiz   = rooms.Poll{Kind: rooms.PollQuiz, Title: "2+2", Options: []string{"3", "4", "5"}, Max: 1, State: rooms.PollOpen, Correct: []int{1}}
)

func testCreatePoll(t *testing.T, f *pollFixture) {
	p1, ev1 := f.create(single)
	if p1.ID != "p1" || ev1.Seq != 1 {
		t.Fatalf("first poll %q at seq %d, want p1 at 1", p1.ID, ev1.Seq)
	}
	want := `{"type":"poll","seq":1,"id":"p1","kind":"single","title":"Lunch?","options":["pizza","salad","soup"],"max":1,"closes_at":0,"state":"open","reveal":false}`
	if string(ev1.Data) != want {
		t.Fatalf("audience event:\n got %s\nwant %s", ev1.Data, want)
	}
	wantStaff := strings.TrimSuffix(want, "}") + `,"results":{"counts":[0,0,0],"total":0}}`
	if string(ev1.Staff) != wantStaff || ev1.Owner != "" || ev1.Type != rooms.EventPoll {
		t.Fatalf("staff event:\n got %s\nwant %s", ev1.Staff, wantStaff)
	}
	p2, ev2 := f.create(quiz)
	if p2.ID != "p2" || ev2.Seq != 2 || !strings.Contains(string(ev2.Staff), `"correct":[1]`) || strings.Contains(string(ev2.Data), "correct") {
		t.Fatalf("quiz %q: %s / %s", p2.ID, ev2.Data, ev2.Staff)
	}
	got, err := f.ps.Poll(f.ctx, f.code, "p2")
	if err != nil || fmt.Sprint(got) != fmt.Sprint(p2) {
		t.Fatalf("Poll(p2) = %+v, %v; want %+v", got, err, p2)
	}
	_, err = f.ps.Poll(f.ctx, f.code, "p9")
	wantErr(t, "Poll(p9)", err, rooms.ErrPollNotFound)
	_, _, err = f.ps.CreatePoll(f.ctx, "NOROOM", single)
	wantErr(t, "CreatePoll in an unknown room", err, rooms.ErrRoomNotFound)
	// Closed rooms do not stop staff.
	f.update(rooms.RoomPatch{Closed: ptr(true)})
	f.create(rating)
	f.wantSeq(4)
	f.checkPublished()
}

func testDraftPollEvents(t *testing.T, f *pollFixture) {
	d := rating
	d.State = rooms.PollDraft
	p, ev := f.create(d)
	if want := `{"type":"poll_deleted","seq":1,"id":"p1"}`; string(ev.Data) != want {
		t.Fatalf("draft audience version %s, want %s", ev.Data, want)
	}
	if want := `{"type":"poll","seq":1,"id":"p1","kind":"rating","title":"How was it?","options":[],"max":0,"closes_at":0,"state":"draft","reveal":false,"results":{"counts":[0,0,0,0,0],"total":0,"average":0.00}}`; string(ev.Staff) != want {
		t.Fatalf("draft staff version:\n got %s\nwant %s", ev.Staff, want)
	}
	// Revealing a draft changes its event but still not for the audience.
	ev, _ = f.set(p.ID, rooms.PollPatch{Reveal: ptr(true)})
	if want := `{"type":"poll_deleted","seq":2,"id":"p1"}`; string(ev.Data) != want {
		t.Fatalf("revealed draft audience version %s", ev.Data)
	}
	ev, _ = f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)})
	if want := `{"type":"poll","seq":3,"id":"p1","kind":"rating","title":"How was it?","options":[],"max":0,"closes_at":0,"state":"open","reveal":true,"results":{"counts":[0,0,0,0,0],"total":0,"average":0.00}}`; string(ev.Data) != want || string(ev.Staff) != want {
		t.Fatalf("opened revealed poll:\n%s\n%s", ev.Data, ev.Staff)
	}
	f.checkPublished()
}

func testSetPoll(t *testing.T, f *pollFixture) {
	d := single
	d.State = rooms.PollDraft
	p, _ := f.create(d)
	_, _, err := f.ps.SetPoll(f.ctx, f.code, p.ID, rooms.PollPatch{State: ptr(rooms.PollClosed)})
	wantCode(t, "draft → closed", err, rooms.CodeConflict)
	ev, got := f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)})
	if got.State != rooms.PollOpen || ev.Seq != 2 {
		t.Fatalf("open: %+v at %d", got, ev.Seq)
	}
	// Same state again: nothing.
	if ev, _ := f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)}); ev.Seq != 0 {
		t.Fatalf("open again made seq %d", ev.Seq)
	}
	_, _, err = f.ps.SetPoll(f.ctx, f.code, p.ID, rooms.PollPatch{State: ptr(rooms.PollDraft)})
	wantCode(t, "open → draft", err, rooms.CodeConflict)
	f.cast(p.ID, "p_a", choices(2))
	ev, _ = f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollClosed)})
	if !strings.Contains(string(ev.Staff), `"state":"closed","reveal":false,"results":{"counts":[0,0,1],"total":1}}`) {
		t.Fatalf("closed poll's staff event carries the tally: %s", ev.Staff)
	}
	// Reopening keeps the ballots.
	f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)})
	if ps := f.poll(p.ID); ps.Tally.Total != 1 {
		t.Fatalf("reopened poll lost its ballots: %+v", ps.Tally)
	}
	_, _, err = f.ps.SetPoll(f.ctx, f.code, "p9", rooms.PollPatch{Reveal: ptr(true)})
	wantErr(t, "SetPoll(p9)", err, rooms.ErrPollNotFound)
	_, _, err = f.ps.SetPoll(f.ctx, "NOROOM", p.ID, rooms.PollPatch{Reveal: ptr(true)})
	wantErr(t, "SetPoll in an unknown room", err, rooms.ErrRoomNotFound)
	f.wantSeq(4)
	f.checkPublished()
}

func testPollReveal(t *testing.T, f *pollFixture) {
	q, _ := f.create(quiz)
	f.cast(q.ID, "p_a", choices(1))
	f.cast(q.ID, "p_b", choices(0))
	ev, _ := f.set(q.ID, rooms.PollPatch{Reveal: ptr(true)})
	// Open and revealed: results, but the answer only once closed.
	if want := `{"type":"poll","seq":2,"id":"p1","kind":"quiz","title":"2+2","options":["3","4","5"],"max":1,"seconds":0,"closes_at":0,"state":"open","reveal":true,"speed_bonus":false,"results":{"counts":[1,1,0],"total":2}}`; string(ev.Data) != want {
		t.Fatalf("revealed open quiz:\n got %s\nwant %s", ev.Data, want)
	}
	ev, _ = f.set(q.ID, rooms.PollPatch{State: ptr(rooms.PollClosed)})
	if want := `{"type":"poll","seq":3,"id":"p1","kind":"quiz","title":"2+2","options":["3","4","5"],"max":1,"seconds":0,"closes_at":0,"state":"closed","reveal":true,"speed_bonus":false,"correct":[1],"results":{"counts":[1,1,0],"total":2}}`; string(ev.Data) != want || string(ev.Staff) != want {
		t.Fatalf("revealed closed quiz:\n got %s\n     %s\nwant %s", ev.Data, ev.Staff, want)
	}
	ev, _ = f.set(q.ID, rooms.PollPatch{Reveal: ptr(false)})
	if strings.Contains(string(ev.Data), "correct") || strings.Contains(string(ev.Data), "results") {
		t.Fatalf("hidden again: %s", ev.Data)
	}
	f.checkPublished()
}

func testDeletePoll(t *testing.T, f *pollFixture) {
	p, _ := f.create(single)
	f.cast(p.ID, "p_a", choices(0))
	ev, err := f.ps.DeletePoll(f.ctx, f.code, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.made = append(f.made, ev)
	if want := `{"type":"poll_deleted","seq":2,"id":"p1"}`; string(ev.Data) != want || ev.Staff != nil || ev.Type != rooms.EventPollDeleted {
		t.Fatalf("poll_deleted: %s / %s", ev.Data, ev.Staff)
	}
	_, err = f.ps.DeletePoll(f.ctx, f.code, p.ID)
	wantErr(t, "deleting again", err, rooms.ErrPollNotFound)
	_, err = f.ps.CastBallot(f.ctx, f.code, p.ID, "p_b", choices(0))
	wantErr(t, "ballot for a deleted poll", err, rooms.ErrPollNotFound)
	if b, err := f.ps.Ballots(f.ctx, f.code, "p_a"); err != nil || len(b) != 0 {
		t.Fatalf("Ballots after delete: %v, %v", b, err)
	}
	if c, _ := f.ps.ResultsChanges(f.ctx, map[string]uint64{f.code: 0}); len(c[f.code].Results) != 0 {
		t.Fatalf("ResultsChanges after delete: %+v", c)
	}
	// Ids are not reused.
	if p2, _ := f.create(single); p2.ID != "p2" {
		t.Fatalf("next poll %s, want p2", p2.ID)
	}
	_, err = f.ps.DeletePoll(f.ctx, "NOROOM", "p1")
	wantErr(t, "DeletePoll in an unknown room", err, rooms.ErrRoomNotFound)
	f.checkPublished()
}

func testBallot(t *testing.T, f *pollFixture) {
	p, _ := f.create(multi)
	if !f.cast(p.ID, "p_a", choices(0, 1)) {
		t.Fatal("first ballot did not change")
	}
	if f.cast(p.ID, "p_a", choices(0, 1)) {
		t.Fatal("the same ballot again changed")
	}
	f.cast(p.ID, "p_b", choices(1))
	if ps := f.poll(p.ID); fmt.Sprint(ps.Tally.Counts) != "[1 2 0]" || ps.Tally.Total != 2 {
		t.Fatalf("tally %+v, want [1 2 0] of 2 people", ps.Tally)
	}
	// Replacing moves the counts.
	if !f.cast(p.ID, "p_a", choices(2)) {
		t.Fatal("a new ballot did not change")
	}
	if ps := f.poll(p.ID); fmt.Sprint(ps.Tally.Counts) != "[0 1 1]" || ps.Tally.Total != 2 {
		t.Fatalf("after replacing: %+v, want [0 1 1] of 2", ps.Tally)
	}
	b, err := f.ps.Ballots(f.ctx, f.code, "p_a")
	if err != nil || len(b) != 1 || !b[p.ID].Equal(choices(2)) {
		t.Fatalf("Ballots(p_a) = %+v, %v", b, err)
	}
	if b, _ := f.ps.Ballots(f.ctx, f.code, "p_nobody"); len(b) != 0 {
		t.Fatalf("Ballots(p_nobody) = %+v", b)
	}
	f.wantSeq(1) // ballots are not durable events
}

func testBallotRefusals(t *testing.T, f *pollFixture) {
	d := single
	d.State = rooms.PollDraft
	p, _ := f.create(d)
	try := func(what, id, participant string, b rooms.Ballot, want error) {
		t.Helper()
		_, err := f.ps.CastBallot(f.ctx, f.code, id, participant, b)
		wantErr(t, what, err, want)
	}
	try("draft", p.ID, "p_a", choices(0), rooms.ErrPollNotOpen)
	f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)})
	try("unknown poll", "p9", "p_a", choices(0), rooms.ErrPollNotFound)
	try("rating for single", p.ID, "p_a", rooms.Ballot{Rating: 3}, rooms.ErrBallotKind)
	try("two choices for single", p.ID, "p_a", choices(0, 1), rooms.ErrBallotChoices)
	try("option out of range", p.ID, "p_a", choices(3), rooms.ErrBallotChoices)
	f.cast(p.ID, "p_a", choices(0))
	f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollClosed)})
	try("closed", p.ID, "p_a", choices(1), rooms.ErrPollNotOpen)
	try("closed, new voter", p.ID, "p_b", choices(1), rooms.ErrPollNotOpen)
	f.set(p.ID, rooms.PollPatch{State: ptr(rooms.PollOpen)})
	if err := f.store.Ban(f.ctx, f.code, "p_bad"); err != nil {
		t.Fatal(err)
	}
	try("banned", p.ID, "p_bad", choices(0), rooms.ErrBanned)
	f.update(rooms.RoomPatch{Closed: ptr(true)})
	try("closed room", p.ID, "p_c", choices(0), rooms.ErrRoomClosed)
	_, err := f.ps.CastBallot(f.ctx, "NOROOM", p.ID, "p_c", choices(0))
	wantErr(t, "unknown room", err, rooms.ErrRoomNotFound)
	if ps := f.poll(p.ID); fmt.Sprint(ps.Tally.Counts) != "[1 0 0]" {
		t.Fatalf("refusals changed the tally: %+v", ps.Tally)
	}
}

func testPollTallies(t *testing.T, f *pollFixture) {
	r, _ := f.create(rating)
	f.cast(r.ID, "p_a", rooms.Ballot{Rating: 5})
	f.cast(r.ID, "p_b", rooms.Ballot{Rating: 4})
	f.cast(r.ID, "p_c", rooms.Ballot{Rating: 4})
	f.cast(r.ID, "p_c", rooms.Ballot{Rating: 2}) // replaces 4
	if ps := f.poll(r.ID); fmt.Sprint(ps.Tally.Counts) != "[0 1 0 1 1]" || ps.Tally.Total != 3 || ps.Tally.Sum != 11 {
		t.Fatalf("rating tally %+v", ps.Tally)
	}
	w, _ := f.create(cloud)
	f.cast(w.ID, "p_a", rooms.Ballot{Words: []string{"fun", "fast"}})
	f.cast(w.ID, "p_b", rooms.Ballot{Words: []string{"fun"}})
	f.cast(w.ID, "p_c", rooms.Ballot{Words: []string{"slow", "été"}})
	f.cast(w.ID, "p_c", rooms.Ballot{Words: []string{"fast"}}) // slow and été go
	if ps := f.poll(w.ID); fmt.Sprint(ps.Tally.Words) != "[{fast 2} {fun 2}]" || ps.Tally.Total != 3 || len(ps.Tally.Counts) != 0 {
		t.Fatalf("wordcloud tally %+v", ps.Tally)
	}
	x, _ := f.create(text)
	f.cast(x.ID, "p_a", rooms.Ballot{Text: "first"})
	f.cast(x.ID, "p_b", rooms.Ballot{Text: `"second"`})
	f.cast(x.ID, "p_a", rooms.Ballot{Text: "third"}) // replaces first, newest now
	if ps := f.poll(x.ID); fmt.Sprint(ps.Tally.Answers) != `["second" third]` || ps.Tally.Total != 2 {
		t.Fatalf("text tally %+v", ps.Tally)
	}
	for i := range rooms.MaxTextAnswers + 5 {
		f.cast(x.ID, "p_"+strconv.Itoa(i), rooms.Ballot{Text: "answer " + strconv.Itoa(i)})
	}
	ps := f.poll(x.ID)
	if len(ps.Tally.Answers) != rooms.MaxTextAnswers || ps.Tally.Answers[rooms.MaxTextAnswers-1] != "answer 104" || ps.Tally.Answers[0] != "answer 5" {
		t.Fatalf("text answers: %d, first %q, last %q", len(ps.Tally.Answers), ps.Tally.Answers[0], ps.Tally.Answers[len(ps.Tally.Answers)-1])
	}
	// A closed, revealed feedback survey (rating + text): staff event and
	// audience event carry the same results.
	ev, _ := f.set(r.ID, rooms.PollPatch{State: ptr(rooms.PollClosed), Reveal: ptr(true)})
	if want := `"results":{"counts":[0,1,0,1,1],"total":3,"average":3.67}}`; !strings.HasSuffix(string(ev.Data), want) || string(ev.Data) != string(ev.Staff) {
		t.Fatalf("rating event %s, want it to end with %s", ev.Data, want)
	}
	ev, _ = f.set(w.ID, rooms.PollPatch{Reveal: ptr(true)})
	if want := `"results":{"counts":[],"total":3,"words":{"fast":2,"fun":2}}}`; !strings.HasSuffix(string(ev.Data), want) {
		t.Fatalf("wordcloud event %s, want it to end with %s", ev.Data, want)
	}
}

func testResultsChanges(t *testing.T, f *pollFixture) {
	get := func(since map[string]uint64) map[string]rooms.ResultsChanges {
		t.Helper()
		c, err := f.ps.ResultsChanges(f.ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	p1, _ := f.create(single)
	p2, _ := f.create(rating)
	if c := get(map[string]uint64{f.code: 0, "NOROOM": 0}); len(c) != 0 {
		t.Fatalf("no ballots yet: %+v", c)
	}
	f.cast(p1.ID, "p_a", choices(1))
	f.cast(p2.ID, "p_a", rooms.Ballot{Rating: 3})
	c := get(map[string]uint64{f.code: 0})[f.code]
	if c.Version == 0 || len(c.Results) != 2 || c.Results[0].ID != p1.ID || c.Results[1].ID != p2.ID ||
		c.Results[0].Kind != rooms.PollSingle || c.Results[0].Revealed || fmt.Sprint(c.Results[1].Tally.Counts) != "[0 0 1 0 0]" {
		t.Fatalf("ResultsChanges since 0: %+v", c)
	}
	v := c.Version
	if c := get(map[string]uint64{f.code: v}); len(c) != 0 {
		t.Fatalf("nothing changed since %d: %+v", v, c)
	}
	f.cast(p2.ID, "p_a", rooms.Ballot{Rating: 3}) // the same ballot: no change
	if c := get(map[string]uint64{f.code: v}); len(c) != 0 {
		t.Fatalf("a repeated ballot changed the version: %+v", c)
	}
	f.set(p2.ID, rooms.PollPatch{Reveal: ptr(true)})
	f.cast(p2.ID, "p_b", rooms.Ballot{Rating: 5})
	c = get(map[string]uint64{f.code: v})[f.code]
	if c.Version <= v || len(c.Results) != 1 || c.Results[0].ID != p2.ID || !c.Results[0].Revealed || c.Results[0].Tally.Total != 2 || c.Results[0].Tally.Sum != 8 {
		t.Fatalf("ResultsChanges since %d: %+v", v, c)
	}
}

func testStateWithPolls(t *testing.T, f *pollFixture) {
	d := text
	d.State = rooms.PollDraft
	f.create(d)
	p2, _ := f.create(quiz)
	f.cast(p2.ID, "p_a", choices(2))
	f.comment("p_a", "hello", "")
	st, err := f.ps.StateWithPolls(f.ctx, f.code, 10)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != 3 || len(st.Polls) != 2 || len(st.Comments) != 1 || st.Polls[0].Poll.ID != "p1" || st.Polls[0].Poll.State != rooms.PollDraft ||
		fmt.Sprint(st.Polls[1].Poll.Correct) != "[1]" || fmt.Sprint(st.Polls[1].Tally.Counts) != "[0 0 1]" || st.Polls[1].Tally.Total != 1 {
		t.Fatalf("StateWithPolls: %+v", st)
	}
	_, err = f.ps.StateWithPolls(f.ctx, "NOROOM", 10)
	wantErr(t, "StateWithPolls of an unknown room", err, rooms.ErrRoomNotFound)
}

func testConcurrentBallots(t *testing.T, f *pollFixture) {
	const n = 1000
	p, _ := f.create(multi)
	var changed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			b := choices(i % 3)
			if i%2 == 0 {
				b = choices(0, 2)
			}
			c, err := f.ps.CastBallot(f.ctx, f.code, p.ID, "p_"+strconv.Itoa(i), b)
			if err != nil {
				t.Errorf("CastBallot %d: %v", i, err)
			}
			if c {
				changed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	// Even i: {0,2}; odd i: i%3.
	want := make([]int64, 3)
	for i := range n {
		if i%2 == 0 {
			want[0]++
			want[2]++
		} else {
			want[i%3]++
		}
	}
	ps := f.poll(p.ID)
	if fmt.Sprint(ps.Tally.Counts) != fmt.Sprint(want) || ps.Tally.Total != n || changed.Load() != n {
		t.Fatalf("%d concurrent ballots: %+v (%d changes); want %v of %d", n, ps.Tally, changed.Load(), want, n)
	}
	c, _ := f.ps.ResultsChanges(f.ctx, map[string]uint64{f.code: 0})
	if r := c[f.code].Results; len(r) != 1 || r[0].Tally.Total != n {
		t.Fatalf("ResultsChanges: %+v", c[f.code])
	}
	f.wantSeq(1)
}

func testConcurrentReplacements(t *testing.T, f *pollFixture) {
	const participants, actions = 100, 20
	p, _ := f.create(rating)
	last := make([]int, participants)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range participants {
		wg.Go(func() {
			<-start
			for range actions {
				r := 1 + rand.IntN(rooms.MaxRating)
				if _, err := f.ps.CastBallot(f.ctx, f.code, p.ID, "p_"+strconv.Itoa(i), rooms.Ballot{Rating: r}); err != nil {
					t.Errorf("CastBallot: %v", err)
					return
				}
				last[i] = r
			}
		})
	}
	close(start)
	wg.Wait()
	want, sum := make([]int64, rooms.MaxRating), int64(0)
	for _, r := range last {
		want[r-1]++
		sum += int64(r)
	}
	ps := f.poll(p.ID)
	if fmt.Sprint(ps.Tally.Counts) != fmt.Sprint(want) || ps.Tally.Total != participants || ps.Tally.Sum != sum {
		t.Fatalf("after racing replacements: %+v; want %v, sum %d", ps.Tally, want, sum)
	}
}
