package loadtest

import "time"

// eventRate measures how often one kind of coalesced event reaches one
// client: how many arrived, the most in any one-second window (sliding,
// and per calendar second), and the shortest time between two. It is owned
// by the client's reader and read after it ended.
type eventRate struct {
	times   [votesRing]int64 // receipt times of the last votesRing events
	n       int64
	max     int
	sec     int64 // unix second of secN
	secN    int
	secMax  int
	gap     int64
	haveGap bool
}

// note accounts one event received at now (unix ns).
func (e *eventRate) note(now int64) {
	if e.n > 0 {
		gap := now - e.times[(e.n-1)%votesRing]
		if !e.haveGap || gap < e.gap {
			e.gap, e.haveGap = gap, true
		}
	}
	e.times[e.n%votesRing] = now
	e.n++
	in := 0
	for k := int64(0); k < min(e.n, votesRing); k++ {
		if now-e.times[(e.n-1-k)%votesRing] >= int64(time.Second) {
			break
		}
		in++
	}
	e.max = max(e.max, in)
	if sec := now / int64(time.Second); sec != e.sec {
		e.sec, e.secN = sec, 0
	}
	e.secN++
	e.secMax = max(e.secMax, e.secN)
}
