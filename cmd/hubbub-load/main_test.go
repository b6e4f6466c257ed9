package main

import (
	"bytes"
	"io"
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

func TestScenarioLayers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(file, []byte(`{"clients_per_room":50,"duration":"7s","comment_rate":3}`), 0o644)
	for _, tc := range []struct {
		args            []string
		clients         int
		duration        time.Duration
		comments, reacs float64
		targets         string
	}{
		{[]string{}, defaultClients, 0, 0, 0, ""},
		{[]string{"-preset", "event"}, 6000, 30 * time.Second, 10, 1000, ""},
		{[]string{"-preset", "event", "-clients-per-room", "3000"}, 3000, 30 * time.Second, 10, 1000, ""},
		{[]string{"-preset", "smoke", "-scenario", file}, 50, 7 * time.Second, 3, 0, ""},
		{[]string{"-preset", "smoke", "-scenario", file, "-duration", "9s", "-targets", "http://a:1, http://b:2"}, 50, 9 * time.Second, 3, 0, "http://a:1,http://b:2"},
	} {
		fs, opt := newFlags(io.Discard)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		sc, err := buildScenario(fs, *opt)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if sc.ClientsPerRoom != tc.clients || sc.Duration != tc.duration || sc.CommentRate != tc.comments || sc.ReactRate != tc.reacs ||
			strings.Join(sc.Targets, ",") != tc.targets {
			t.Errorf("%v: got %+v", tc.args, sc)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-list-metrics"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "p99") {
		t.Errorf("-list-metrics: exit %d, %q", code, out.String())
	}
	for _, args := range [][]string{{"-nope"}, {"-preset", "nope"}, {"extra"}, {"-targets", "ftp://x"}, {"-assert", "p99<fast", "-targets", "http://127.0.0.1:1"}} {
		errb.Reset()
		code := run(args, io.Discard, &errb)
		if code == 0 {
			t.Errorf("%v: exit 0, want failure", args)
		}
	}
}
