package hub

import (
	"testing"
	"time"
)

// TestFlushPaceFollowsTheHeldClientsLag drives a pace with whole windows
// of clients and checks the interval it gives after each, and what it
// reports of the window: it stretches by a quarter per window while the
// clients held by an interval are taken late, never past the maximum,
// holds while they are taken a little late, and comes back to the base
// step by step once they are on time. Clients that were
// ready at once (quiet ones, in a broadcast's sweep) never stretch it,
// however late the sweep reaches them.
func TestFlushPaceFollowsTheHeldClientsLag(t *testing.T) {
	const base, most = 24 * time.Millisecond, 40 * time.Millisecond
	var told []paceWindowEnd
	p := newFlushPace(base, most, func(w paceWindowEnd) { told = append(told, w) })
	start := time.Unix(1_000_000, 0)
	p.windowStart = start
	window := 0
	// run feeds one window of 10 held clients taken held late and 10
	// quiet ones taken quiet late, and returns the interval after it.
	run := func(held, quiet time.Duration) time.Duration {
		window++
		at := start.Add(time.Duration(window) * paceWindow)
		for i := range 10 {
			before := at.Add(-time.Duration(10-i) * time.Millisecond)
			p.took(held, true, before)
			p.took(quiet, false, before)
		}
		p.took(held, true, at) // closes the window
		return p.interval()
	}
	const late, aLittle, onTime = 10 * time.Millisecond, 4 * time.Millisecond, 2 * time.Millisecond
	steps := []struct {
		name        string
		held, quiet time.Duration
		want        time.Duration
	}{
		{"keeping up: the base", 0, 0, base},
		{"a long sweep of quiet clients: the base", onTime, time.Second, base},
		{"held clients late: a quarter more", late, 0, 30 * time.Millisecond},
		{"still late", late, 0, 37500 * time.Microsecond},
		{"still late: capped at the maximum", late, 0, most},
		{"late at the maximum", time.Second, 0, most},
		{"a little late: holds", aLittle, 0, most},
		{"on time: a sixteenth of the base less", onTime, late, most - base/16},
		{"a client taken before it was due is no lag", -time.Second, 0, most - 2*base/16},
	}
	for _, s := range steps {
		if got := run(s.held, s.quiet); got != s.want {
			t.Fatalf("%s (held lag %v, quiet lag %v): interval %v, want %v", s.name, s.held, s.quiet, got, s.want)
		}
		wantLag := max(s.held, 0)
		if last := told[len(told)-1]; last.Interval != s.want || last.Lag != wantLag {
			t.Fatalf("%s: reported %+v, want interval %v and lag %v", s.name, last, s.want, wantLag)
		}
	}
	for range 20 {
		run(0, 0)
	}
	if got := p.interval(); got != base {
		t.Fatalf("after 20 windows on time: interval %v, want the base %v", got, base)
	}
	if want := 1 + window; len(told) != want || told[0] != (paceWindowEnd{Interval: base}) {
		t.Fatalf("reported %d times, first %+v; want the base at the start and then every window: %d", len(told), told[0], want)
	}
}

// TestFlushPaceNeverStretchedAtMaxBase: a maximum no longer than the base
// (-max-flush-interval equal to -flush-interval) keeps the interval fixed
// however late the writers are.
func TestFlushPaceNeverStretchedAtMaxBase(t *testing.T) {
	const base = 25 * time.Millisecond
	p := newFlushPace(base, base, nil)
	at := time.Unix(1_000_000, 0)
	for range 50 {
		at = at.Add(paceWindow)
		p.took(time.Second, true, at)
	}
	if got := p.interval(); got != base {
		t.Fatalf("interval %v, want %v", got, base)
	}
}

// TestPaceCountsOnlyBackloggedClients: of the clients the writers take
// late, only those that waited out an interval with more than one urgent
// event count as a backlog. A calm client that waited with one comment, or
// with counters only, behind a broadcast's sweep does not stretch the
// interval (at the event preset they did, and every comment waited for
// it), nor does a quiet client however much it carries.
func TestPaceCountsOnlyBackloggedClients(t *testing.T) {
	const base, most = 25 * time.Millisecond, 50 * time.Millisecond
	var told []paceWindowEnd
	pool := newWriterPool(newFlushPace(base, most, func(w paceWindowEnd) { told = append(told, w) }))
	start := time.Unix(1_000_000, 0)
	pool.pace.windowStart = start
	window := 0
	// take has the writers take clients 20 ms after they were due, in the
	// middle of a window, and a quiet one at its end to close it.
	take := func(clients ...*client) paceWindowEnd {
		t.Helper()
		window++
		at := start.Add(time.Duration(window) * paceWindow)
		mid := at.Add(-paceWindow / 2)
		for _, c := range clients {
			c.poolDue = mid.Add(-20 * time.Millisecond)
		}
		closer := &client{poolIndex: -1, poolDue: at}
		pool.mu.Lock()
		defer pool.mu.Unlock()
		pool.ready = append(pool.ready, clients...)
		if n := pool.takeLocked(make([]*client, len(clients)), mid); n != len(clients) {
			t.Fatalf("took %d of %d clients", n, len(clients))
		}
		pool.ready = append(pool.ready, closer)
		pool.takeLocked(make([]*client, 1), at)
		return told[len(told)-1]
	}
	waited := func(urgent int32, held bool) *client {
		c := &client{poolIndex: -1, poolHeld: held}
		c.urgentEvents.Store(urgent)
		return c
	}

	if w := take(waited(0, true), waited(1, true), waited(1, true), waited(5, false)); w.Lag != 0 || w.Interval != base {
		t.Fatalf("calm and quiet clients 20 ms late: %+v; want no backlog and the base interval", w)
	}
	if w := take(waited(2, true), waited(3, true), waited(1, true)); w.Lag != 20*time.Millisecond || w.Interval != base+base/4 {
		t.Fatalf("backlogged clients 20 ms late: %+v; want a lag of 20 ms (theirs alone) and the interval a quarter longer", w)
	}
}
