package loadtest

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/hubbubhq/hubbub/hub"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/static"
)

// startHub serves a real hubbub (its log in memory) on a test server, stopped
// at cleanup. Poll storms are tested against the real server: the fake
// hub does not speak polls.
func startHub(t *testing.T, roomsCfg rooms.Config) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	broker := hub.NewMemoryBroker()
	svc := rooms.NewService(rooms.NewLogStore(rooms.NewMemoryLog(), broker, rooms.LogStoreOptions{}), broker, roomsCfg, zap.NewNop(), reg)
	h := hub.New(hub.Config{}, svc, broker, zap.NewNop(), reg)
	srv := httptest.NewServer(hub.NewRouter(h, reg, static.Pages))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	wg.Go(func() { h.Run(ctx) })
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := h.Shutdown(sctx); err != nil {
			t.Errorf("hub shutdown: %v", err)
		}
		cancel()
		wg.Wait()
		srv.Close()
	})
	return srv.URL
}

// pollStorm is a small poll storm: 40 clients, every one votes in a
// single-choice poll and a wordcloud, and 20 replace their single-choice
// ballot: 100 ballots in a second.
func pollStorm(target string) Scenario {
	return Scenario{
		Targets: []string{target}, Rooms: 1, ClientsPerRoom: 40, Ramp: 2000,
		Duration: 1500 * time.Millisecond, Drain: 5 * time.Second,
		VoteRate: 100, VotePolls: 2, VoteFor: time.Second,
	}
}

// TestPollStorm: against the real server, every ballot is acknowledged,
// every client ends at exactly the tallies the acks add up to, and results
// come at most 4 times per second per poll (the server flushes them every
// 400 ms).
func TestPollStorm(t *testing.T) {
	target := startHub(t, rooms.Config{})
	rep, err := Run(context.Background(), pollStorm(target), Options{
		Assert: "results_stale=0,vote_errors=0,results_per_s_max<=4,vote_ack_p99<2s,loss=0",
	})
	if err != nil {
		t.Fatal(err)
	}
	pr := rep.Polls
	if pr == nil {
		t.Fatal("no polls report")
	}
	t.Logf("%+v", *pr)
	if len(pr.Polls) != 2 || pr.Kinds[0] != "single" || pr.Kinds[1] != "wordcloud" {
		t.Errorf("polls %v of kinds %v", pr.Polls, pr.Kinds)
	}
	if pr.VotesSent != 100 || pr.VotesAcked != 100 || pr.VotesUnchanged != 0 || pr.VoteErrors != 0 {
		t.Errorf("votes sent %d acked %d unchanged %d errors %d; want 100 acked, all changing", pr.VotesSent, pr.VotesAcked, pr.VotesUnchanged, pr.VoteErrors)
	}
	// Client c's single ballot: c mod 4, moved to (c+1) mod 4 by clients 0–19.
	want := make([]int64, pollOptions)
	for c := range 40 {
		v := c % pollOptions
		if c < 20 {
			v = (c + 1) % pollOptions
		}
		want[v]++
	}
	if len(pr.Ballots) != 2 || pr.Ballots[0] != 40 || pr.Ballots[1] != 40 || pr.ClientsStale != 0 {
		t.Errorf("ballots %v, stale %d; want 40 in each poll, none stale", pr.Ballots, pr.ClientsStale)
	}
	for i := range want {
		if pr.Expected[i] != want[i] {
			t.Fatalf("expected counts %v, want %v", pr.Expected, want)
		}
	}
	// The shortest gap is not checked: it is measured where the harness
	// reads, and a harness starved of CPU (other test packages run beside
	// this one) reads two frames sent 400 ms apart in one go.
	if pr.ResultsEvents < 80 || pr.ResultsPerSecondMax < 1 || pr.AckLatency.Count != 100 {
		t.Errorf("results events %d, per second %d, shortest gap %.1f ms, ack latencies %d", pr.ResultsEvents, pr.ResultsPerSecondMax, pr.ResultsMinGapMS, pr.AckLatency.Count)
	}
}

// TestPollStormThresholds: a server flushing results every 100 ms fails
// results_per_s_max<=4.
func TestPollStormThresholds(t *testing.T) {
	target := startHub(t, rooms.Config{ResultsFlush: 100 * time.Millisecond})
	rep, err := Run(context.Background(), pollStorm(target), Options{Assert: "results_per_s_max<=4,results_stale=0"})
	if !errors.Is(err, ErrThresholds) {
		t.Fatalf("err %v, want the results_per_s_max threshold to fail", err)
	}
	if rep.Polls == nil || rep.Polls.ResultsPerSecondMax < 6 || rep.Polls.ClientsStale != 0 {
		t.Fatalf("polls report %+v; want more than 5 results per second, none stale", rep.Polls)
	}
}

// TestVoteAction: a client's ballots alternate between the polls, and its
// second round in a poll is another value.
func TestVoteAction(t *testing.T) {
	for _, c := range []struct {
		pub         int
		n           uint64
		k           int
		poll, value int
	}{
		{0, 1, 1, 0, 0}, {0, 2, 1, 0, 1}, {5, 1, 2, 0, 1}, {5, 2, 2, 1, 5}, {5, 3, 2, 0, 2}, {5, 4, 2, 1, 6}, {53, 2, 2, 1, 3},
	} {
		if p, v := voteAction(c.pub, c.n, c.k); p != c.poll || v != c.value {
			t.Errorf("voteAction(%d, %d, %d) = %d, %d; want %d, %d", c.pub, c.n, c.k, p, v, c.poll, c.value)
		}
	}
	if countsSig([]byte("[1,2,0]")) != mix(0)+2*mix(1) || wordsSig([]byte(`{"w3":2,"w7":1}`)) != 2*mix(fnv1a([]byte("w3")))+mix(fnv1a([]byte("w7"))) {
		t.Error("signatures")
	}
}
