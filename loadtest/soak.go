package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// The soak (make soak; docs/operations.md): waves of the soak preset run
// back to back for a long time against several instances sharing one store,
// while the servers' RSS, goroutines and the store's memory are sampled.
// It fails when any of them keeps growing, or when anything the server
// acknowledged is missing from a room's export.
//
// "Keeps growing" is decided by GrowthRule on each series of samples: the
// first third is warm-up and ignored; the median of the last third may
// exceed the median of the middle third by at most the larger of an
// absolute and a relative tolerance. Medians ignore the swings of waves
// starting and ending; a leak that adds up over the run moves the last
// third's median past the middle third's.

// GrowthRule is the tolerance of one kind of series: the last third's
// median may exceed the middle third's by max(Abs, Rel × middle median).
type GrowthRule struct {
	Abs float64
	Rel float64
}

// Growth rules of the soak's series.
var (
	RSSGrowth       = GrowthRule{Abs: 8 << 20, Rel: 0.10} // per server process, bytes
	GoroutineGrowth = GrowthRule{Abs: 20, Rel: 0.10}      // per server process
	RedisGrowth     = GrowthRule{Abs: 1 << 20, Rel: 0.10} // used_memory, bytes
	RedisKeysGrowth = GrowthRule{Abs: 50, Rel: 0.10}      // keys in every database
)

// minSoakSamples is the fewest samples a growth check accepts (two per third).
const minSoakSamples = 6

// GrowthCheck is one series checked against its GrowthRule.
type GrowthCheck struct {
	Name      string  `json:"name"`
	Samples   int     `json:"samples"`
	Start     float64 `json:"start"` // first sample
	End       float64 `json:"end"`   // last sample
	Middle    float64 `json:"middle_median"`
	Last      float64 `json:"last_median"`
	Tolerance float64 `json:"tolerance"`
	Passed    bool    `json:"passed"`
	Message   string  `json:"message"`
}

// CheckGrowth applies rule to the samples vals (in time order) of series name.
func CheckGrowth(name string, vals []float64, rule GrowthRule, format func(float64) string) GrowthCheck {
	g := GrowthCheck{Name: name, Samples: len(vals)}
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	}
	if len(vals) < minSoakSamples {
		g.Message = fmt.Sprintf("FAILED %s: %d samples, need %d", name, len(vals), minSoakSamples)
		return g
	}
	third := len(vals) / 3
	g.Start, g.End = vals[0], vals[len(vals)-1]
	g.Middle = median(vals[third : 2*third])
	g.Last = median(vals[2*third:])
	g.Tolerance = max(rule.Abs, rule.Rel*g.Middle)
	g.Passed = g.Last-g.Middle <= g.Tolerance
	verdict := "ok"
	if !g.Passed {
		verdict = "FAILED"
	}
	g.Message = fmt.Sprintf("%s %s: median %s in the middle third, %s in the last (growth %s, tolerance %s); first %s, last %s",
		verdict, name, format(g.Middle), format(g.Last), format(g.Last-g.Middle), format(g.Tolerance), format(g.Start), format(g.End))
	return g
}

// afterSettle is how long the soak waits after its last wave before the
// after sample; then a server may have at most settledGoroutines more
// goroutines than at the start, and Redis settledKeys more keys (every
// room was deleted).
const (
	afterSettle       = 2 * time.Second
	settledGoroutines = 10
	settledKeys       = 5
)

// checkSettled checks a figure once every client left and every room was
// deleted: at most slack above the start.
func checkSettled(name string, start, after, slack float64) GrowthCheck {
	g := GrowthCheck{Name: name + " after", Samples: 2, Start: start, End: after, Tolerance: slack}
	g.Passed = after-start <= slack
	verdict := "ok"
	if !g.Passed {
		verdict = "FAILED"
	}
	g.Message = fmt.Sprintf("%s %s after the last wave: %g, %g at the start (at most %g more)", verdict, name, after, start, slack)
	return g
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// SoakConfig is one soak.
type SoakConfig struct {
	Duration time.Duration
	Targets  []string // base URLs of the instances
	// PIDs are the targets' server processes on this machine (same order),
	// whose VmRSS is read from /proc; nil: process_resident_memory_bytes
	// from each target's /metrics.
	PIDs []int
	// RedisAddr is host:port of the store the instances share, sampled
	// with INFO memory; "": no Redis series.
	RedisAddr string
	// Interval between samples; 0: Duration/60, within 1 s to 10 s.
	Interval time.Duration
	// Wave is the scenario of each wave (zero: the soak preset); its
	// Targets are set to Targets, its Duration cut to what is left.
	Wave Scenario
	// Streams of waves run at once, each started half a wave after the
	// previous, so that clients are always connected (default 2).
	Streams int
	Log     io.Writer // a line per wave and per tenth of the samples; nil: none
}

// SoakSample is one sample of the servers and the store.
type SoakSample struct {
	At         float64   `json:"at_s"`       // seconds since the soak started
	RSS        []float64 `json:"rss"`        // per target, bytes
	Goroutines []float64 `json:"goroutines"` // per target
	RedisUsed  float64   `json:"redis_used_memory,omitempty"`
	RedisKeys  float64   `json:"redis_keys,omitempty"`
}

// SoakReport is what a soak did and found.
type SoakReport struct {
	Duration   float64      `json:"duration_s"`
	Targets    []string     `json:"targets"`
	Waves      int          `json:"waves"`
	WaveErrors []string     `json:"wave_errors,omitempty"`
	Samples    []SoakSample `json:"samples"`
	// After is a sample taken once the last wave has ended (every client
	// gone, every room deleted) and the servers had afterSettle to tidy up.
	After        *SoakSample      `json:"after,omitempty"`
	SampleErrors []string         `json:"sample_errors,omitempty"`
	Checks       []GrowthCheck    `json:"checks"`
	Verify       VerifyReport     `json:"verify"`
	Sent         map[string]int64 `json:"sent"` // commands written, by kind
	Acks         int64            `json:"acks"` // every ack received
	VotesAcked   int64            `json:"votes_acked"`
	Connected    int64            `json:"joins"` // clients welcomed (each wave's clients join once)
	Dropped      int64            `json:"dropped"`
	Left         int64            `json:"left"`
	Reconnects   int64            `json:"reconnects"`
	ConnectFails int64            `json:"connect_failures"`
	// DeliveryLost: seqs some client never received; DeliveryLostAway the
	// part of it of clients that were away (dropped or left, not back
	// yet) when their wave ended. Reported, not failed on: the soak's
	// verdict on loss is on what the server acknowledged.
	DeliveryLost     int64   `json:"delivery_lost"`
	DeliveryLostAway int64   `json:"delivery_lost_away"`
	Deliveries       int64   `json:"deliveries"`
	OtherCores       float64 `json:"other_cores_max"` // most CPU other processes used during a wave's traffic
}

// Failures lists why the soak failed; empty when it passed.
func (r *SoakReport) Failures() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.Passed {
			out = append(out, c.Message)
		}
	}
	if r.Waves == 0 {
		out = append(out, "no wave completed")
	}
	out = append(out, r.WaveErrors...)
	if n := r.Verify.Lost(); n > 0 {
		out = append(out, fmt.Sprintf("%d acknowledged items missing from the exports (comments %d, questions %d, ballots %d)",
			n, r.Verify.CommentsMissing, r.Verify.QuestionsMissing, r.Verify.BallotsMissing))
	}
	if r.Verify.BallotsUnexpected > 0 {
		out = append(out, fmt.Sprintf("%d ballots in the results that no client can have cast", r.Verify.BallotsUnexpected))
	}
	for _, e := range r.Verify.Errors {
		out = append(out, "verify: "+e)
	}
	if r.Waves > 0 && (r.Verify.CommentsAcked == 0 || r.Verify.QuestionsAcked == 0 || r.Verify.BallotsAcked == 0) {
		out = append(out, fmt.Sprintf("nothing to verify: %d comments, %d questions, %d ballots acked",
			r.Verify.CommentsAcked, r.Verify.QuestionsAcked, r.Verify.BallotsAcked))
	}
	return out
}

// Soak runs cfg: waves until its duration is over, sampling meanwhile, then
// the growth checks. The error is only for a soak that could not run;
// what it found is in the report (Failures).
func Soak(ctx context.Context, cfg SoakConfig) (*SoakReport, error) {
	if cfg.Duration <= 0 || len(cfg.Targets) == 0 {
		return nil, errors.New("soak: need a duration and targets")
	}
	if cfg.PIDs != nil && len(cfg.PIDs) != len(cfg.Targets) {
		return nil, errors.New("soak: one PID per target")
	}
	wave := cfg.Wave
	if wave.ClientsPerRoom == 0 {
		wave = Presets["soak"]
		wave.Preset = "soak"
	}
	wave.Targets = cfg.Targets
	if err := wave.Validate(); err != nil {
		return nil, err
	}
	// Waves of at most a quarter of the soak, so that even a short one has
	// several and both streams are in every third.
	if q := cfg.Duration / 4; wave.Duration > q {
		wave.Duration = max(q, 10*time.Second)
	}
	streams := cfg.Streams
	if streams <= 0 {
		streams = 2
	}
	interval := cfg.Interval
	if interval <= 0 {
		interval = min(max(cfg.Duration/60, time.Second), 10*time.Second)
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}

	rep := &SoakReport{Duration: cfg.Duration.Seconds(), Targets: cfg.Targets, Sent: map[string]int64{}}
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var mu sync.Mutex // guards rep while waves run
	var wg sync.WaitGroup
	for s := range streams {
		wg.Go(func() {
			delay := time.Duration(s) * wave.Duration / time.Duration(streams)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			for ctx.Err() == nil {
				left := time.Until(deadline) - 2*time.Second // ramp, drain and the check fit in the rest
				if left < 5*time.Second {
					return
				}
				sc := wave
				sc.Duration = min(wave.Duration, left)
				r, err := Run(ctx, sc, Options{})
				mu.Lock()
				rep.add(r, err, time.Since(start), logf)
				mu.Unlock()
			}
		})
	}

	// Sample until the deadline.
	t := time.NewTicker(interval)
	defer t.Stop()
	next := 1
	for {
		smp, err := sampleSoak(ctx, hc, cfg, start)
		mu.Lock()
		if err != nil {
			rep.SampleErrors = append(rep.SampleErrors, fmt.Sprintf("%.0fs: %v", time.Since(start).Seconds(), err))
		} else {
			rep.Samples = append(rep.Samples, smp)
		}
		if n := len(rep.Samples); err == nil && n >= next*int(cfg.Duration/interval)/10 {
			next++
			logf("soak %s: rss %s, goroutines %s, redis used_memory %s, %.0f keys", fmtSoakTime(time.Since(start)),
				joinF(smp.RSS, fmtBytes), joinF(smp.Goroutines, nil), fmtBytes(smp.RedisUsed), smp.RedisKeys)
		}
		mu.Unlock()
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	wg.Wait()

	// After the last wave: no client, no room. A server's goroutines must
	// be back near where they started, whatever the medians said.
	select {
	case <-time.After(afterSettle):
	case <-ctx.Done():
	}
	if smp, err := sampleSoak(ctx, hc, cfg, start); err != nil {
		rep.SampleErrors = append(rep.SampleErrors, fmt.Sprintf("after: %v", err))
	} else {
		rep.After = &smp
	}

	for i, target := range cfg.Targets {
		rss := make([]float64, len(rep.Samples))
		gor := make([]float64, len(rep.Samples))
		for j, s := range rep.Samples {
			rss[j], gor[j] = s.RSS[i], s.Goroutines[i]
		}
		rep.Checks = append(rep.Checks,
			CheckGrowth("rss "+target, rss, RSSGrowth, fmtBytes),
			CheckGrowth("goroutines "+target, gor, GoroutineGrowth, nil))
		if rep.After != nil && len(rep.Samples) > 0 {
			rep.Checks = append(rep.Checks, checkSettled("goroutines "+target, rep.Samples[0].Goroutines[i], rep.After.Goroutines[i], settledGoroutines))
		}
	}
	if cfg.RedisAddr != "" {
		used := make([]float64, len(rep.Samples))
		for j, s := range rep.Samples {
			used[j] = s.RedisUsed
		}
		keys := make([]float64, len(rep.Samples))
		for j, s := range rep.Samples {
			keys[j] = s.RedisKeys
		}
		rep.Checks = append(rep.Checks, CheckGrowth("redis used_memory", used, RedisGrowth, fmtBytes),
			CheckGrowth("redis keys", keys, RedisKeysGrowth, nil))
		if rep.After != nil && len(rep.Samples) > 0 {
			rep.Checks = append(rep.Checks, checkSettled("redis keys", rep.Samples[0].RedisKeys, rep.After.RedisKeys, settledKeys))
		}
	}
	return rep, ctx.Err()
}

// add sums one wave's report into the soak's.
func (rep *SoakReport) add(r *Report, err error, at time.Duration, logf func(string, ...any)) {
	if err != nil {
		rep.WaveErrors = append(rep.WaveErrors, fmt.Sprintf("wave at %s: %v", fmtSoakTime(at), err))
	}
	if r == nil {
		return
	}
	rep.Waves++
	if r.Verify != nil {
		rep.Verify.Add(r.Verify)
	}
	for k, n := range r.Commands.Sent {
		rep.Sent[k] += n
	}
	rep.Acks += r.Commands.Acks
	if r.Polls != nil {
		rep.VotesAcked += r.Polls.VotesAcked
	}
	rep.Connected += r.Clients.Connected
	rep.Dropped += r.Clients.Dropped
	rep.Left += r.Clients.Left
	rep.Reconnects += r.Clients.Reconnects
	rep.ConnectFails += r.Clients.Failures
	rep.DeliveryLost += r.Loss.Lost
	rep.DeliveryLostAway += r.Loss.LostAway
	rep.Deliveries += r.Delivery.Deliveries
	rep.OtherCores = max(rep.OtherCores, r.Harness.OtherCPUCores)
	v := r.Verify
	if v == nil {
		v = &VerifyReport{}
	}
	logf("soak %s: wave %d (rooms %s) done: %d joined, %d dropped, %d left; acked %d comments, %d questions, %d ballots standing; lost %d; %d errors",
		fmtSoakTime(at), rep.Waves, strings.Join(r.Rooms, ","), r.Clients.Connected, r.Clients.Dropped, r.Clients.Left,
		v.CommentsAcked, v.QuestionsAcked, v.BallotsAcked, v.Lost(), len(v.Errors))
}

// sampleSoak takes one sample of every target and the store.
func sampleSoak(ctx context.Context, hc *http.Client, cfg SoakConfig, start time.Time) (SoakSample, error) {
	s := SoakSample{At: time.Since(start).Seconds()}
	for i, target := range cfg.Targets {
		m := scrape(ctx, hc, target)
		if m.Err != "" {
			return s, fmt.Errorf("%s: %s", target, m.Err)
		}
		g, ok := m.Values[mGoroutine]
		if !ok {
			return s, fmt.Errorf("%s: no %s in /metrics", target, mGoroutine)
		}
		rss := m.Values[mRSS]
		if cfg.PIDs != nil {
			var err error
			if rss, err = procRSS(cfg.PIDs[i]); err != nil {
				return s, err
			}
		}
		s.RSS = append(s.RSS, rss)
		s.Goroutines = append(s.Goroutines, g)
	}
	if cfg.RedisAddr != "" {
		info, err := redisInfo(ctx, cfg.RedisAddr, "memory")
		if err != nil {
			return s, err
		}
		used, err := strconv.ParseFloat(info["used_memory"], 64)
		if err != nil {
			return s, fmt.Errorf("redis INFO memory: used_memory %q", info["used_memory"])
		}
		s.RedisUsed = used
		if info, err = redisInfo(ctx, cfg.RedisAddr, "keyspace"); err != nil {
			return s, err
		}
		s.RedisKeys = keyspaceKeys(info)
	}
	return s, nil
}

// keyspaceKeys sums the keys of every database in INFO keyspace
// ("db0:keys=12,expires=3,avg_ttl=0").
func keyspaceKeys(info map[string]string) float64 {
	var n float64
	for k, v := range info {
		if !strings.HasPrefix(k, "db") {
			continue
		}
		for f := range strings.SplitSeq(v, ",") {
			if num, ok := strings.CutPrefix(f, "keys="); ok {
				x, _ := strconv.ParseFloat(num, 64)
				n += x
			}
		}
	}
	return n
}

// procRSS reads a process's resident set (VmRSS) from /proc/<pid>/status, in bytes.
func procRSS(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err == nil {
					return kb * 1024, nil
				}
			}
			return 0, fmt.Errorf("pid %d: VmRSS %q", pid, rest)
		}
	}
	return 0, fmt.Errorf("pid %d: no VmRSS in /proc/%d/status", pid, pid)
}

// redisInfo sends INFO section to the Redis at addr and returns its fields.
func redisInfo(ctx context.Context, addr, section string) (map[string]string, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("redis INFO: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "*2\r\n$4\r\nINFO\r\n$%d\r\n%s\r\n", len(section), section); err != nil {
		return nil, fmt.Errorf("redis INFO: %w", err)
	}
	return readInfoReply(bufio.NewReader(conn))
}

// readInfoReply reads INFO's bulk string reply into its key:value fields.
func readInfoReply(br *bufio.Reader) (map[string]string, error) {
	head, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("redis INFO: %w", err)
	}
	head = strings.TrimRight(head, "\r\n")
	if !strings.HasPrefix(head, "$") {
		return nil, fmt.Errorf("redis INFO: answered %q", head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 {
		return nil, fmt.Errorf("redis INFO: answered %q", head)
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, fmt.Errorf("redis INFO: %w", err)
	}
	out := map[string]string{}
	for line := range strings.SplitSeq(string(body[:n]), "\n") {
		line = strings.TrimRight(line, "\r")
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out, nil
}

func fmtSoakTime(d time.Duration) string {
	s := int(math.Round(d.Seconds()))
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func joinF(v []float64, format func(float64) string) string {
	parts := make([]string, len(v))
	for i, x := range v {
		if format != nil {
			parts[i] = format(x)
		} else {
			parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
		}
	}
	return strings.Join(parts, " / ")
}

// WriteSoakText writes a soak's summary.
func WriteSoakText(w io.Writer, r *SoakReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(k, format string, args ...any) {
		fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{k}, args...)...)
	}
	fmt.Fprintf(tw, "hubbub soak: %s against %s; %d waves, %d samples\n",
		fmtSoakTime(time.Duration(r.Duration*float64(time.Second))), strings.Join(r.Targets, ", "), r.Waves, len(r.Samples))
	if n := len(r.Samples); n > 0 {
		first, last := r.Samples[0], r.Samples[n-1]
		p("rss", "%s at start → %s at end", joinF(first.RSS, fmtBytes), joinF(last.RSS, fmtBytes))
		p("goroutines", "%s at start → %s at end", joinF(first.Goroutines, nil), joinF(last.Goroutines, nil))
		p("redis used_memory", "%s at start → %s at end", fmtBytes(first.RedisUsed), fmtBytes(last.RedisUsed))
		p("redis keys", "%.0f at start → %.0f at end", first.RedisKeys, last.RedisKeys)
	}
	if a := r.After; a != nil {
		p("after the last wave", "rss %s, goroutines %s, redis used_memory %s, %.0f keys",
			joinF(a.RSS, fmtBytes), joinF(a.Goroutines, nil), fmtBytes(a.RedisUsed), a.RedisKeys)
	}
	var kinds []string
	for k, n := range r.Sent {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(kinds)
	p("sent", "%s", strings.Join(kinds, ", "))
	p("acked", "%d acks in all; %d comments, %d questions, %d ballots (%d standing)",
		r.Acks, r.Verify.CommentsAcked, r.Verify.QuestionsAcked, r.VotesAcked, r.Verify.BallotsAcked)
	p("lost", "%d acknowledged items missing (comments %d, questions %d, ballots %d); %d ballots unexpected",
		r.Verify.Lost(), r.Verify.CommentsMissing, r.Verify.QuestionsMissing, r.Verify.BallotsMissing, r.Verify.BallotsUnexpected)
	p("clients", "%d joins, %d drops, %d leaves, %d reconnects, %d connect failures", r.Connected, r.Dropped, r.Left, r.Reconnects, r.ConnectFails)
	p("deliveries", "%d comment deliveries; %d seqs never received by some client, %d of them by clients away (dropped or left, not back) when their wave ended; reported, not a failure",
		r.Deliveries, r.DeliveryLost, r.DeliveryLostAway)
	p("rooms", "%d verified, %d deleted", r.Verify.Rooms, r.Verify.Deleted)
	p("other work", "up to %.2f cores used by other processes during a wave", r.OtherCores)
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "  %s\n", c.Message)
	}
	for _, e := range r.SampleErrors {
		p("sample error", "%s", e)
	}
	if f := r.Failures(); len(f) > 0 {
		fmt.Fprintln(tw, "FAILED")
		for _, m := range f {
			fmt.Fprintf(tw, "  %s\n", m)
		}
	} else {
		fmt.Fprintln(tw, "PASSED")
	}
	tw.Flush()
}
