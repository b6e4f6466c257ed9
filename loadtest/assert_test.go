package loadtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAssertions(t *testing.T) {
	rep := &Report{}
	rep.Delivery.Latency.P99 = 120
	rep.Loss.Lost = 0
	rep.Server.RSSPerClient = 20 << 10
	for _, tc := range []struct {
		spec string
		pass bool
	}{
		{"p99<100ms", false},
		{"p99<1s", true},
		{"p99<=120", true},
		{"loss=0", true},
		{"loss==0", true},
		{"loss!=0", false},
		{"rss_per_client<16KiB", false},
		{"rss_per_client<=20KiB", true},
		{"connect_failures>=0", true},
	} {
		as, err := ParseAssertions(tc.spec)
		if err != nil || len(as) != 1 {
			t.Fatalf("ParseAssertions(%q) = %v, %v", tc.spec, as, err)
		}
		res := evaluate(as, rep)[0]
		if res.Passed != tc.pass {
			t.Errorf("%s passed = %v (%s)", tc.spec, res.Passed, res.Message)
		}
		if !tc.pass && !strings.HasPrefix(res.Message, "FAILED "+tc.spec) {
			t.Errorf("message %q does not name the failed threshold", res.Message)
		}
	}
	for _, bad := range []string{"p99", "latency<1ms", "p99<fast", "loss!", "rss_per_client<16 apples"} {
		if _, err := ParseAssertions(bad); err == nil {
			t.Errorf("ParseAssertions(%q) succeeded, want an error", bad)
		}
	}
	if as, err := ParseAssertions(" p99<100ms , loss=0 ,"); err != nil || len(as) != 2 {
		t.Errorf("list with spaces: %v %v", as, err)
	}
}

func TestScenarioFileAndPresets(t *testing.T) {
	for _, name := range PresetNames() {
		s, err := Preset(name)
		if err != nil || s.Validate() != nil {
			t.Errorf("preset %s: %v %v", name, err, s.Validate())
		}
	}
	if _, err := Preset("nope"); err == nil {
		t.Error("unknown preset accepted")
	}
	path := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(path, []byte(`{"clients_per_room":50,"duration":"3s","drain":2.5,"comment_rate":7,"targets":["http://a:1","http://b:2"]}`), 0o644)
	s, _ := Preset("smoke")
	if err := s.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if s.ClientsPerRoom != 50 || s.Duration != 3*time.Second || s.Drain != 2500*time.Millisecond || s.CommentRate != 7 || len(s.Targets) != 2 || s.Rooms != 1 {
		t.Errorf("overlay = %+v", s)
	}
	os.WriteFile(path, []byte(`{"clients":5}`), 0o644)
	if err := s.LoadFile(path); err == nil {
		t.Error("unknown field accepted")
	}
}
