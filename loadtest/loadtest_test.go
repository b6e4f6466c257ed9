package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// run runs a small scenario against a fake hub with the given faults.
func run(t *testing.T, f faults, edit func(*Scenario), opt Options) (*Report, *fakeHub, error) {
	t.Helper()
	h := newFakeHub(t, f)
	sc := Scenario{
		Targets:        []string{h.srv.URL},
		Rooms:          1,
		ClientsPerRoom: 20,
		Ramp:           2000,
		Duration:       1500 * time.Millisecond,
		Drain:          2 * time.Second,
		CommentRate:    20,
	}
	if edit != nil {
		edit(&sc)
	}
	rep, err := Run(context.Background(), sc, opt)
	if rep == nil {
		t.Fatalf("Run: %v", err)
	}
	return rep, h, err
}

func TestCleanRun(t *testing.T) {
	dir := t.TempDir()
	var summary bytes.Buffer
	rep, h, err := run(t, faults{}, nil, Options{
		Summary:  &summary,
		JSONPath: filepath.Join(dir, "r.json"),
		HTMLPath: filepath.Join(dir, "r.html"),
		Assert:   "loss=0,duplicates=0,out_of_order=0,connect_failures=0,p99<1s,connected=20",
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, summary.String())
	}
	t.Logf("summary:\n%s", summary.String())
	sent := rep.Commands.Sent["comment"]
	if sent < 20 {
		t.Fatalf("sent %d comments, want about 30", sent)
	}
	if want := sent * 20; rep.Delivery.Deliveries != want || rep.Loss.Expected != want || rep.Loss.Received != want {
		t.Errorf("deliveries %d expected %d received %d, want %d each", rep.Delivery.Deliveries, rep.Loss.Expected, rep.Loss.Received, want)
	}
	if rep.Commands.Acks != sent || rep.Commands.AckLatency.Count != sent {
		t.Errorf("acks %d (%d timed), want %d", rep.Commands.Acks, rep.Commands.AckLatency.Count, sent)
	}
	if rep.Server.CPUPerFrame == 0 || rep.Server.CPUPerServerDelivery == 0 {
		t.Errorf("server figures missing: %+v", rep.Server)
	}
	if got := h.delivered.Load(); got != sent*20 {
		t.Errorf("fake delivered %d, want %d", got, sent*20)
	}
	var back Report
	data, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	if err := json.Unmarshal(data, &back); err != nil || back.Delivery.Deliveries != rep.Delivery.Deliveries {
		t.Errorf("JSON report does not round-trip: %v", err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "r.html"))
	if !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script src")) || bytes.Contains(page, []byte("<link")) {
		t.Errorf("HTML report is not a self-contained page with charts")
	}
	if !strings.Contains(summary.String(), "ok loss=0") {
		t.Errorf("summary lacks assertion results:\n%s", summary.String())
	}
}

func TestDetectsFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     faults
		check func(t *testing.T, rep *Report, h *fakeHub)
	}{
		{"loss", faults{dropEvery: 7}, func(t *testing.T, rep *Report, h *fakeHub) {
			if rep.Loss.Lost == 0 || rep.Loss.Lost != h.dropped.Load() {
				t.Errorf("lost %d, fake dropped %d", rep.Loss.Lost, h.dropped.Load())
			}
			if rep.Loss.Duplicates != 0 || rep.Loss.OutOfOrder != 0 {
				t.Errorf("false duplicates/reorders: %+v", rep.Loss)
			}
			if len(rep.Loss.Worst) == 0 || rep.Loss.Worst[0].Lost == 0 || rep.Loss.Worst[0].Target == "" {
				t.Errorf("worst clients not listed: %+v", rep.Loss.Worst)
			}
		}},
		{"duplicates", faults{dupEvery: 5}, func(t *testing.T, rep *Report, h *fakeHub) {
			if rep.Loss.Duplicates == 0 || rep.Loss.Duplicates != h.duplicated.Load() {
				t.Errorf("duplicates %d, fake duplicated %d", rep.Loss.Duplicates, h.duplicated.Load())
			}
			if rep.Loss.Lost != 0 || rep.Loss.OutOfOrder != 0 {
				t.Errorf("false loss/reorders: %+v", rep.Loss)
			}
		}},
		{"reorder", faults{reorderEvery: 6}, func(t *testing.T, rep *Report, h *fakeHub) {
			if rep.Loss.OutOfOrder == 0 || rep.Loss.OutOfOrder != h.reorders.Load() {
				t.Errorf("out of order %d, fake reordered %d", rep.Loss.OutOfOrder, h.reorders.Load())
			}
			if rep.Loss.Lost != h.heldNow() || rep.Loss.Duplicates != 0 {
				t.Errorf("lost %d (fake still holds %d), duplicates %d", rep.Loss.Lost, h.heldNow(), rep.Loss.Duplicates)
			}
		}},
		{"resume after 4008", faults{closeAfter: 8}, func(t *testing.T, rep *Report, h *fakeHub) {
			if rep.Clients.Reconnects != 20 || rep.Clients.CloseCodes["4008"] != 20 {
				t.Errorf("reconnects %d, close codes %v; want 20 each", rep.Clients.Reconnects, rep.Clients.CloseCodes)
			}
			if rep.Loss.Lost != 0 || rep.Loss.Duplicates != 0 || rep.Loss.OutOfOrder != 0 || rep.Loss.Received != rep.Loss.Expected {
				t.Errorf("resume broke the accounting: %+v", rep.Loss)
			}
		}},
		{"rate limited", faults{rateLimitEvery: 4}, func(t *testing.T, rep *Report, h *fakeHub) {
			if rep.Commands.RateLimited == 0 || rep.Commands.RateLimited != h.rateLimited.Load() ||
				rep.Commands.RateLimitedByKind["comment"] != h.rateLimited.Load() {
				t.Errorf("rate limited %d %v, fake %d", rep.Commands.RateLimited, rep.Commands.RateLimitedByKind, h.rateLimited.Load())
			}
			if rep.Loss.Lost != 0 {
				t.Errorf("rate-limited comments counted as loss: %+v", rep.Loss)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, h, err := run(t, tc.f, func(s *Scenario) {
				// Publishers resume 50–250 ms after 4008; give them time.
				s.CommentRate = 30
				s.CommentsPerClient = 2
			}, Options{Assert: "loss=0,duplicates=0,out_of_order=0"})
			tc.check(t, rep, h)
			faulty := tc.f.dropEvery+tc.f.dupEvery+tc.f.reorderEvery > 0
			if faulty != errors.Is(err, ErrThresholds) {
				t.Errorf("thresholds error = %v, want one only for injected faults", err)
			}
		})
	}
}

func TestLatencyMatchesInjectedDelay(t *testing.T) {
	const delay = 50 * time.Millisecond
	rep, _, err := run(t, faults{delay: delay}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Loopback and the race detector add a little; the delay is a floor.
	const tolerance = 30 * time.Millisecond
	lo, hi := float64(delay/time.Millisecond), float64((delay+tolerance)/time.Millisecond)
	if l := rep.Delivery.Latency; l.P50 < lo || l.P50 > hi || l.Max < lo {
		t.Errorf("p50 %.2fms (min over deliveries must be ≥ %v), want within [%v, %v]", l.P50, delay, lo, hi)
	}
	if rep.Loss.Lost != 0 {
		t.Errorf("loss with a delay: %+v", rep.Loss)
	}
}

func TestReactionsCounted(t *testing.T) {
	rep, _, err := run(t, faults{}, func(s *Scenario) {
		s.CommentRate = 0
		s.ReactRate = 100
	}, Options{Assert: "reactions_missing=0"})
	if err != nil {
		t.Fatal(err)
	}
	if rr := rep.Reaction; rr.Sent < 100 || rr.Counted != rr.Sent || rr.DeltaSum != rr.Sent {
		t.Errorf("reactions %+v, want all counted", rr)
	}
}

func TestConnectFailures(t *testing.T) {
	h := newFakeHub(t, faults{})
	rep, err := Run(context.Background(), Scenario{
		Targets: []string{h.srv.URL}, RoomCodes: []string{"NOSUCH"}, ClientsPerRoom: 5,
		Ramp: 1000, Duration: 100 * time.Millisecond, NoReconnect: true,
	}, Options{Assert: "connect_failures=0"})
	if !errors.Is(err, ErrThresholds) || !strings.Contains(err.Error(), "connect_failures=0") {
		t.Fatalf("err = %v, want the connect_failures threshold to fail", err)
	}
	if rep.Clients.Failures != 5 || rep.Clients.FailureReasons["close 4004"] != 5 {
		t.Errorf("failures %d %v, want 5 × close 4004", rep.Clients.Failures, rep.Clients.FailureReasons)
	}
}

func TestSpreadsOverTargetsAndRooms(t *testing.T) {
	h := newFakeHub(t, faults{})
	second := h.secondServer()
	rep, err := Run(context.Background(), Scenario{
		Targets: []string{h.srv.URL, second.URL}, Rooms: 3, ClientsPerRoom: 10,
		Ramp: 2000, Duration: time.Second, CommentRate: 10, CommentsPerClient: 2,
	}, Options{Assert: "loss=0,connect_failures=0,connected=30"})
	if err != nil {
		t.Fatal(err)
	}
	host := func(u string) string { return strings.TrimPrefix(u, "http://") }
	if a, b := h.connsTo(host(h.srv.URL)), h.connsTo(host(second.URL)); a != 15 || b != 15 {
		t.Errorf("connections per target %d and %d, want 15 each", a, b)
	}
	if len(rep.Rooms) != 3 || len(rep.Servers) != 2 || rep.Servers[0].Clients != 15 {
		t.Errorf("rooms %v, servers %d, clients on the first %d", rep.Rooms, len(rep.Servers), rep.Servers[0].Clients)
	}
	// Each room's 5 publishers alternate between the two targets, so half of
	// the deliveries cross instances, give or take one publisher's share.
	if want := rep.Commands.Sent["comment"] * 10; rep.Delivery.Deliveries != want {
		t.Errorf("deliveries %d, want %d", rep.Delivery.Deliveries, want)
	}
	d := rep.Delivery
	if d.SameTarget == nil || d.CrossTarget == nil || d.SameTarget.Count+d.CrossTarget.Count != d.Deliveries ||
		d.CrossTarget.Count < d.Deliveries/3 || d.SameTarget.Count < d.Deliveries/3 {
		t.Errorf("same/cross split %+v / %+v of %d", d.SameTarget, d.CrossTarget, d.Deliveries)
	}
}
