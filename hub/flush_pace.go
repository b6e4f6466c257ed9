package hub

import (
	"sync/atomic"
	"time"
)

// Pacing: how the flush interval follows the writers' lag.
const (
	// paceWindow is how often the pace is reconsidered.
	paceWindow = 100 * time.Millisecond
	// paceBehind: the writers are behind when the backlogged clients (see
	// flushPace) were taken, on average over a window, more than the base
	// interval divided by it after they were due.
	paceBehind = 4
	// paceCaughtUp: they have caught up when that lag is under the base
	// interval divided by it; the interval then shrinks by the base divided
	// by paceReturn per window (from twice the base back to it in 1.6 s).
	paceCaughtUp = 8
	paceReturn   = 16
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
// past 130 ms, in some runs 540 ms, that way).
//
// The measure is the lag of backlogged clients: those that had to wait
// out an interval in the pool's heap and by then held more than one
// urgent event, taken by a writer how long after they were due. Only they
// gain from a longer interval, which puts their events in fewer frames.
// Clients that were ready at once, because they had been quiet, do not
// count: in a broadcast to thousands of quiet clients the last waits for
// the whole sweep, and a longer interval would not shorten it, only delay
// the next event. Nor do clients that waited with one event or with
// counters only (reactions, presence): in a busy room of calm clients
// (the event preset: a comment every 100 ms and the reactions) they wait
// behind every broadcast's sweep, late by the sweep and not by a backlog,
// and stretching for them only delayed the next comment.
//
// Over each paceWindow the interval grows by a quarter while the
// backlogged clients' average lag is above base/paceBehind, holds while it
// is between that and base/paceCaughtUp, and shrinks by base/paceReturn
// below (and when none was backlogged): fast to shed frames, slow to take
// them back, so it does not swing. A quiet client's
// event leaves at once, whatever the interval.
//
// interval is safe for concurrent use; the other methods are called with
// the pool's mu held.
type flushPace struct {
	base, max time.Duration
	current   atomic.Int64          // the interval in force, in nanoseconds
	report    func(w paceWindowEnd) // told the end of every window; may be nil

	windowStart time.Time
	lagSum      time.Duration
	held        int
}

// paceWindowEnd is what a window measured and the interval it left.
type paceWindowEnd struct {
	Interval time.Duration
	Lag      time.Duration // how long after it was due a held client was taken, on average
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

// took records that a writer took a client lag after it was due; held: it
// had waited out an interval with more than one urgent event. It ends the
// window once paceWindow has passed.
func (p *flushPace) took(lag time.Duration, held bool, now time.Time) {
	if held {
		p.lagSum += max(lag, 0)
		p.held++
	}
	if now.Sub(p.windowStart) < paceWindow {
		return
	}
	var end paceWindowEnd
	if p.held > 0 {
		end.Lag = p.lagSum / time.Duration(p.held)
	}
	p.windowStart, p.lagSum, p.held = now, 0, 0
	cur := p.interval()
	end.Interval = cur
	switch {
	case end.Lag > p.base/paceBehind:
		end.Interval = min(p.max, cur+cur/4)
	case end.Lag < p.base/paceCaughtUp:
		end.Interval = max(p.base, cur-p.base/paceReturn)
	}
	if end.Interval != cur {
		p.current.Store(int64(end.Interval))
	}
	if p.report != nil {
		p.report(end)
	}
}
