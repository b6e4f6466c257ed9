package hub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// quizPollMsg is a `poll` event as these tests read it.
type quizPollMsg struct {
	ID       string          `json:"id"`
	State    string          `json:"state"`
	Reveal   bool            `json:"reveal"`
	Seconds  int             `json:"seconds"`
	ClosesAt int64           `json:"closes_at"`
	Correct  json.RawMessage `json:"correct"`
}

// leaderboardMsg is a `leaderboard` event.
type leaderboardMsg struct {
	Poll     string              `json:"poll"`
	Question []rooms.LeaderEntry `json:"question"`
	Room     []rooms.LeaderEntry `json:"room"`
}

// makePoll sends poll_create and returns the new poll's id.
func makePoll(t *testing.T, c *wsClient, id int64, cmd map[string]any) string {
	t.Helper()
	cmd["type"] = rooms.TypePollCreate
	ev := c.request(id, cmd)
	var ack struct {
		Type string `json:"type"`
		Poll string `json:"poll"`
	}
	ev.decode(t, &ack)
	if ack.Type != rooms.EventAck || ack.Poll == "" {
		t.Fatalf("poll_create %v: %s", cmd, ev)
	}
	return ack.Poll
}

// nextPoll returns the next `poll` event of poll id.
func nextPoll(t *testing.T, c *wsClient, id string) quizPollMsg {
	t.Helper()
	for {
		var p quizPollMsg
		c.nextOf(rooms.EventPoll).decode(t, &p)
		if p.ID == id {
			return p
		}
	}
}

// nextLeaderboard returns the next `leaderboard` event of quiz id.
func nextLeaderboard(t *testing.T, c *wsClient, id string) leaderboardMsg {
	t.Helper()
	for {
		var lb leaderboardMsg
		c.nextOf(rooms.EventLeaderboard).decode(t, &lb)
		if lb.Poll == id {
			return lb
		}
	}
}

// TestQuizTimerClosesWithoutHost: a 1-second quiz closes on the server's
// timer — a durable `poll` event reaches everyone without any host action,
// not before closes_at — and ballots after it are refused.
func TestQuizTimerClosesWithoutHost(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Quiz")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	player, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Ada"}, dialOpts{})
	before := time.Now().UnixMilli()
	id := makePoll(t, host, 1, map[string]any{"kind": "quiz", "title": "2+2", "options": []string{"3", "4"},
		"correct": []int{1}, "seconds": 1, "state": "open"})
	opened := nextPoll(t, player, id)
	if opened.State != rooms.PollOpen || opened.Seconds != 1 || opened.ClosesAt < before+1000 || opened.ClosesAt > time.Now().UnixMilli()+1000 {
		t.Fatalf("opened quiz %+v, want closes_at one second from its creation", opened)
	}
	player.mustAck(2, map[string]any{"type": "vote", "poll": id, "choices": []int{1}})

	closed := nextPoll(t, player, id)
	if now := time.Now().UnixMilli(); closed.State != rooms.PollClosed || closed.ClosesAt != opened.ClosesAt || now < opened.ClosesAt {
		t.Fatalf("at %d the player got %+v, want the quiz closed at %d", now, closed, opened.ClosesAt)
	}
	e := player.mustError(3, map[string]any{"type": "vote", "poll": id, "choices": []int{0}})
	if e.Code != rooms.CodeClosed {
		t.Fatalf("late ballot: %+v, want code closed", e)
	}
	// Staff get the question's leaderboard at once; the audience only
	// once the answers are revealed.
	lb := nextLeaderboard(t, host, id)
	if len(lb.Question) != 1 || lb.Question[0].Name != "Ada" || lb.Question[0].Points < rooms.QuizBasePoints || lb.Question[0].Rank != 1 {
		t.Fatalf("host's leaderboard %+v", lb)
	}
	player.expectNo(rooms.EventLeaderboard, 300*time.Millisecond)
	host.mustAck(4, map[string]any{"type": "poll_set", "poll": id, "reveal": true})
	if got := nextLeaderboard(t, player, id); len(got.Question) != 1 || got.Question[0] != lb.Question[0] {
		t.Fatalf("player's leaderboard after the reveal %+v, want %+v", got, lb)
	}
}

// testClock is a rooms.Config.Now the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestQuizLateBallotRefused: once the server's clock reaches closes_at a
// ballot is refused as "time is up", even while no instance has closed the
// quiz yet (no client was in the room to run its timer); the first client
// to join starts the room's timer, which closes the overdue quiz at once.
func TestQuizLateBallotRefused(t *testing.T) {
	clock := &testClock{now: time.Now()}
	ts := newTestServer(t, Config{}, rooms.Config{Now: clock.Now})
	room := ts.createRoom(t, "Quiz")
	status, body := ts.command(t, room.Code, room.HostKey, map[string]any{"type": "poll_create", "kind": "quiz", "title": "2+2",
		"options": []string{"3", "4"}, "correct": []int{1}, "seconds": 5, "state": "open"})
	var ack struct {
		Poll string `json:"poll"`
	}
	if err := json.Unmarshal(body, &ack); status != http.StatusOK || err != nil || ack.Poll == "" {
		t.Fatalf("poll_create: %d %s", status, body)
	}
	vote := map[string]any{"type": "vote", "poll": ack.Poll, "choices": []int{1}}
	clock.Advance(4999 * time.Millisecond)
	if status, body := ts.command(t, room.Code, room.HostKey, vote); status != http.StatusOK {
		t.Fatalf("ballot 1 ms before the end: %d %s", status, body)
	}
	clock.Advance(time.Millisecond)
	status, body = ts.command(t, room.Code, room.HostKey, map[string]any{"type": "vote", "poll": ack.Poll, "choices": []int{0}})
	var refusal errorMsg
	if err := json.Unmarshal(body, &refusal); status != http.StatusConflict || err != nil || refusal.Code != rooms.CodeClosed || !strings.Contains(refusal.Message, "time is up") {
		t.Fatalf("ballot at closes_at: %d %s, want 409 closed, time is up", status, body)
	}

	watcher, _, snap := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	var s struct {
		Polls []quizPollMsg `json:"polls"`
	}
	snap.decode(t, &s)
	if len(s.Polls) != 1 {
		t.Fatalf("snapshot polls %+v", s.Polls)
	}
	if s.Polls[0].State != rooms.PollClosed { // else the close follows the snapshot
		if p := nextPoll(t, watcher, ack.Poll); p.State != rooms.PollClosed {
			t.Fatalf("the overdue quiz was not closed: %+v", p)
		}
	}
	if p, err := ts.store.Poll(t.Context(), room.Code, ack.Poll); err != nil || p.State != rooms.PollClosed {
		t.Fatalf("stored quiz %+v, %v", p, err)
	}
}

// TestQuizLeaderboardOrderAndTies: clients see each question's leaderboard
// and the room's, ranks shared by ties (1, 1, 3), ties ordered by
// participant id, anonymous players under their pseudonym; a client that
// joins later gets the latest leaderboard after its snapshot.
func TestQuizLeaderboardOrderAndTies(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Quiz")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	observer, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	type player struct {
		c    *wsClient
		id   string
		name string
	}
	var players []player
	for _, name := range []string{"Ada", "", "Cy"} {
		c, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: name}, dialOpts{})
		if name == "" {
			name = rooms.Pseudonym(w.Participant)
		}
		players = append(players, player{c, w.Participant, name})
	}
	ada, bo, cy := players[0], players[1], players[2]
	// Lines carry handles, never participant ids; the test maps each line
	// back to its player by name (unique here) to check the order.
	idOf := map[string]string{ada.name: ada.id, bo.name: bo.id, cy.name: cy.id}
	unhandled := func(lb leaderboardMsg) leaderboardMsg {
		t.Helper()
		for _, list := range [][]rooms.LeaderEntry{lb.Question, lb.Room} {
			for i, e := range list {
				if !rooms.IsHandle(e.Handle) || e.Participant != e.Handle {
					t.Fatalf("leaderboard line %+v: want a handle, no participant id", e)
				}
				list[i].Participant, list[i].Handle = idOf[e.Name], ""
			}
		}
		return lb
	}
	entry := func(rank int, p player, points int64) rooms.LeaderEntry {
		return rooms.LeaderEntry{Rank: rank, Participant: p.id, Name: p.name, Points: points}
	}
	// byID orders tied entries as the server must: by participant id.
	byID := func(list ...rooms.LeaderEntry) []rooms.LeaderEntry {
		slices.SortStableFunc(list, func(a, b rooms.LeaderEntry) int {
			if a.Points != b.Points {
				return int(b.Points - a.Points)
			}
			return strings.Compare(a.Participant, b.Participant)
		})
		return list
	}
	quiz := func(id int64, right ...player) string {
		p := makePoll(t, host, id, map[string]any{"kind": "quiz", "title": "q", "options": []string{"no", "yes"}, "correct": []int{1}, "state": "open"})
		for i, pl := range players {
			choice := 0
			if slices.ContainsFunc(right, func(r player) bool { return r.id == pl.id }) {
				choice = 1
			}
			pl.c.mustAck(int64(10+i), map[string]any{"type": "vote", "poll": p, "choices": []int{choice}})
		}
		return p
	}

	q1 := quiz(1, ada, bo, cy)
	host.mustAck(2, map[string]any{"type": "poll_set", "poll": q1, "state": "closed"})
	staffLB := unhandled(nextLeaderboard(t, host, q1))
	observer.expectNo(rooms.EventLeaderboard, 300*time.Millisecond)
	host.mustAck(3, map[string]any{"type": "poll_set", "poll": q1, "reveal": true})
	lb := unhandled(nextLeaderboard(t, observer, q1))
	all := byID(entry(1, ada, 1000), entry(1, bo, 1000), entry(1, cy, 1000))
	if !slices.Equal(lb.Question, all) || !slices.Equal(lb.Room, all) || !slices.Equal(staffLB.Question, all) {
		t.Fatalf("three-way tie:\n got %+v\nwant %+v (staff got %+v)", lb, all, staffLB)
	}

	q2 := quiz(4, ada, cy)
	host.mustAck(5, map[string]any{"type": "poll_set", "poll": q2, "state": "closed", "reveal": true})
	lb = unhandled(nextLeaderboard(t, observer, q2))
	wantQuestion := byID(entry(1, ada, 1000), entry(1, cy, 1000))
	wantRoom := append(byID(entry(1, ada, 2000), entry(1, cy, 2000)), entry(3, bo, 1000))
	if !slices.Equal(lb.Question, wantQuestion) || !slices.Equal(lb.Room, wantRoom) {
		t.Fatalf("after the second quiz:\n got %+v\nwant question %+v, room %+v", lb, wantQuestion, wantRoom)
	}

	late, lateWelcome, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	if got := unhandled(nextLeaderboard(t, late, q2)); !slices.Equal(got.Room, wantRoom) || !slices.Equal(got.Question, wantQuestion) {
		t.Fatalf("leaderboard after a snapshot %+v", got)
	}
	// Deleting a quiz takes its points off the room's totals.
	host.mustAck(6, map[string]any{"type": "poll_delete", "poll": q1})
	host.mustAck(7, map[string]any{"type": "poll_set", "poll": q2, "reveal": false})
	host.mustAck(8, map[string]any{"type": "poll_set", "poll": q2, "reveal": true})
	lb = unhandled(nextLeaderboard(t, late, q2))
	wantRoom = byID(entry(1, ada, 1000), entry(1, cy, 1000))
	if !slices.Equal(lb.Room, wantRoom) {
		t.Fatalf("room after deleting %s: %+v, want %+v", q1, lb.Room, wantRoom)
	}
	// A resuming client gets the current leaderboard after its missed events.
	resumed, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: lateWelcome.Token, Since: lateWelcome.Seq}, dialOpts{})
	if !w.Resumed {
		t.Fatalf("welcome %+v, want a resume", w)
	}
	if got := unhandled(nextLeaderboard(t, resumed, q2)); !slices.Equal(got.Room, wantRoom) {
		t.Fatalf("leaderboard after a resume %+v, want room %+v", got, wantRoom)
	}
}

// TestQuizAnswersNeverReachAudience: the audience's raw frames carry a
// quiz's correct answers and its leaderboard only once the quiz is both
// closed and revealed — not while a revealed quiz is open, not after an
// unrevealed quiz's timer closed it, not in snapshots — while staff get
// them all along.
func TestQuizAnswersNeverReachAudience(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Quiz")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	voter, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: "Vi"}, dialOpts{})
	watcher, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	// leaks fails when an event carries quiz's answer or leaderboard.
	leaks := func(who string, evs []event, quiz string) {
		t.Helper()
		for _, ev := range evs {
			var m struct {
				quizPollMsg
				Polls []quizPollMsg `json:"polls"`
			}
			ev.decode(t, &m)
			polls := append(m.Polls, m.quizPollMsg)
			for _, p := range polls {
				if p.ID == quiz && p.Correct != nil {
					t.Fatalf("%s received the answer of %s: %s", who, quiz, ev)
				}
			}
			if ev.Type == rooms.EventLeaderboard && bytes.Contains(ev.raw, []byte(`"poll":"`+quiz+`"`)) {
				t.Fatalf("%s received the leaderboard of %s: %s", who, quiz, ev)
			}
		}
	}

	// Unrevealed: the timer closes it; the audience learns nothing.
	hidden := makePoll(t, host, 1, map[string]any{"kind": "quiz", "title": "Capital of France?",
		"options": []string{"Lyon", "Nice", "Paris"}, "correct": []int{2}, "seconds": 1, "state": "open"})
	voter.mustAck(2, map[string]any{"type": "vote", "poll": hidden, "choices": []int{2}})
	if p := nextPoll(t, watcher, hidden); p.State != rooms.PollOpen {
		t.Fatalf("first event of %s: %+v", hidden, p)
	}
	if p := nextPoll(t, watcher, hidden); p.State != rooms.PollClosed || p.Correct != nil {
		t.Fatalf("the timer's close as the audience got it: %+v", p)
	}
	if p := nextPoll(t, host, hidden); p.State != rooms.PollOpen {
		t.Fatalf("host's first event of %s: %+v", hidden, p)
	}
	if p := nextPoll(t, host, hidden); p.State != rooms.PollClosed || string(p.Correct) != "[2]" {
		t.Fatalf("the timer's close as the host got it: %+v", p)
	}
	nextLeaderboard(t, host, hidden)
	watcher.expectNo(rooms.EventLeaderboard, 300*time.Millisecond)
	_, _, snap := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	leaks("a new audience member", []event{snap}, hidden)

	// Revealed while open: results yes, the answer not until it closes.
	shown := makePoll(t, host, 3, map[string]any{"kind": "quiz", "title": "2+2", "options": []string{"3", "4"},
		"correct": []int{1}, "seconds": 1, "state": "open", "reveal": true})
	voter.mustAck(4, map[string]any{"type": "vote", "poll": shown, "choices": []int{1}})
	opened := nextPoll(t, watcher, shown)
	closed := nextPoll(t, watcher, shown)
	lb := nextLeaderboard(t, watcher, shown)
	leaks("the audience", watcher.received(), hidden)
	if opened.Correct != nil || closed.State != rooms.PollClosed || string(closed.Correct) != "[1]" {
		t.Fatalf("revealed quiz: open %+v, closed %+v", opened, closed)
	}
	if len(lb.Question) != 1 || lb.Question[0].Name != "Vi" {
		t.Fatalf("revealed quiz's leaderboard %+v", lb)
	}
	for _, ev := range watcher.received() {
		var p quizPollMsg
		if ev.Type == rooms.EventPoll && json.Unmarshal(ev.raw, &p) == nil && p.ID == shown && p.State == rooms.PollClosed {
			break // the close: from here on the answer is public
		}
		if bytes.Contains(ev.raw, []byte(`"correct"`)) {
			t.Fatalf("the answer of %s reached the audience before its close: %s", shown, ev)
		}
	}
}
