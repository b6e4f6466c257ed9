package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
)

// mustAck sends cmd with id on v and fails t unless it is acknowledged.
func (v *voter) mustAck(t *testing.T, id int64, cmd map[string]any) cmdReply {
	t.Helper()
	cmd["id"] = id
	if err := v.send(cmd); err != nil {
		t.Fatalf("%v: %v", cmd, err)
	}
	r, ok := v.reply(id)
	if !ok || r.Type != "ack" {
		t.Fatalf("%v: %+v (answered %v)", cmd, r, ok)
	}
	return r
}

// stats reads GET /api/rooms/{code}/stats from in.
func (c *cluster) stats(t *testing.T, in *instance, room createdRoom) rooms.Stats {
	t.Helper()
	status, body := c.do(t, http.MethodGet, in.base+"/api/rooms/"+room.Code+"/stats", room.HostKey, "")
	var st rooms.Stats
	if status != http.StatusOK || json.Unmarshal(body, &st) != nil {
		t.Fatalf("GET stats from %s: %d %s", in.name, status, body)
	}
	return st
}

// waitStats waits until the figures read from in satisfy cond.
func (c *cluster) waitStats(t *testing.T, in *instance, room createdRoom, what string, cond func(rooms.Stats) bool) rooms.Stats {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		st := c.stats(t, in, room)
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: figures from %s are %+v", what, in.name, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hostAck is the ack of a command sent with the host key.
type hostAck struct {
	Type     string `json:"type"`
	Question string `json:"question"`
	Poll     string `json:"poll"`
}

// hostCommand sends a command with the host key through in's HTTP API.
func (c *cluster) hostCommand(t *testing.T, in *instance, room createdRoom, cmd string) hostAck {
	t.Helper()
	status, body := c.do(t, http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", room.HostKey, cmd)
	var ack hostAck
	if status != http.StatusOK || json.Unmarshal(body, &ack) != nil || ack.Type != "ack" {
		t.Fatalf("%s: %d %s", cmd, status, body)
	}
	return ack
}

// TestClusterInsightExact: a scripted session over two instances sharing
// Redis — ten participants, questions, upvotes, ballots, reactions and
// comments on both, repeats that must not count, a reconnect to the other
// instance — and every figure of GET /stats is exact, read from either
// instance.
func TestClusterInsightExact(t *testing.T) {
	c := startCluster(t, 2)
	i0, i1 := c.instances[0], c.instances[1]
	room := c.createRoom(t, i0)

	voters := make([]*voter, 10) // A0..A5 on i0, B0..B3 on i1
	for i := range voters {
		url := i0.wsURL()
		if i >= 6 {
			url = i1.wsURL()
		}
		v, err := dialVoter(url, room.Code, fmt.Sprintf("v%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		voters[i] = v
	}
	t.Cleanup(func() {
		for _, v := range voters {
			v.close()
		}
	})
	A, B := voters[:6], voters[6:]
	c.waitStats(t, i0, room, "everyone connected", func(st rooms.Stats) bool { return st.Participants.PeakConnected == 10 })

	q1 := A[0].mustAck(t, 1, map[string]any{"type": "ask", "text": "q one"}).Question
	q2 := B[0].mustAck(t, 1, map[string]any{"type": "ask", "text": "q two"}).Question
	q3 := A[1].mustAck(t, 1, map[string]any{"type": "ask", "text": "q three", "cid": "c1"}).Question
	if again := A[1].mustAck(t, 2, map[string]any{"type": "ask", "text": "q three", "cid": "c1"}).Question; again != q3 {
		t.Fatalf("the resend made %s, not %s", again, q3)
	}
	for _, v := range A[:4] {
		v.mustAck(t, 10, map[string]any{"type": "upvote", "question": q2})
	}
	for _, v := range B[:2] {
		v.mustAck(t, 10, map[string]any{"type": "upvote", "question": q1})
	}
	A[0].mustAck(t, 11, map[string]any{"type": "upvote", "question": q2}) // repeated
	B[1].mustAck(t, 11, map[string]any{"type": "unvote", "question": q1}) // not an upvote
	A[2].mustAck(t, 20, map[string]any{"type": "comment", "text": "from i0"})
	B[2].mustAck(t, 20, map[string]any{"type": "comment", "text": "from i1"})

	poll := c.hostCommand(t, i1, room, `{"type":"poll_create","kind":"single","title":"Pick","options":["x","y"],"state":"open"}`).Poll
	for _, v := range A[:4] {
		v.mustAck(t, 30, map[string]any{"type": "vote", "poll": poll, "choices": []int{0}})
	}
	B[0].mustAck(t, 30, map[string]any{"type": "vote", "poll": poll, "choices": []int{1}})
	A[0].mustAck(t, 31, map[string]any{"type": "vote", "poll": poll, "choices": []int{1}}) // a replacement: counts
	A[1].mustAck(t, 31, map[string]any{"type": "vote", "poll": poll, "choices": []int{0}}) // the same ballot: does not
	c.waitStats(t, i0, room, "the poll's present", func(st rooms.Stats) bool { return len(st.Polls) == 1 && st.Polls[0].Present == 10 })
	c.hostCommand(t, i1, room, fmt.Sprintf(`{"type":"poll_set","poll":%q,"state":"closed"}`, poll))

	for i := range 7 {
		A[4].mustAck(t, int64(40+i), map[string]any{"type": "react", "kind": "like"})
	}
	for i := range 5 {
		B[2].mustAck(t, int64(40+i), map[string]any{"type": "react", "kind": "clap"})
	}
	c.hostCommand(t, i0, room, fmt.Sprintf(`{"type":"question_set","question":%q,"status":"answered"}`, q1))
	c.hostCommand(t, i0, room, fmt.Sprintf(`{"type":"question_set","question":%q,"status":"hidden"}`, q3))

	// A0 moves to the other instance: still one participant.
	token := A[0].token
	A[0].close()
	c.waitStats(t, i1, room, "A0 gone", func(st rooms.Stats) bool { return st.Participants.Connected == 9 })
	moved, err := dialVoter(i1.wsURL(), room.Code, "v0", token)
	if err != nil {
		t.Fatal(err)
	}
	voters[0] = moved

	wantInteractions := rooms.StatsInteractions{Questions: 3, Upvotes: 6, Ballots: 6, Reactions: 12, Comments: 2, Total: 29}
	for _, in := range c.instances {
		st := c.waitStats(t, in, room, "the session's figures", func(st rooms.Stats) bool {
			return st.Interactions == wantInteractions && st.Participants.Connected == 10
		})
		p := st.Participants
		if p.Unique != 10 || p.Active != 8 || p.ParticipationRate != 0.8 || p.PeakConnected != 10 {
			t.Errorf("%s: participants %+v", in.name, p)
		}
		q := st.Questions
		wantTop := []rooms.StatsTopQuestion{{ID: q2, Text: "q two", Votes: 4, Status: "live"}, {ID: q1, Text: "q one", Votes: 1, Status: "answered"}, {ID: q3, Text: "q three", Votes: 0, Status: "hidden"}}
		if q.Asked != 3 || q.Live != 1 || q.Answered != 1 || q.Hidden != 1 || !reflect.DeepEqual(q.Top, wantTop) {
			t.Errorf("%s: questions %+v", in.name, q)
		}
		wantPolls := []rooms.StatsPoll{{ID: poll, Title: "Pick", Kind: "single", State: "closed", Ballots: 5, Present: 10, ResponseRate: 0.5}}
		if !reflect.DeepEqual(st.Polls, wantPolls) {
			t.Errorf("%s: polls %+v", in.name, st.Polls)
		}
		var sum rooms.InsightCounts
		var joined int64
		for _, m := range st.Timeline {
			sum = sum.Add(rooms.InsightCounts{m.Questions, m.Upvotes, m.Ballots, m.Reactions, m.Comments})
			joined += m.Joined
		}
		if sum != (rooms.InsightCounts{3, 6, 6, 12, 2}) || joined != 10 {
			t.Errorf("%s: the timeline sums to %v with %d joined", in.name, sum, joined)
		}
	}
}

// TestClusterDeleteRoom: the host deletes a room on one instance; the
// room's clients on both instances are closed with 4004, and no instance
// knows the room any more.
func TestClusterDeleteRoom(t *testing.T) {
	c := startCluster(t, 2)
	room := c.createRoom(t, c.instances[0])
	closed := make(chan websocket.StatusCode, 2)
	for _, in := range c.instances {
		ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
		defer cancel()
		conn, _, err := websocket.Dial(ctx, in.wsURL(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","room":"`+room.Code+`"}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := conn.Read(ctx); err != nil { // the welcome
			t.Fatal(err)
		}
		go func() {
			for {
				if _, _, err := conn.Read(context.Background()); err != nil {
					closed <- websocket.CloseStatus(err)
					return
				}
			}
		}()
	}
	if status, body := c.do(t, http.MethodDelete, c.instances[1].base+"/api/rooms/"+room.Code, room.HostKey, ""); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	for range 2 {
		select {
		case code := <-closed:
			if code != rooms.CloseRoomDeleted {
				t.Fatalf("closed with %d, want 4004", code)
			}
		case <-time.After(clusterWait):
			t.Fatal("a client of the deleted room is still open")
		}
	}
	for _, in := range c.instances {
		if status, _ := c.do(t, http.MethodGet, in.base+"/api/rooms/"+room.Code, "", ""); status != http.StatusNotFound {
			t.Fatalf("%s still knows the room: %d", in.name, status)
		}
	}
}
