package main

import (
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestRedisDurabilityWarnings: an instance on a Redis that would lose
// acknowledged writes (no append-only file, no memory bound, an eviction
// policy) says so at start; on one set up for production it says nothing.
func TestRedisDurabilityWarnings(t *testing.T) {
	warnings := []string{"no append-only file", "no maxmemory", "evicts keys"}
	for _, tc := range []struct {
		name string
		opts []redistest.Option
		want []string
	}{
		{"no AOF, no maxmemory", nil, warnings[:2]},
		{"evicting", []redistest.Option{redistest.AOF(), redistest.Args("--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru")}, warnings[2:]},
		{"production", []redistest.Option{redistest.AOF(), redistest.Args("--maxmemory", "100mb", "--maxmemory-policy", "noeviction")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.opts...)
			in := startInstance(t, "w", srv.URL(), "-secret", clusterSecret)
			log := in.logTail(1 << 20) // startInstance read up to "hubbub serving", after the warnings
			for _, w := range warnings {
				wanted := false
				for _, x := range tc.want {
					wanted = wanted || x == w
				}
				if got := strings.Contains(log, w); got != wanted {
					t.Errorf("log mentions %q: %v, want %v\n%s", w, got, wanted, log)
				}
			}
		})
	}
}
