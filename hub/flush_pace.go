package hub

import (
	"sync/atomic"
	"time"
)

// Pacing: how the flush interval follows the writers' load.
const (
	// paceWindow is how often the pace is reconsidered, from the writers'
	// lag over the window.
	paceWindow = 100 * time.Millisecond
	// paceBehindShare: the writers are behind when clients wait, on
	// average over a window, more than the base interval divided by it
	// between being due and being written.
	paceBehindShare = 4
	// paceCaughtUpShare: they have caught up when the average wait is
	// under the base interval divided by it.
	paceCaughtUpShare = 16
)

// flushPace is the flush interval in force: the configured FlushInterval
// while the pool's writers keep up, stretched up to MaxFlushInterval while
// they fall behind.
//
// A frame costs about the same CPU whatever it carries, so when the
// machine cannot write every busy client once per interval, writing each
// less often — with more events in each frame — is what lets it catch up;
// keeping the short interval then only queues clients behind one another
// until every event is late. The writers measure how long a due client
// waits for a writer (its lag); over each paceWindow the interval grows by
// a quarter while the average lag is above base/paceBehindShare, and
// shrinks by base/paceCaughtUpShare while it is under
// base/paceCaughtUpShare: fast to shed frames, slow to take them back, so
// it does not swing. A quiet client's event still leaves at once, whatever
// the interval.
//
// interval is safe for concurrent use; observe is called with the pool's
// mu held.
type flushPace struct {
	base, max time.Duration
	current   atomic.Int64 // the interval in force, in nanoseconds

	windowStart time.Time
	lagSum      time.Duration
	lagCount    int
	changed     func(time.Duration) // told every new interval; may be nil
}

func newFlushPace(base, max time.Duration, changed func(time.Duration)) *flushPace {
	p := &flushPace{base: base, max: max, changed: changed}
	p.current.Store(int64(base))
	if changed != nil {
		changed(base)
	}
	return p
}

// interval is the least time between two frames to one client now.
func (p *flushPace) interval() time.Duration { return time.Duration(p.current.Load()) }

// observe records that a writer took a client lag after it was due, and
// reconsiders the interval once a window has passed.
func (p *flushPace) observe(lag time.Duration, now time.Time) {
	p.lagSum += max(lag, 0)
	p.lagCount++
	if now.Sub(p.windowStart) < paceWindow {
		return
	}
	mean := p.lagSum / time.Duration(p.lagCount)
	p.windowStart, p.lagSum, p.lagCount = now, 0, 0
	cur := p.interval()
	next := cur
	switch {
	case mean > p.base/paceBehindShare:
		next = min(p.max, cur+cur/4)
	case mean < p.base/paceCaughtUpShare:
		next = max(p.base, cur-p.base/paceCaughtUpShare)
	}
	if next != cur {
		p.current.Store(int64(next))
		if p.changed != nil {
			p.changed(next)
		}
	}
}
