package rooms

import (
	"sync"
	"time"
)

// The rules every Log implementation follows when it stamps an entry or
// keeps a snapshot, written once for the logs that run in the process
// (MemoryLog here, the disk log in roomlog; the Redis log does the same in
// its append script).

// maxEpoch bounds epochs below 2^53 so that JSON clients keep them exact.
const maxEpoch = 1<<53 - 1

// EpochClock hands out epochs for the logs that keep their own clock: the
// current time in microseconds, and always more than any epoch it handed
// out before, so a new epoch is greater than the one it replaces. The zero
// value is ready to use.
type EpochClock struct {
	mu   sync.Mutex
	last uint64
}

// Next returns a new epoch greater than after and than every earlier one.
func (c *EpochClock) Next(after uint64) uint64 {
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

// LogWentBackwards reports whether a caller whose replica applied position
// known in epoch proves that a log now ending at last in logEpoch lost
// entries it had acknowledged: the log then starts a new epoch.
func LogWentBackwards(logEpoch, last, epoch, known uint64) bool {
	return epoch == logEpoch && known > last
}

// Replaces reports whether snap may replace kept (ok: one is kept) in a log
// whose newest position is last: it must fold in entries the log has, and be
// newer than kept.
func (snap Snapshot) Replaces(kept Snapshot, ok bool, last uint64) bool {
	if snap.Pos == 0 || snap.Pos > last {
		return false
	}
	if !ok {
		return true
	}
	return snap.Epoch > kept.Epoch || (snap.Epoch == kept.Epoch && snap.Pos > kept.Pos)
}

// StampTime returns the time of an entry appended after one stamped prev:
// now, unless the clock went back, so entry times never decrease.
func StampTime(now, prev int64) int64 {
	if now < prev {
		return prev
	}
	return now
}
