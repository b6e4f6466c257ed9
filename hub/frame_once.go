package hub

import "time"

// A broadcast reaches most clients of a calm room as the only event of
// their next frame, and those frames are byte-identical: the same header
// and the same payload. frameOnce builds such a frame once per broadcast
// and audience, and a quiet client takes a reference to it (client.shared)
// instead of copying the event into a pending buffer of its own; its
// writer then writes those bytes as they are. If another event follows
// before the flush, the client copies the payload into a pending buffer
// first (unshareLocked) and goes on as before.

// frameOnceSlots bounds the distinct payloads framed once per broadcast
// (everyone, staff, and a few more); payloads past it, such as one per
// participant, are queued the usual way, so framing never allocates per
// delivery.
const frameOnceSlots = 4

// frameOnce is the frames of one broadcast, by payload. The zero value is
// empty; it belongs to the goroutine fanning out the broadcast. Frames are
// never changed once built: clients' writers share them.
type frameOnce struct {
	n      int
	keys   [frameOnceSlots]*byte
	lens   [frameOnceSlots]int
	frames [frameOnceSlots][]byte
}

// frame returns the frame carrying b alone, header and payload, and the
// length of its header; nil when b is empty or the slots are taken by
// other payloads.
func (f *frameOnce) frame(b []byte) ([]byte, int) {
	if f == nil || len(b) == 0 {
		return nil, 0
	}
	for i := range f.n {
		if f.keys[i] == &b[0] && f.lens[i] == len(b) {
			return f.frames[i], len(f.frames[i]) - len(b)
		}
	}
	if f.n == frameOnceSlots {
		return nil, 0
	}
	frame := appendFrameHeader(make([]byte, 0, maxFrameHeader+len(b)), len(b))
	hdr := len(frame)
	frame = append(frame, b...)
	f.keys[f.n], f.lens[f.n], f.frames[f.n] = &b[0], len(b), frame
	f.n++
	return frame, hdr
}

// shareLocked makes the frame of b, from f, the client's whole pending
// flush, when the client is quiet: nothing pending, no writer, and no
// frame within a flush interval, so it is written at once. It reports
// whether it did; otherwise the caller queues b the usual way.
func (c *client) shareLocked(f *frameOnce, b []byte, now time.Time) bool {
	if c.pending != nil || c.shared != nil || c.state != writerIdle || c.sock == nil ||
		c.lastWrite.Add(c.hub.writers.pace.interval()).After(now) || len(b)+1 > c.hub.cfg.MaxQueueBytes {
		return false
	}
	frame, hdr := f.frame(b)
	if frame == nil {
		return false
	}
	c.shared, c.sharedHeader = frame, hdr
	c.pendingUrgent = true
	c.urgentEvents.Store(1)
	c.kickLocked(now)
	return true
}

// unshareLocked copies a shared frame's payload into a pending buffer of
// the client's own, before anything is added to it.
func (c *client) unshareLocked() {
	if c.shared == nil {
		return
	}
	c.pending = getFrameBuf()
	c.pending.b = append(c.pending.b, c.shared[c.sharedHeader:]...)
	c.shared = nil
}
