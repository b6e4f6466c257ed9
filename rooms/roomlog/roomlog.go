// Package roomlog holds the implementations of rooms.Log, the ordered log
// of each room's entries with its newest snapshot:
//   - Memory, for tests and for running without a data directory;
//   - Disk, the embedded default, in one bbolt file with group commits;
//   - Redis, a stream per room appended by one script that stamps Redis
//     TIME, the epoch and the rules version, and publishes the entry.
//
// All three pass one conformance suite (conformance_test.go), so the rules
// above them cannot tell them apart except by durability.
package roomlog

import (
	"sync"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// maxEpoch bounds epochs below 2^53 so that JSON clients keep them exact.
const maxEpoch = 1<<53 - 1

// epochClock hands out epochs for the logs that keep their own clock: the
// current time in microseconds, and always more than any epoch it handed
// out before, so a new epoch is greater than the one it replaces.
type epochClock struct {
	mu   sync.Mutex
	last uint64
}

// next returns a new epoch greater than after and than every earlier one.
func (c *epochClock) next(after uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := uint64(time.Now().UnixMicro())
	if e <= c.last {
		e = c.last + 1
	}
	if e <= after {
		e = after + 1
	}
	c.last = e
	return e % maxEpoch
}

// wentBackwards reports whether a caller whose replica applied position
// known in epoch proves that a log now ending at last in logEpoch lost
// entries it had acknowledged.
func wentBackwards(logEpoch, last, epoch, known uint64) bool {
	return epoch == logEpoch && known > last
}

// newerSnapshot reports whether snap may replace kept (ok: one is kept) in
// a log whose newest position is last.
func newerSnapshot(snap, kept rooms.Snapshot, ok bool, last uint64) bool {
	if snap.Pos == 0 || snap.Pos > last {
		return false
	}
	if !ok {
		return true
	}
	return snap.Epoch > kept.Epoch || (snap.Epoch == kept.Epoch && snap.Pos > kept.Pos)
}

// stampTime returns the time of an entry appended after one stamped prev:
// now, unless the clock went back, so entry times never decrease.
func stampTime(now, prev int64) int64 {
	if now < prev {
		return prev
	}
	return now
}
