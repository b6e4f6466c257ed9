package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server metric names the harness reads from each target's /metrics.
const (
	mCPU       = "process_cpu_seconds_total"
	mRSS       = "process_resident_memory_bytes"
	mHeapInuse = "go_memstats_heap_inuse_bytes"
	mGoroutine = "go_goroutines"
	mFrames    = "hubbub_frames_written_total"
	mDelivered = "hubbub_events_delivered_total"
)

// keepMetric reports whether a metric is worth keeping in a sample.
func keepMetric(name string) bool {
	switch name {
	case mCPU, mRSS, mHeapInuse, mGoroutine:
		return true
	}
	return strings.HasPrefix(name, "hubbub_") && !strings.HasSuffix(name, "_bucket")
}

// Sample is one scrape of a target: metric name → value, summed over label sets.
type Sample struct {
	At     time.Time          `json:"at"`
	Values map[string]float64 `json:"values,omitempty"`
	Err    string             `json:"error,omitempty"`
}

// scrape fetches and parses target's /metrics.
func scrape(ctx context.Context, hc *http.Client, target string) Sample {
	s := Sample{At: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(target, "/")+"/metrics", nil)
	if err != nil {
		s.Err = err.Error()
		return s
	}
	resp, err := hc.Do(req)
	if err != nil {
		s.Err = err.Error()
		return s
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.Err = fmt.Sprintf("/metrics: %s", resp.Status)
		return s
	}
	s.Values = parseProm(bufio.NewScanner(resp.Body))
	return s
}

// parseProm reads Prometheus text format and sums each kept metric's values
// over its label sets.
func parseProm(sc *bufio.Scanner) map[string]float64 {
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	out := map[string]float64{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := line, ""
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name, rest = line[:i], line[i:]
		}
		if !keepMetric(name) {
			continue
		}
		if strings.HasPrefix(rest, "{") {
			end := labelsEnd(rest)
			if end < 0 {
				continue
			}
			rest = rest[end:]
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out
}

// labelsEnd returns the index just past the closing '}' of a label set, honouring quotes.
func labelsEnd(s string) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			inQuote = !inQuote
		case '}':
			if !inQuote {
				return i + 1
			}
		}
	}
	return -1
}

// scraper samples every target's /metrics once per second in the background.
type scraper struct {
	hc      *http.Client
	targets []string

	mu     sync.Mutex
	latest []Sample // per target

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newScraper(hc *http.Client, targets []string) *scraper {
	return &scraper{hc: hc, targets: targets, latest: make([]Sample, len(targets))}
}

// once scrapes every target now, in parallel, and returns the samples.
func (s *scraper) once(ctx context.Context) []Sample {
	out := make([]Sample, len(s.targets))
	var wg sync.WaitGroup
	for i, t := range s.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			out[i] = scrape(c, s.hc, t)
		}()
	}
	wg.Wait()
	s.mu.Lock()
	copy(s.latest, out)
	s.mu.Unlock()
	return out
}

// start scrapes once per second until stop.
func (s *scraper) start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.once(ctx)
			}
		}
	}()
}

func (s *scraper) stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// snapshot returns the latest sample of every target.
func (s *scraper) snapshot() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.latest...)
}
