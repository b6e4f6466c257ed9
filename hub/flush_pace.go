package hub

import (
	"sync/atomic"
	"time"
)

// Pacing: how the flush interval follows the writers' lag.
const (
	// paceWindow is how often the pace is reconsidered, from the lag of
	// the clients the writers took in the window.
	paceWindow = 100 * time.Millisecond
	// paceBehind: the writers are behind when a due client waited, on
	// average over a window, more than the base interval divided by it.
	paceBehind = 4
	// paceCaughtUp: they have caught up when it waited less than the base
	// interval divided by it.
	paceCaughtUp = 16
)

// flushPace is the flush interval in force: the configured FlushInterval
// while the pool's writers keep up, stretched up to MaxFlushInterval while
// they fall behind.
//
// A frame costs about the same CPU whatever it carries. When busy clients
// are due faster than the writers can write them, writing each busy client
// less often, with more events in each frame, is what lets them catch up;
// keeping the short interval then only queues clients behind one another
// until every event is late (under the abuse scenario the comment p99 went
// from under 100 ms to 130-540 ms that way). The writers tell the pace how
// long after its due time they took each client (its lag). Over each
// paceWindow the interval grows by a quarter while the average lag is
// above base/paceBehind, and shrinks by base/paceCaughtUp while it is
// under base/paceCaughtUp: fast to shed frames, slow to take them back, so
// it does not swing. A quiet client's event still leaves at once, whatever
// the interval.
//
// interval is safe for concurrent use; took is called with the pool's mu
// held.
type flushPace struct {
	base, max time.Duration
	current   atomic.Int64          // the interval in force, in nanoseconds
	report    func(w paceWindowEnd) // told the end of every window; may be nil

	windowStart time.Time
	lagSum      time.Duration
	taken       int
}

// paceWindowEnd is what a window measured and the interval it left.
type paceWindowEnd struct {
	Interval time.Duration
	Lag      time.Duration // how long a due client waited for a writer, on average
}

func newFlushPace(base, most time.Duration, report func(paceWindowEnd)) *flushPace {
	p := &flushPace{base: base, max: most, report: report}
	p.current.Store(int64(base))
	if report != nil {
		report(paceWindowEnd{Interval: base})
	}
	return p
}

// interval is the least time between two frames to one client now.
func (p *flushPace) interval() time.Duration { return time.Duration(p.current.Load()) }

// took records that a writer took a client lag after it was due, and ends
// the window once paceWindow has passed.
func (p *flushPace) took(lag time.Duration, now time.Time) {
	p.lagSum += max(lag, 0)
	p.taken++
	if now.Sub(p.windowStart) < paceWindow {
		return
	}
	end := paceWindowEnd{Lag: p.lagSum / time.Duration(p.taken)}
	p.windowStart, p.lagSum, p.taken = now, 0, 0
	cur := p.interval()
	end.Interval = cur
	switch {
	case end.Lag > p.base/paceBehind:
		end.Interval = min(p.max, cur+cur/4)
	case end.Lag < p.base/paceCaughtUp:
		end.Interval = max(p.base, cur-p.base/paceCaughtUp)
	}
	if end.Interval != cur {
		p.current.Store(int64(end.Interval))
	}
	if p.report != nil {
		p.report(end)
	}
}
