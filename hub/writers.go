package hub

import (
	"container/heap"
	"runtime"
	"sync"
	"time"
)

// writerPool writes every client's frames on a few writer goroutines (at
// most GOMAXPROCS), so a flush costs neither a new goroutine nor a timer.
//
// A client with something to send is in the pool once: ready (its frame is
// due: written as soon as a writer is free, oldest first) or waiting (in a
// heap by due time, until its flush interval has passed). Both are bounded
// by the number of connected clients. A client with nothing to send is not
// in the pool: idle connections own no goroutine and no timer.
//
// Writers start when clients become ready, or when the writers running
// fall behind (behindLocked), and exit when nothing is ready;
// while clients are waiting, one writer stays to wake at the earliest due
// time (the pool's one timer). So an idle hub runs no writer and needs no
// stop; wait returns once the last writer has exited.
//
// A writer never blocks on a socket (socket.tryWrite): a client whose
// socket is full finishes its flush on a goroutine of its own.
//
// Lock order: a client's mu before the pool's mu. Writers do not hold the
// pool's mu while they flush. All methods are safe for concurrent use.
type writerPool struct {
	max int

	mu          sync.Mutex
	ready       []*client // ready[head:] are due, oldest first
	head        int
	waiting     waitHeap
	running     int  // writer goroutines
	timekeeping bool // a writer is sleeping until waiting[0] is due
	timer       *time.Timer
	poke        chan struct{} // wakes the timekeeper: earlier due, or work
	pace        *flushPace    // the flush interval, from the writers' lag

	wg sync.WaitGroup
}

// writerBatch is how many ready clients a writer takes per lock.
const writerBatch = 16

func newWriterPool(pace *flushPace) *writerPool {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &writerPool{max: max(1, runtime.GOMAXPROCS(0)), timer: t, poke: make(chan struct{}, 1), pace: pace}
}

// schedule puts c, not yet in the pool, in it: ready when due is not after
// now, else waiting until due. Called with c.mu held.
func (p *writerPool) schedule(c *client, due, now time.Time) {
	p.mu.Lock()
	if due.After(now) {
		c.poolDue, c.poolHeld = due, true
		heap.Push(&p.waiting, c)
		switch {
		case p.running == 0:
			p.startLocked() // it will keep time
		case c.poolIndex == 0:
			p.pokeLocked() // a new earliest due
		}
	} else {
		p.readyLocked(c, now)
	}
	p.mu.Unlock()
}

// sooner brings c's due time forward to due if c is waiting for a later
// one (an urgent event arrived behind counters); a client already ready is
// left as it is. Called with c.mu held.
func (p *writerPool) sooner(c *client, due, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.poolIndex < 0 || !due.Before(c.poolDue) {
		return
	}
	if !due.After(now) {
		heap.Remove(&p.waiting, c.poolIndex)
		p.readyLocked(c, now)
		return
	}
	c.poolDue = due
	heap.Fix(&p.waiting, c.poolIndex)
	if c.poolIndex == 0 {
		p.pokeLocked()
	}
}

// cancel takes c out of the pool if it is waiting and reports whether it
// was; a ready client stays (its writer finds it closed). Called with c.mu held.
func (p *writerPool) cancel(c *client) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.poolIndex < 0 {
		return false
	}
	heap.Remove(&p.waiting, c.poolIndex)
	if len(p.waiting) == 0 {
		p.pokeLocked() // let the timekeeper go
	}
	return true
}

// wait waits until every writer has exited (the pool is then idle unless
// clients are still sending).
func (p *writerPool) wait() { p.wg.Wait() }

// readyLocked makes c ready: due now.
func (p *writerPool) readyLocked(c *client, now time.Time) {
	c.poolDue, c.poolHeld = now, false
	p.ready = append(p.ready, c)
	if p.running < p.max {
		p.startLocked()
	} else if p.timekeeping {
		p.pokeLocked()
	}
}

// startLocked starts a writer. While clients are waiting, a writer is
// running (it keeps time once nothing is ready).
func (p *writerPool) startLocked() {
	p.running++
	p.wg.Add(1)
	go p.run()
}

func (p *writerPool) pokeLocked() {
	select {
	case p.poke <- struct{}{}:
	default:
	}
}

// takeLocked moves the waiting clients that are due to ready, then takes
// up to len(batch) ready clients into batch, telling the pace how long
// after its due time each is taken.
func (p *writerPool) takeLocked(batch []*client, now time.Time) int {
	for len(p.waiting) > 0 && !p.waiting[0].poolDue.After(now) {
		p.ready = append(p.ready, heap.Pop(&p.waiting).(*client)) // keeps its due time
	}
	n := copy(batch, p.ready[p.head:])
	for _, c := range batch[:n] {
		p.pace.took(now.Sub(c.poolDue), c.poolHeld && c.urgentEvents.Load() > 1, now)
	}
	clear(p.ready[p.head : p.head+n])
	p.head += n
	switch {
	case p.head == len(p.ready):
		p.ready, p.head = p.ready[:0], 0
	case p.head > len(p.ready)/2: // keep the queue from creeping through memory
		m := copy(p.ready, p.ready[p.head:])
		clear(p.ready[m:])
		p.ready, p.head = p.ready[:m], 0
	}
	return n
}

// behindLocked reports whether the next ready client is due by more than
// the longest flush interval: the writers running cannot keep up even
// with the interval stretched all the way, and another may start.
//
// Clients that waited out their interval become due together in the
// pool's heap and reach the ready queue there, not through readyLocked,
// which starts a writer for each client that becomes ready. A busy room
// whose clients are all held (every flush after the first) was written
// by the timekeeper alone, on one core, however far behind it fell.
// Another writer starts only that far behind, not for any backlog: on a
// machine whose other cores are busy (the load harness beside the
// server), a second writer while one keeps up with the interval
// stretched cost more CPU per delivery and tripled the storm's p99.
func (p *writerPool) behindLocked(now time.Time) bool {
	return p.head < len(p.ready) && now.Sub(p.ready[p.head].poolDue) > p.pace.max
}

// run is a writer goroutine: it flushes ready clients until none is
// ready, and then either exits or, if clients are waiting and no other
// writer keeps time, sleeps until the earliest is due.
func (p *writerPool) run() {
	defer p.wg.Done()
	var batch [writerBatch]*client
	scratch := flushScratch{raw: newRawWrite()}
	p.mu.Lock()
	for {
		now := time.Now()
		if n := p.takeLocked(batch[:], now); n > 0 {
			if p.behindLocked(now) && p.running < p.max {
				p.startLocked()
			}
			p.mu.Unlock()
			for i, c := range batch[:n] {
				c.flush(&scratch)
				batch[i] = nil
			}
			if cap(scratch.wire) > maxPooledFrame {
				scratch.wire = nil // a rare huge flush: do not keep its buffer
			}
			p.mu.Lock()
			continue
		}
		if len(p.waiting) == 0 || p.timekeeping {
			p.running--
			p.mu.Unlock()
			return
		}
		p.timekeeping = true
		p.timer.Reset(time.Until(p.waiting[0].poolDue))
		p.mu.Unlock()
		select {
		case <-p.timer.C:
		case <-p.poke:
			p.timer.Stop()
		}
		p.mu.Lock()
		p.timekeeping = false
	}
}

// waitHeap orders waiting clients by due time; each knows its index.
type waitHeap []*client

func (h waitHeap) Len() int           { return len(h) }
func (h waitHeap) Less(i, j int) bool { return h[i].poolDue.Before(h[j].poolDue) }
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].poolIndex, h[j].poolIndex = i, j
}
func (h *waitHeap) Push(x any) {
	c := x.(*client)
	c.poolIndex = len(*h)
	*h = append(*h, c)
}
func (h *waitHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.poolIndex = -1
	return c
}
