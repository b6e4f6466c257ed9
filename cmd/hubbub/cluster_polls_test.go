package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// pollTally is what the tests read of a poll's results.
type pollTally struct {
	Counts []int64 `json:"counts"`
	Total  int64   `json:"total"`
}

// dialPollClients opens n connections spread over targets (client i on
// targets[i%len]), 32 at a time, each joining with tokens[i] ("" when
// tokens is nil); they are closed at cleanup.
func dialPollClients(t *testing.T, targets []string, room string, n int, tokens []string) []*voter {
	t.Helper()
	clients := make([]*voter, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			token := ""
			if tokens != nil {
				token = tokens[i]
			}
			c, err := dialVoter(targets[i%len(targets)], room, "", token)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			clients[i] = c
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range clients {
			if c != nil {
				c.close()
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	return clients
}

// voteAll sends each client's vote at once (votes[i] the choices of client
// i; nil: it does not vote) and returns the acks' changed flags.
func voteAll(t *testing.T, clients []*voter, poll string, votes [][]int, id int64) []bool {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		if votes[i] == nil {
			continue
		}
		wg.Go(func() {
			<-start
			if err := c.send(map[string]any{"type": "vote", "poll": poll, "choices": votes[i], "id": id}); err != nil {
				t.Errorf("vote %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	changed := make([]bool, len(clients))
	for i, c := range clients {
		if votes[i] == nil {
			continue
		}
		r, ok := c.reply(id)
		if !ok || r.Type != "ack" || r.Poll != poll || r.Changed == nil {
			t.Fatalf("client %d: vote answered %+v (answered %v)", i, r, ok)
		}
		changed[i] = *r.Changed
	}
	return changed
}

// waitTallies waits until every client shows poll with exactly counts.
func waitTallies(t *testing.T, what string, clients []*voter, poll string, counts []int64, total int64) {
	t.Helper()
	want := fmt.Sprint(pollTally{Counts: counts, Total: total})
	for i, c := range clients {
		if !c.waitUntil(clusterWait, func() bool { return fmt.Sprint(c.tallies[poll]) == want }) {
			t.Fatalf("%s %d: %s at %v, want %s", what, i, poll, c.tally(poll), want)
		}
	}
}

// TestClusterVoteStorm: 1,000 participants over three instances vote in one
// poll at once: every staff client, on every instance, ends at exactly the
// tallies of the ballots cast, and so does the export; replacing ballots at
// once moves the counts (one participant sending the same new ballot from
// two instances at once changes it once); after the reveal the audience
// gets the exact tallies too. (How often `results` events come is measured
// by the load test's polls preset, on a machine not running -race.)
func TestClusterVoteStorm(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[0])
	targets := c.wsTargets()
	staff := dialPollClients(t, targets, room.Code, 3, []string{room.HostKey, room.HostKey, room.HostKey})

	status, body := c.do(t, http.MethodPost, c.instances[1].base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		`{"type":"poll_create","kind":"single","title":"Storm","options":["a","b","c","d"],"state":"open"}`)
	var created cmdReply
	if status != http.StatusOK || json.Unmarshal(body, &created) != nil || created.Poll == "" {
		t.Fatalf("poll_create: %d %s", status, body)
	}
	poll := created.Poll

	const n = 1000
	voters := dialPollClients(t, targets, room.Code, n, nil)
	votes := make([][]int, n)
	counts := make([]int64, 4)
	for i := range n {
		votes[i] = []int{i % 4}
		counts[i%4]++
	}
	for i, changed := range voteAll(t, voters, poll, votes, 1) {
		if !changed {
			t.Fatalf("voter %d's first ballot did not change the tally", i)
		}
	}
	waitTallies(t, "staff client", staff, poll, counts, n)

	// Every tenth voter moves to option d from two connections at once,
	// the second on another instance: one of the two acks changed it.
	var movers, twins []*voter
	var tokens []string
	for i := 0; i < n; i += 10 {
		movers = append(movers, voters[i])
		voters[i].mu.Lock()
		tokens = append(tokens, voters[i].token)
		voters[i].mu.Unlock()
		counts[i%4]--
		counts[3]++
	}
	shifted := make([]string, len(targets))
	for i := range targets {
		shifted[i] = targets[(i+1)%len(targets)] // mover i is on targets[i%3] (i steps of 10)
	}
	twins = dialPollClients(t, shifted, room.Code, len(movers), tokens)
	both := append(append([]*voter(nil), movers...), twins...)
	moves := make([][]int, len(both))
	for i := range moves {
		moves[i] = []int{3}
	}
	changed := voteAll(t, both, poll, moves, 2)
	for i := range movers { // none of them was at d (i*10 % 4 is 0 or 2)
		if changed[i] == changed[len(movers)+i] {
			t.Fatalf("mover %d: changed %v and %v from its two connections, want exactly one", i, changed[i], changed[len(movers)+i])
		}
	}
	waitTallies(t, "staff client", staff, poll, counts, n)

	// The export, from the third instance, has the same tallies and one
	// ballot per voter.
	status, body = c.do(t, http.MethodGet, c.instances[2].base+"/api/rooms/"+room.Code+"/export", room.HostKey, "")
	var export struct {
		Polls []struct {
			ID      string    `json:"id"`
			Results pollTally `json:"results"`
			Ballots []struct {
				Voter   string `json:"voter"`
				Choices []int  `json:"choices"`
			} `json:"ballots"`
		} `json:"polls"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &export) != nil || len(export.Polls) != 1 {
		t.Fatalf("export: %d %.500s", status, body)
	}
	ep := export.Polls[0]
	if fmt.Sprint(ep.Results) != fmt.Sprint(pollTally{Counts: counts, Total: n}) || len(ep.Ballots) != n {
		t.Fatalf("export: results %v with %d ballots, want %v of %d", ep.Results, len(ep.Ballots), counts, n)
	}
	fromBallots, voterIDs := make([]int64, 4), make(map[string]bool)
	for _, b := range ep.Ballots {
		fromBallots[b.Choices[0]]++
		voterIDs[b.Voter] = true
	}
	if fmt.Sprint(fromBallots) != fmt.Sprint(counts) || len(voterIDs) != n {
		t.Fatalf("export ballots count %v over %d voters, want %v over %d", fromBallots, len(voterIDs), counts, n)
	}

	// Revealed: the audience on every instance gets the tallies, and the
	// next replacements move them there too.
	status, body = c.do(t, http.MethodPost, c.instances[0].base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		fmt.Sprintf(`{"type":"poll_set","poll":%q,"reveal":true}`, poll))
	if status != http.StatusOK {
		t.Fatalf("reveal: %d %s", status, body)
	}
	audience := []*voter{voters[1], voters[2], voters[3], voters[500], voters[998], voters[999]}
	waitTallies(t, "audience client", audience, poll, counts, n)
	again := make([][]int, n)
	for i := 1; i < n; i += 10 { // i%4 is 1 or 3: both move to a
		again[i] = []int{0}
		counts[i%4]--
		counts[0]++
	}
	voteAll(t, voters, poll, again, 3)
	waitTallies(t, "staff client", staff, poll, counts, n)
	waitTallies(t, "audience client", audience, poll, counts, n)
}
