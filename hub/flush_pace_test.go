package hub

import (
	"testing"
	"time"
)

// TestFlushPaceFollowsTheWritersLag drives a pace with the lags of whole
// windows and checks the interval it gives after each, and what it reports
// of the window: it stretches by a quarter per window while the writers
// are behind, never past the maximum, holds in between, and comes back to
// the base step by step once they keep up.
func TestFlushPaceFollowsTheWritersLag(t *testing.T) {
	const base, most = 20 * time.Millisecond, 40 * time.Millisecond
	var told []paceWindowEnd
	p := newFlushPace(base, most, func(w paceWindowEnd) { told = append(told, w) })
	start := time.Unix(1_000_000, 0)
	p.windowStart = start
	window := 0
	// run feeds one window of clients taken lag late, and returns the
	// interval after it.
	run := func(lag time.Duration) time.Duration {
		window++
		at := start.Add(time.Duration(window) * paceWindow)
		for i := range 10 {
			p.took(lag, at.Add(-time.Duration(10-i)*time.Millisecond))
		}
		p.took(lag, at) // closes the window
		return p.interval()
	}
	steps := []struct {
		name string
		lag  time.Duration
		want time.Duration
	}{
		{"keeping up: the base", 0, base},
		{"behind: a quarter more", 10 * time.Millisecond, 25 * time.Millisecond},
		{"still behind", 10 * time.Millisecond, 31250 * time.Microsecond},
		{"still behind", 10 * time.Millisecond, 39062500 * time.Nanosecond},
		{"behind: capped at the maximum", 10 * time.Millisecond, most},
		{"behind at the maximum", 50 * time.Millisecond, most},
		{"neither behind nor caught up: holds", 3 * time.Millisecond, most},
		{"caught up: a sixteenth of the base less", 500 * time.Microsecond, most - base/16},
		{"a client never late is no lag", -time.Second, most - 2*base/16},
	}
	for _, s := range steps {
		if got := run(s.lag); got != s.want {
			t.Fatalf("%s (lag %v): interval %v, want %v", s.name, s.lag, got, s.want)
		}
		wantLag := max(s.lag, 0)
		if last := told[len(told)-1]; last.Interval != s.want || last.Lag != wantLag {
			t.Fatalf("%s: reported %+v, want interval %v and lag %v", s.name, last, s.want, wantLag)
		}
	}
	for range 20 {
		run(0)
	}
	if got := p.interval(); got != base {
		t.Fatalf("after 20 windows caught up: interval %v, want the base %v", got, base)
	}
	if want := 1 + window; len(told) != want || told[0] != (paceWindowEnd{Interval: base}) {
		t.Fatalf("reported %d times, first %+v; want the base at the start and every window after: %d", len(told), told[0], want)
	}
}

// TestFlushPaceNeverStretchedAtMaxBase: a maximum no longer than the base
// (-max-flush-interval equal to -flush-interval) keeps the interval fixed
// however far behind the writers are.
func TestFlushPaceNeverStretchedAtMaxBase(t *testing.T) {
	const base = 25 * time.Millisecond
	p := newFlushPace(base, base, nil)
	at := time.Unix(1_000_000, 0)
	for range 50 {
		at = at.Add(paceWindow)
		p.took(time.Second, at)
	}
	if got := p.interval(); got != base {
		t.Fatalf("interval %v, want %v", got, base)
	}
}
