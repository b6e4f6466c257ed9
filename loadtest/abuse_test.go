package loadtest

import (
	"context"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestAbuseDriver: against the real server, an attacker mints identities,
// every command it sends is answered (acks, and rate_limited once an
// identity's limits are used up), and the clients beside it lose nothing.
func TestAbuseDriver(t *testing.T) {
	target := startHub(t, rooms.Config{})
	sc := Scenario{
		Targets: []string{target}, Rooms: 1, ClientsPerRoom: 30, Ramp: 2000,
		Duration: 2 * time.Second, Drain: 5 * time.Second, CommentRate: 5, Attackers: 1,
	}
	rep, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	ab := rep.Abuse
	if ab == nil {
		t.Fatal("no abuse section in the report")
	}
	if ab.Minted < 2 || ab.Hellos < ab.Minted {
		t.Fatalf("attacker minted %d identities in %d hellos, want at least 2", ab.Minted, ab.Hellos)
	}
	if ab.Commands < abuseCommandsPerIdentity || ab.Answers["ack"] == 0 || ab.Answers[rooms.CodeRateLimited] == 0 {
		t.Fatalf("attacker sent %d commands, answered %v; want acks and rate_limited", ab.Commands, ab.Answers)
	}
	if rep.Loss.Lost != 0 || rep.Clients.Failures != 0 {
		t.Fatalf("clients lost %d events, %d failed to connect", rep.Loss.Lost, rep.Clients.Failures)
	}
}
