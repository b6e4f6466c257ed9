package hub

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// standingMsg is a `leaderboard` event with the audience's own standing.
type standingMsg struct {
	Poll string              `json:"poll"`
	Room []rooms.LeaderEntry `json:"room"`
	You  *rooms.Standing     `json:"you"`
}

// nextStanding returns the next `leaderboard` event of quiz id, with "you".
func nextStanding(t *testing.T, c *wsClient, id string) standingMsg {
	t.Helper()
	for {
		var lb standingMsg
		c.nextOf(rooms.EventLeaderboard).decode(t, &lb)
		if lb.Poll == id {
			return lb
		}
	}
}

// TestLeaderboardTellsEachPlayerTheirStanding: the revealed `leaderboard`
// lists the top 10 only, yet every audience client gets its own rank and
// points in the room's totals ("you"): the player ranked 12th learns it,
// a player in the list gets its rank too, one without points rank 0, and
// staff get no "you". A player joining later gets its standing with the
// leaderboard that follows its snapshot.
func TestLeaderboardTellsEachPlayerTheirStanding(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Quiz")
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	type player struct {
		c       *wsClient
		welcome welcomeMsg
	}
	players := make([]player, 13)
	for i := range players {
		c, w, _ := ts.join(t, rooms.Hello{Room: room.Code, Name: fmt.Sprintf("Player %d", i+1)}, dialOpts{})
		players[i] = player{c, w}
	}
	// Quiz 1: the first 12 right; quiz 2: the first 11 right. Totals:
	// 11 players with 2000, the 12th with 1000, the 13th with none.
	quiz := func(id int64, right int) string {
		p := makePoll(t, host, id, map[string]any{"kind": "quiz", "title": "q", "options": []string{"no", "yes"}, "correct": []int{1}, "state": "open"})
		for i, pl := range players {
			choice := 0
			if i < right {
				choice = 1
			}
			pl.c.mustAck(int64(100+i), map[string]any{"type": "vote", "poll": p, "choices": []int{choice}})
		}
		return p
	}
	q1 := quiz(1, 12)
	host.mustAck(2, map[string]any{"type": "poll_set", "poll": q1, "state": "closed", "reveal": true})
	q2 := quiz(3, 11)
	host.mustAck(4, map[string]any{"type": "poll_set", "poll": q2, "state": "closed", "reveal": true})

	twelfth := nextStanding(t, players[11].c, q2)
	if len(twelfth.Room) != rooms.LeaderboardSize {
		t.Fatalf("room list of %d entries, want %d", len(twelfth.Room), rooms.LeaderboardSize)
	}
	if twelfth.You == nil || !rooms.IsHandle(twelfth.You.Handle) || *twelfth.You != (rooms.Standing{Rank: 12, Points: 1000, Handle: twelfth.You.Handle}) {
		t.Fatalf("the 12th player's standing: %+v, want rank 12 with 1000 points", twelfth.You)
	}
	for _, e := range twelfth.Room {
		if e.Handle == twelfth.You.Handle || e.Participant == players[11].welcome.Participant {
			t.Fatalf("the 12th player is in the top 10: %+v", twelfth.Room)
		}
	}
	// The leaders (11 tied, 10 listed) find their own lines by the handle in
	// "you": every listed line is exactly one leader's.
	found := map[string]bool{}
	for _, pl := range players[:11] {
		lb := nextStanding(t, pl.c, q2)
		if lb.You == nil || lb.You.Rank != 1 || lb.You.Points != 2000 {
			t.Fatalf("a leader's standing: %+v, want rank 1 with 2000 points", lb.You)
		}
		i := slices.IndexFunc(lb.Room, func(e rooms.LeaderEntry) bool { return e.Handle == lb.You.Handle })
		if i >= 0 && (lb.Room[i].Rank != 1 || lb.Room[i].Points != 2000 || found[lb.You.Handle]) {
			t.Fatalf("a leader's own line %+v", lb.Room[i])
		}
		if i >= 0 {
			found[lb.You.Handle] = true
		}
	}
	if len(found) != rooms.LeaderboardSize {
		t.Fatalf("%d leaders found their own line, want %d", len(found), rooms.LeaderboardSize)
	}
	if none := nextStanding(t, players[12].c, q2); none.You == nil || none.You.Rank != 0 || none.You.Points != 0 || !rooms.IsHandle(none.You.Handle) {
		t.Fatalf("the standing of a player without points: %+v, want rank 0, 0 points", none.You)
	}
	var staff map[string]json.RawMessage
	for {
		host.nextOf(rooms.EventLeaderboard).decode(t, &staff)
		if string(staff["poll"]) == `"`+q2+`"` {
			break
		}
	}
	if _, ok := staff["you"]; ok {
		t.Fatalf("staff got a standing: %s", staff["you"])
	}

	// After a snapshot: the 12th player again on a new connection.
	again, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: players[11].welcome.Token}, dialOpts{})
	if got := nextStanding(t, again, q2); got.You == nil || *got.You != *twelfth.You {
		t.Fatalf("the 12th player's standing after joining again: %+v", got.You)
	}
}
