package loadtest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds, from 1 µs to 5 minutes, 3 significant digits.
const (
	histMin    = 1
	histMax    = int64(5 * time.Minute / time.Microsecond)
	histDigits = 3
)

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMin, histMax, histDigits) }

// recordUS records d (nanoseconds) in h as microseconds, clamped to the histogram's range.
func recordUS(h *hdrhistogram.Histogram, ns int64) {
	us := ns / 1000
	if us < histMin {
		us = histMin
	}
	if us > histMax {
		us = histMax
	}
	_ = h.RecordValue(us)
}

// shard is the delivery accounting of one group of reader goroutines: each
// client is assigned one shard, and its reader records a whole frame under
// one lock. The collector drains shards once per second.
type shard struct {
	mu         sync.Mutex
	lat        *hdrhistogram.Histogram // comment delivery latency since the last drain
	same       *hdrhistogram.Histogram // with several targets: publisher and receiver on one target
	cross      *hdrhistogram.Histogram // with several targets: on different targets
	qlat       *hdrhistogram.Histogram // question delivery latency since the last drain
	deliveries int64                   // comment events delivered (with a harness stamp)
	qdeliv     int64                   // question events delivered (with a harness stamp)
	events     int64                   // all events received
	frames     int64
	bytes      int64
	_          [64]byte // keep shards on separate cache lines
}

// record adds one frame's figures to the shard. lats are nanoseconds;
// cross tells for each whether it crossed targets (nil with one target);
// qlats are question delivery latencies.
func (s *shard) record(lats []int64, cross []bool, qlats []int64, events, bytes int) {
	s.mu.Lock()
	for _, l := range qlats {
		recordUS(s.qlat, l)
	}
	s.qdeliv += int64(len(qlats))
	for _, l := range lats {
		recordUS(s.lat, l)
	}
	for i, x := range cross {
		if x {
			recordUS(s.cross, lats[i])
		} else {
			recordUS(s.same, lats[i])
		}
	}
	s.deliveries += int64(len(lats))
	s.events += int64(events)
	s.frames++
	s.bytes += int64(bytes)
	s.mu.Unlock()
}

// interval is what the shards recorded during one collection interval.
type interval struct {
	deliveries, events, frames, bytes int64
}

// stats is the fleet-wide accounting. Counters are atomics any goroutine may
// bump; latency goes through the shards; the collector owns total and the
// scratch histogram.
type stats struct {
	shards []*shard

	connectMu  sync.Mutex
	connectLat *hdrhistogram.Histogram
	ackLat     *hdrhistogram.Histogram // command write to its ack, at the publisher (under connectMu)
	voteAckLat *hdrhistogram.Histogram // vote write to its ack, at the voter (under connectMu)

	connected      atomic.Int64 // clients currently welcomed
	everConnected  atomic.Int64 // clients welcomed at least once
	connectFails   atomic.Int64 // clients that never got a welcome
	reconnects     atomic.Int64
	reconnectFails atomic.Int64
	settled        atomic.Int64 // clients that are welcomed or have given up
	writeErrors    atomic.Int64
	skippedSends   atomic.Int64 // sends skipped because the publisher was disconnected
	badEvents      atomic.Int64 // event lines the scanner could not read
	pacerBehind    atomic.Int64 // commands a pacer dropped because it fell behind
	sent           atomic.Int64 // commands written, all kinds
	drops, leaves  atomic.Int64 // connections the churn driver broke (churn.go)

	errMu       sync.Mutex
	failReasons map[string]int64 // connect failure reason -> clients
	closeCodes  map[int]int64    // close code seen by clients -> times

	errorCodes [numErrCodes]atomic.Int64 // error events by code
	// rate_limited errors split by command kind: comments carry an id, reactions do not.
	rateLimitedComments, rateLimitedReacts   atomic.Int64
	rateLimitedQuestions, rateLimitedUpvotes atomic.Int64
	acks                                     atomic.Int64
	questionAcks                             atomic.Int64
	totalQ                                   *hdrhistogram.Histogram // question deliveries, merged by the collector
	qdelivered                               int64                   // question deliveries (collector)

	total   *hdrhistogram.Histogram // all comment deliveries, merged by the collector
	scratch *hdrhistogram.Histogram
	// With several targets: deliveries whose publisher was on the receiver's
	// target, and on another one (cross-instance), merged by the collector.
	totalSame, totalCross *hdrhistogram.Histogram
}

// newStats makes the accounting for nShards reader groups; split adds the
// same-target and cross-target latency histograms.
func newStats(nShards int, split bool) *stats {
	st := &stats{
		connectLat:  newHist(),
		ackLat:      newHist(),
		voteAckLat:  newHist(),
		failReasons: map[string]int64{},
		closeCodes:  map[int]int64{},
		total:       newHist(),
		scratch:     newHist(),
		totalQ:      newHist(),
	}
	if split {
		st.totalSame, st.totalCross = newHist(), newHist()
	}
	for i := 0; i < nShards; i++ {
		s := &shard{lat: newHist(), qlat: newHist()}
		if split {
			s.same, s.cross = newHist(), newHist()
		}
		st.shards = append(st.shards, s)
	}
	return st
}

func (st *stats) recordConnect(d time.Duration) {
	st.connectMu.Lock()
	recordUS(st.connectLat, int64(d))
	st.connectMu.Unlock()
}

func (st *stats) recordAck(ns int64) {
	st.connectMu.Lock()
	recordUS(st.ackLat, ns)
	st.connectMu.Unlock()
}

func (st *stats) recordVoteAck(ns int64) {
	st.connectMu.Lock()
	recordUS(st.voteAckLat, ns)
	st.connectMu.Unlock()
}

// rateLimitedKind is the rate_limited counter of a command kind.
func (st *stats) rateLimitedKind(kind string) *atomic.Int64 {
	switch kind {
	case "comment":
		return &st.rateLimitedComments
	case "question":
		return &st.rateLimitedQuestions
	case "upvote":
		return &st.rateLimitedUpvotes
	}
	return &st.rateLimitedReacts
}

func (st *stats) recordFailure(reason string) {
	st.errMu.Lock()
	st.failReasons[reason]++
	st.errMu.Unlock()
}

func (st *stats) recordClose(code int) {
	st.errMu.Lock()
	st.closeCodes[code]++
	st.errMu.Unlock()
}

// drain moves everything the shards recorded since the last drain into
// st.total and returns the interval's counts and latency summary. Only the
// collector calls it.
func (st *stats) drain() (interval, LatencySummary) {
	var iv interval
	st.scratch.Reset()
	for _, s := range st.shards {
		s.mu.Lock()
		st.scratch.Merge(s.lat)
		s.lat.Reset()
		st.totalQ.Merge(s.qlat)
		s.qlat.Reset()
		st.qdelivered += s.qdeliv
		s.qdeliv = 0
		if s.cross != nil {
			st.totalSame.Merge(s.same)
			st.totalCross.Merge(s.cross)
			s.same.Reset()
			s.cross.Reset()
		}
		iv.deliveries += s.deliveries
		iv.events += s.events
		iv.frames += s.frames
		iv.bytes += s.bytes
		s.deliveries, s.events, s.frames, s.bytes = 0, 0, 0, 0
		s.mu.Unlock()
	}
	st.total.Merge(st.scratch)
	return iv, summarize(st.scratch)
}

// LatencySummary is a latency distribution in milliseconds.
type LatencySummary struct {
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
}

func summarize(h *hdrhistogram.Histogram) LatencySummary {
	if h.TotalCount() == 0 {
		return LatencySummary{}
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return LatencySummary{
		Count: h.TotalCount(),
		Mean:  h.Mean() / 1000,
		P50:   ms(h.ValueAtQuantile(50)),
		P90:   ms(h.ValueAtQuantile(90)),
		P99:   ms(h.ValueAtQuantile(99)),
		P999:  ms(h.ValueAtQuantile(99.9)),
		Max:   ms(h.Max()),
	}
}
