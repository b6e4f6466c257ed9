package main

// Tests of the embedded server (no Redis) as a process: its rooms live in
// the disk log of its -data directory.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// embeddedArgs are the flags of an embedded instance keeping its rooms in
// dir: no -secret, so the token secret is the one kept in dir too.
func embeddedArgs(dir string) []string {
	return []string{"-data", dir, "-room-ask-rate", "10000", "-room-ask-burst", "10000", "-ask-rate", "10000", "-ask-burst", "10000"}
}

// TestEmbeddedKeepsAckedThroughKill kills the embedded server with SIGKILL
// in the middle of a storm of comments, questions and ballots, restarts it
// on the same data directory, and finds every acknowledged comment,
// question and ballot there; a voter's token still works (the secret is
// kept in the data directory) and its snapshot shows its ballot.
func TestEmbeddedKeepsAckedThroughKill(t *testing.T) {
	dir := t.TempDir()
	in := startInstance(t, "embedded", "", embeddedArgs(dir)...)
	c := &cluster{instances: []*instance{in}, http: &http.Client{Timeout: 5 * time.Second}}
	defer c.http.CloseIdleConnections()
	room := c.createRoom(t, in)
	status, body := c.do(t, http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		`{"type":"poll_create","kind":"single","title":"Kill","options":["a","b","c","d"],"state":"open"}`)
	var created cmdReply
	if status != http.StatusOK || json.Unmarshal(body, &created) != nil || created.Poll == "" {
		t.Fatalf("poll_create: %d %s", status, body)
	}

	const nVoters = 60
	voters := make([]*voter, nVoters)
	for i := range voters {
		v, err := dialVoter(in.wsURL(), room.Code, fmt.Sprintf("v%d", i), "")
		if err != nil {
			t.Fatal(err)
		}
		defer v.close()
		voters[i] = v
	}

	var (
		mu        sync.Mutex
		comments  []string        // acknowledged comment texts
		questions []string        // acknowledged question texts
		ballots   = map[int]int{} // voter → acknowledged choice
		sent      = map[int]int{} // voter → choice sent (acknowledged or not)
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	post := func(kind string, n int) {
		text := fmt.Sprintf("%s %d", kind, n)
		status, body, err := c.tryDo(http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
			fmt.Sprintf(`{"type":%q,"text":%q,"cid":%q}`, kind, text, text))
		if err != nil {
			return // the server is gone
		}
		if status != http.StatusOK {
			select {
			case <-stop:
			default:
				t.Errorf("%s refused before the kill: %d %s", kind, status, body)
			}
			return
		}
		var ack struct{ Seq uint64 }
		if json.Unmarshal(body, &ack) != nil || ack.Seq == 0 {
			t.Errorf("%s acknowledged without a seq: %s", kind, body)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if kind == "comment" {
			comments = append(comments, text)
		} else {
			questions = append(questions, text)
		}
	}
	for w := range 4 {
		kind := []string{"comment", "ask"}[w%2]
		wg.Go(func() {
			for n := w; ; n += 4 {
				select {
				case <-stop:
					return
				default:
				}
				post(kind, n)
			}
		})
	}
	// The voters start once comments and questions are being acknowledged,
	// and the kill comes once a few ballots are: so it lands mid-storm
	// however slow the machine is, rather than after a fixed sleep.
	acked := func() (int, int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(comments), len(questions), len(ballots)
	}
	warm := make(chan struct{})
	waitFor := func(what string, ok func(c, q, b int) bool) {
		for deadline := time.Now().Add(30 * time.Second); !ok(acked()); time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				select {
				case <-warm:
				default:
					close(warm)
				}
				close(stop)
				wg.Wait()
				c, q, b := acked()
				t.Fatalf("waited 30 s for %s: %d comments, %d questions, %d ballots acknowledged", what, c, q, b)
			}
		}
	}
	for i, v := range voters {
		wg.Go(func() {
			<-warm
			time.Sleep(time.Duration(i) * 10 * time.Millisecond) // spread over the storm, past the kill
			choice := i % 4
			mu.Lock()
			sent[i] = choice
			mu.Unlock()
			if v.send(map[string]any{"type": "vote", "id": 1, "poll": created.Poll, "choices": []int{choice}}) != nil {
				return
			}
			if r, ok := v.reply(1); ok && r.Type == "ack" {
				mu.Lock()
				ballots[i] = choice
				mu.Unlock()
			}
		})
	}
	waitFor("comments and questions", func(c, q, _ int) bool { return c >= 10 && q >= 10 })
	close(warm)
	waitFor("ballots", func(_, _, b int) bool { return b >= 5 })
	in.stop(syscall.SIGKILL)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(comments) < 10 || len(questions) < 10 || len(ballots) < 5 || len(ballots) == nVoters {
		t.Fatalf("the kill did not land mid-storm: %d comments, %d questions, %d of %d ballots acknowledged",
			len(comments), len(questions), len(ballots), nVoters)
	}

	again := startInstance(t, "embedded-again", "", embeddedArgs(dir)...)
	status, body = c.do(t, http.MethodGet, again.base+"/api/rooms/"+room.Code+"/export", room.HostKey, "")
	var export struct {
		Questions []struct{ Text string } `json:"questions"`
		Comments  []struct{ Text string } `json:"comments"`
		Polls     []struct {
			Results pollTally `json:"results"`
		} `json:"polls"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &export) != nil || len(export.Polls) != 1 {
		t.Fatalf("export after the restart: %d %.300s", status, body)
	}
	have := func(items []struct{ Text string }) map[string]bool {
		m := make(map[string]bool, len(items))
		for _, it := range items {
			m[it.Text] = true
		}
		return m
	}
	for kind, acked := range map[string][]string{"comment": comments, "question": questions} {
		kept := have(export.Comments)
		if kind == "question" {
			kept = have(export.Questions)
		}
		for _, text := range acked {
			if !kept[text] {
				t.Errorf("acknowledged %s %q is gone after the kill", kind, text)
			}
		}
	}
	// Every acknowledged ballot counts; a ballot sent but unanswered may
	// have been kept or not.
	tally := export.Polls[0].Results
	least, most := make([]int64, 4), make([]int64, 4)
	for i, choice := range sent {
		most[choice]++
		if _, ok := ballots[i]; ok {
			least[choice]++
		}
	}
	for k := range 4 {
		if tally.Counts[k] < least[k] || tally.Counts[k] > most[k] {
			t.Errorf("option %d has %d ballots after the kill; %d were acknowledged, %d sent", k, tally.Counts[k], least[k], most[k])
		}
	}
	t.Logf("kept through SIGKILL: %d comments, %d questions, %d ballots acknowledged (tally %v)",
		len(comments), len(questions), len(ballots), tally.Counts)

	// A voter whose ballot was acknowledged comes back with its token and
	// finds its ballot in its snapshot.
	for i, choice := range ballots {
		voters[i].mu.Lock()
		token := voters[i].token
		voters[i].mu.Unlock()
		back, err := dialVoter(again.wsURL(), room.Code, "back", token)
		if err != nil {
			t.Fatalf("voter %d with its token after the restart: %v", i, err)
		}
		defer back.close()
		back.waitUntil(clusterWait, func() bool { return back.myVotes != nil }) // the snapshot follows the welcome
		back.mu.Lock()
		got, ok := back.myVotes[created.Poll]
		back.mu.Unlock()
		if !ok || len(got) != 1 || got[0] != choice {
			t.Errorf("voter %d's snapshot after the restart has ballot %v, want [%d]", i, got, choice)
		}
		break
	}
}
