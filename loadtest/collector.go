package loadtest

import (
	"sync"
	"time"
)

// collector builds the run's timeline: once per second it drains the shards,
// reads the latest server samples, appends a Second, and shows progress. Its
// goroutine is owned by Run (start/stop).
type collector struct {
	f     *fleet
	st    *stats
	sp    *scraper
	start time.Time
	show  func(Second)

	mu       sync.Mutex
	phase    string
	timeline []Second
	prevSent int64
	prevT    time.Time
	prevCPU  []Sample  // last sample used for each target's CPU rate
	cpuRate  []float64 // each target's latest CPU rate, in cores

	done chan struct{}
	wg   sync.WaitGroup
}

func newCollector(f *fleet, sp *scraper, show func(Second)) *collector {
	return &collector{f: f, st: f.st, sp: sp, start: time.Now(), show: show,
		prevCPU: make([]Sample, len(sp.targets)), cpuRate: make([]float64, len(sp.targets)), done: make(chan struct{})}
}

func (c *collector) setPhase(p string) {
	c.mu.Lock()
	c.phase = p
	c.mu.Unlock()
}

func (c *collector) run() {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-c.done:
				return
			case <-t.C:
				c.tick()
			}
		}
	}()
}

// stop ends the ticking and records a last, partial second.
func (c *collector) stop() []Second {
	close(c.done)
	c.wg.Wait()
	c.tick()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeline
}

func (c *collector) tick() {
	iv, lat := c.st.drain()
	sent := c.st.sent.Load()
	now := time.Now()
	if c.prevT.IsZero() {
		c.prevT = c.start
	}
	row := Second{
		T:          now.Sub(c.start).Seconds(),
		Interval:   now.Sub(c.prevT).Seconds(),
		Connected:  c.st.connected.Load(),
		Deliveries: iv.deliveries,
		Events:     iv.events,
		Frames:     iv.frames,
		Bytes:      iv.bytes,
		Sent:       sent - c.prevSent,
		Latency:    lat,
	}
	c.prevSent = sent
	c.prevT = now
	for i, s := range c.sp.snapshot() {
		if s.Values == nil {
			continue
		}
		row.ServerRSS += s.Values[mRSS]
		prev := c.prevCPU[i]
		if s.At.After(prev.At) {
			if prev.Values != nil {
				c.cpuRate[i] = (s.Values[mCPU] - prev.Values[mCPU]) / s.At.Sub(prev.At).Seconds()
			}
			c.prevCPU[i] = s
		}
		row.ServerCPU += c.cpuRate[i]
	}
	c.mu.Lock()
	row.Phase = c.phase
	c.timeline = append(c.timeline, row)
	c.mu.Unlock()
	if c.show != nil {
		c.show(row)
	}
}
