package hub

import (
	"bytes"
	"time"
)

// A `results` event is a poll's whole current tally, so a newer one makes
// an older one still waiting in a client's queue worthless. A client that
// falls behind (a starved writer, a slow network) would otherwise receive
// every flush's results of a poll in one burst: the queue keeps only the
// newest results per poll, so each frame carries at most one per poll, and
// the client sees no more of them than the server flushes.

// queuedResults marks a `results` event in a pending frame: its offset and
// length in frameBuf.b.
type queuedResults struct{ off, n int }

// resultsPrefix starts every `results` event (rooms.ResultsEvent).
const resultsPrefix = `{"type":"results","poll":"`

// resultsPoll returns the poll id of a `results` event, or nil when b is
// not one.
func resultsPoll(b []byte) []byte {
	rest, ok := bytes.CutPrefix(b, []byte(resultsPrefix))
	if !ok {
		return nil
	}
	if i := bytes.IndexByte(rest, '"'); i > 0 {
		return rest[:i]
	}
	return nil
}

// enqueueResultsLocked queues a `results` event (not urgent, like every
// coalesced counter) after taking out of the pending frame the results of
// the same poll still waiting there, if any. The new event goes at the
// end, after the durable events queued since the old one, so no client
// applies an older tally after a newer one.
func (c *client) enqueueResultsLocked(b []byte, now time.Time) bool {
	poll := resultsPoll(b)
	if poll == nil {
		return c.enqueueLocked(b, now, false)
	}
	c.unshareLocked() // the offsets below are in the client's own buffer
	if f := c.pending; f != nil {
		for i, q := range f.results {
			if bytes.Equal(resultsPoll(f.b[q.off:q.off+q.n]), poll) {
				f.cutResults(i)
				break
			}
		}
	}
	off := 0
	if c.pending != nil && len(c.pending.b) > 0 {
		off = len(c.pending.b) + 1 // after the separating newline
	}
	if !c.enqueueLocked(b, now, false) {
		return false
	}
	c.pending.results = append(c.pending.results, queuedResults{off: off, n: len(b)})
	return true
}

// cutResults removes the i-th marked results event from the frame, with
// the newline that separated it, and moves the marks after it.
func (f *frameBuf) cutResults(i int) {
	q := f.results[i]
	start, end := q.off, q.off+q.n
	switch {
	case start > 0:
		start-- // the newline before it
	case end < len(f.b):
		end++ // first event: the newline after it
	}
	f.b = append(f.b[:start], f.b[end:]...)
	f.results = append(f.results[:i], f.results[i+1:]...)
	for j := range f.results {
		if f.results[j].off > start {
			f.results[j].off -= end - start
		}
	}
}
