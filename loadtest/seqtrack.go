package loadtest

// maxTrackedGaps bounds the missing seqs one client remembers. Gaps beyond it
// are counted as lost at once; if they arrive later they count as duplicates.
const maxTrackedGaps = 4096

// seqTracker is one client's loss accounting over a room's durable seq.
// From its first welcome at seq W, the client must see every seq W+1, W+2, ...
// exactly once and in order, across reconnects. It is owned by the client's
// reader goroutine; read it only after that goroutine has finished.
type seqTracker struct {
	started    bool
	first      int64   // welcome seq of the first join; the window starts after it
	next       int64   // next seq expected in order
	missing    []int64 // seqs skipped over and not yet received, ascending
	overflow   int64   // gaps not tracked because missing was full
	received   int64   // distinct seqs received in the window
	duplicates int64   // seqs received again (or at or before the window start)
	outOfOrder int64   // seqs that arrived after a later one
	skipped    int64   // seqs a resume replaced with a snapshot (not delivered as events)
}

// start opens the window after the first welcome's seq. Later calls do nothing.
func (t *seqTracker) start(welcomeSeq int64) {
	if t.started {
		return
	}
	t.started, t.first, t.next = true, welcomeSeq, welcomeSeq+1
}

// see accounts one durable event.
func (t *seqTracker) see(seq int64) {
	switch {
	case !t.started:
		return
	case seq == t.next:
		t.next++
		t.received++
	case seq > t.next:
		for s := t.next; s < seq; s++ {
			if len(t.missing) >= maxTrackedGaps {
				t.overflow += seq - s
				break
			}
			t.missing = append(t.missing, s)
		}
		t.next = seq + 1
		t.received++
	default: // seq < next
		for i, s := range t.missing {
			if s == seq {
				t.missing = append(t.missing[:i], t.missing[i+1:]...)
				t.outOfOrder++
				t.received++
				return
			}
			if s > seq {
				break
			}
		}
		t.duplicates++
	}
}

// resync records that a resume was answered with a snapshot at seq: the
// events up to seq that this client had not received were replaced by state.
func (t *seqTracker) resync(seq int64) {
	if !t.started {
		t.start(seq)
		return
	}
	kept := t.missing[:0]
	for _, s := range t.missing {
		if s <= seq {
			t.skipped++
		} else {
			kept = append(kept, s)
		}
	}
	t.missing = kept
	if seq >= t.next {
		t.skipped += seq - t.next + 1
		t.next = seq + 1
	}
}

// last is the highest seq seen in order or past a gap (the value to resume with).
func (t *seqTracker) last() int64 { return t.next - 1 }

// expected is how many durable events the client should have received by the
// time the room's last seq is final.
func (t *seqTracker) expected(final int64) int64 {
	if !t.started || final <= t.first {
		return 0
	}
	return final - t.first
}

// lost counts the seqs up to final that never arrived and were not replaced by
// a snapshot: open gaps plus the tail the client never reached.
func (t *seqTracker) lost(final int64) int64 {
	if !t.started {
		return 0
	}
	n := t.overflow
	for _, s := range t.missing {
		if s <= final {
			n++
		}
	}
	if final > t.last() {
		n += final - t.last()
	}
	return n
}
