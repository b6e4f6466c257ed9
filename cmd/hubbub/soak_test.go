package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/loadtest"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// defaultSoak is the soak make test runs (make unit); make soak sets
// HUBBUB_SOAK=30m (or SOAK=5m).
const defaultSoak = 60 * time.Second

// TestSoak is the soak (issue 14; docs/operations.md): two hubbub instances
// on one redis-server with AOF, all started here on free loopback ports,
// and waves of the soak preset for HUBBUB_SOAK (default 60 s): joins,
// drops and leaves, comments, reactions, questions, upvotes and ballots in
// two polls, in rooms with clients on both instances. It fails when a
// server's RSS (/proc VmRSS) or goroutines (/metrics) or Redis used_memory
// or keys keep growing (loadtest.CheckGrowth: median of the last third
// against the middle third's), when a server's goroutines or Redis's keys
// are not back near their start once every client left and every room was
// deleted, or when an acknowledged comment, question or ballot is missing
// from its room's export. HUBBUB_SOAK_JSON writes the report there.
func TestSoak(t *testing.T) {
	d := defaultSoak
	if v := os.Getenv("HUBBUB_SOAK"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d < 30*time.Second {
			t.Fatalf("HUBBUB_SOAK=%q: want a duration of at least 30s (%v)", v, err)
		}
	}
	redis := redistest.Start(t, redistest.AOF())
	// One after the other: startInstance fails the test, which only the
	// test's goroutine may do.
	extra := []string{"-secret", clusterSecret, "-room-create-rate", "-1"}
	a := startInstance(t, "soak-a", redis.URL(), extra...)
	b := startInstance(t, "soak-b", redis.URL(), extra...)

	var log bytes.Buffer
	rep, err := loadtest.Soak(context.Background(), loadtest.SoakConfig{
		Duration:  d,
		Targets:   []string{a.base, b.base},
		PIDs:      []int{a.cmd.Process.Pid, b.cmd.Process.Pid},
		RedisAddr: redis.Addr(),
		Log:       testLog{t},
	})
	if err != nil {
		t.Fatal(err)
	}
	loadtest.WriteSoakText(&log, rep)
	t.Logf("\n%s", log.String())
	if path := os.Getenv("HUBBUB_SOAK_JSON"); path != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Error(err)
		}
	}
	for _, f := range rep.Failures() {
		t.Error(f)
	}
	// The soak must have done what it is for, not only found nothing.
	if rep.Dropped == 0 || rep.Left == 0 || rep.Reconnects == 0 {
		t.Errorf("no churn: %d drops, %d leaves, %d reconnects", rep.Dropped, rep.Left, rep.Reconnects)
	}
	for _, kind := range []string{"comment", "react", "question", "upvote", "vote"} {
		if rep.Sent[kind] == 0 {
			t.Errorf("no %s sent: %v", kind, rep.Sent)
		}
	}
	if want := int(d / (10 * time.Second)); len(rep.Samples) < want {
		t.Errorf("%d samples, want at least %d", len(rep.Samples), want)
	}
}

// testLog writes each line to the test's log (live with -v).
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
