package loadtest

import (
	"bufio"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestCheckGrowth: the growth rule passes flat and noisy series and a
// warm-up that levels off, and fails a steady climb and a late step.
func TestCheckGrowth(t *testing.T) {
	series := func(n int, f func(i int) float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	rule := GrowthRule{Abs: 10, Rel: 0.10}
	for _, tc := range []struct {
		name string
		vals []float64
		pass bool
	}{
		{"flat", series(30, func(int) float64 { return 500 }), true},
		{"noisy, with wave swings", series(60, func(i int) float64 { return 500 + 80*math.Sin(float64(i)) }), true},
		{"warm-up then level", series(30, func(i int) float64 { return 500 - 400*math.Exp(-float64(i)/3) }), true},
		{"falling", series(30, func(i int) float64 { return 1000 - 10*float64(i) }), true},
		{"steady climb", series(30, func(i int) float64 { return 500 + 10*float64(i) }), false},
		{"slow leak on noise", series(90, func(i int) float64 { return 500 + 4*float64(i) + 40*math.Sin(float64(i)) }), false},
		{"step in the last third", series(30, func(i int) float64 { return 500 + 100*float64(i/20) }), false},
		{"too few samples", []float64{1, 1, 1, 1, 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := CheckGrowth("x", tc.vals, rule, nil)
			if g.Passed != tc.pass {
				t.Errorf("passed %v, want %v: %s", g.Passed, tc.pass, g.Message)
			}
			if !strings.HasPrefix(g.Message, map[bool]string{true: "ok", false: "FAILED"}[tc.pass]) {
				t.Errorf("message %q", g.Message)
			}
		})
	}
	// The relative tolerance takes over from the absolute one on big values.
	big := series(30, func(i int) float64 { return 1e6 + float64(i/20)*90e3 })
	if g := CheckGrowth("big", big, rule, nil); !g.Passed || g.Tolerance != 1e5 {
		t.Errorf("9%% step within 10%%: %s", g.Message)
	}
}

// TestReadInfoReply parses INFO's bulk reply and refuses an error reply.
func TestReadInfoReply(t *testing.T) {
	body := "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n"
	reply := "$" + itoa(len(body)) + "\r\n" + body + "\r\n"
	info, err := readInfoReply(bufio.NewReader(strings.NewReader(reply)))
	if err != nil || info["used_memory"] != "1048576" || info["used_memory_human"] != "1.00M" {
		t.Fatalf("%v %v", info, err)
	}
	if n := keyspaceKeys(map[string]string{"db0": "keys=12,expires=3,avg_ttl=0", "db1": "keys=5,expires=0,avg_ttl=0", "used_memory": "7"}); n != 17 {
		t.Errorf("keys in db0 and db1: %v, want 17", n)
	}
	if _, err := readInfoReply(bufio.NewReader(strings.NewReader("-NOAUTH Authentication required.\r\n"))); err == nil {
		t.Fatal("an error reply was accepted")
	}
}

// TestCheckSettled: back near the start passes, a remainder past the slack fails.
func TestCheckSettled(t *testing.T) {
	if g := checkSettled("goroutines", 13, 23, 10); !g.Passed {
		t.Errorf("10 more with slack 10: %s", g.Message)
	}
	if g := checkSettled("goroutines", 13, 24, 10); g.Passed || !strings.HasPrefix(g.Message, "FAILED") {
		t.Errorf("11 more with slack 10: %s", g.Message)
	}
}

// TestSoakFailures: a soak fails on a growing series, on lost or phantom
// items, on failed waves and exports, and when it verified nothing.
func TestSoakFailures(t *testing.T) {
	ok := &SoakReport{Waves: 2, Checks: []GrowthCheck{{Passed: true}},
		Verify: VerifyReport{CommentsAcked: 5, QuestionsAcked: 1, BallotsAcked: 3}}
	if f := ok.Failures(); len(f) != 0 {
		t.Fatalf("a clean soak failed: %v", f)
	}
	for name, spoil := range map[string]func(r *SoakReport){
		"growth":         func(r *SoakReport) { r.Checks = append(r.Checks, GrowthCheck{Message: "FAILED rss"}) },
		"lost comment":   func(r *SoakReport) { r.Verify.CommentsMissing = 1 },
		"lost ballot":    func(r *SoakReport) { r.Verify.BallotsMissing = 1 },
		"phantom ballot": func(r *SoakReport) { r.Verify.BallotsUnexpected = 1 },
		"export failed":  func(r *SoakReport) { r.Verify.Errors = []string{"export X: 500"} },
		"wave failed":    func(r *SoakReport) { r.WaveErrors = []string{"wave at 0:10: create room"} },
		"no waves":       func(r *SoakReport) { r.Waves = 0 },
		"nothing acked":  func(r *SoakReport) { r.Verify.QuestionsAcked = 0 },
	} {
		r := *ok
		r.Checks = slices.Clone(ok.Checks)
		spoil(&r)
		if f := r.Failures(); len(f) == 0 {
			t.Errorf("%s: the soak passed", name)
		}
	}
}
