package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Options say where a run's results go. The zero value runs silently and
// only returns the Report.
type Options struct {
	Progress io.Writer // live progress once per second (stderr); nil: none
	TTY      bool      // Progress is a terminal: redraw one line with a bar
	Summary  io.Writer // text summary at the end (stdout); nil: none
	JSONPath string    // write the JSON report here; "" : don't
	HTMLPath string    // write the HTML report here; "" : don't
	Assert   string    // thresholds, e.g. "p99<100ms,loss=0"; see ParseAssertions
}

// ErrThresholds is returned (wrapped, with the failed thresholds) when a run
// misses any of its -assert thresholds.
var ErrThresholds = errors.New("thresholds missed")

// Run executes one load test: create or join rooms, ramp the clients up,
// drive the interactions for the scenario's duration, drain, scrape the
// servers, close every client, and report. It returns the report even when
// thresholds fail (with an error wrapping ErrThresholds). Cancelling ctx
// ends the run early; the report covers what happened until then.
func Run(ctx context.Context, sc Scenario, opt Options) (*Report, error) {
	sc = sc.withDefaults()
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	asserts, err := ParseAssertions(opt.Assert)
	if err != nil {
		return nil, err
	}
	var warnings []string
	warn := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		warnings = append(warnings, msg)
		if opt.Progress != nil {
			fmt.Fprintln(opt.Progress, "warning:", msg)
		}
	}

	total := sc.TotalClients()
	limit, err := RaiseFileLimit()
	if err != nil {
		warn("raise file limit: %v", err)
	} else if limit < uint64(total)+64 {
		warn("file limit %d is below %d clients; raise the hard limit (ulimit -Hn)", limit, total)
	}
	u0 := selfUsage()
	started := time.Now()

	d := newDialer(sc.SourceAddrs, sc.ConnectTimeout)
	hc := newHTTPClient(d)
	defer hc.CloseIdleConnections()

	codes := sc.RoomCodes
	var hostKeys []string
	if len(codes) == 0 {
		for i := 0; i < sc.Rooms; i++ {
			cr, err := createRoom(ctx, hc, sc.Targets[i%len(sc.Targets)], fmt.Sprintf("load test room %d", i+1))
			if err != nil {
				return nil, err
			}
			codes = append(codes, cr.Code)
			hostKeys = append(hostKeys, cr.HostKey)
		}
	}

	// Background work after the run proper must finish even if ctx was cancelled.
	post := context.WithoutCancel(ctx)
	st := newStats(max(16, 4*runtime.GOMAXPROCS(0)), len(sc.Targets) > 1)
	sp := newScraper(hc, sc.Targets)
	before := sp.once(ctx)
	for i, s := range before {
		if s.Err != "" {
			warn("%s: %s (server figures will be missing)", sc.Targets[i], s.Err)
		}
	}

	f := newFleet(ctx, sc, hc, st, codes)
	for i, r := range f.rooms {
		r.target = sc.Targets[i%len(sc.Targets)]
		if i < len(hostKeys) {
			r.hostKey = hostKeys[i]
		}
		if sc.Verify {
			r.verify = &ackLog{}
		}
	}
	rampTime := time.Duration(float64(total) / sc.Ramp * float64(time.Second))
	prog := &progress{w: opt.Progress, tty: opt.TTY, clients: total, duration: sc.Duration, ramp: rampTime}
	col := newCollector(f, sp, prog.show)
	col.setPhase("ramp")
	col.run()
	sp.start(ctx)

	// Ramp: start every client, then wait until each is welcomed or gave up.
	var rampWG sync.WaitGroup
	rampWG.Add(1)
	go func() { defer rampWG.Done(); f.ramp() }()
	settleCtx, cancelSettle := context.WithTimeout(ctx, rampTime+sc.ConnectTimeout+5*time.Second)
	f.waitSettled(settleCtx)
	cancelSettle()

	// Traffic (or a quiet hold when the scenario has none). Costs per
	// delivery are taken over traffic and drain only, not the ramp.
	// The upvote driver votes on questions the host asks now, through the
	// HTTP API with the room's host key.
	if sc.UpvoteRate > 0 {
		for _, r := range f.rooms {
			var qs []string
			for j := 0; j < sc.UpvoteQuestions; j++ {
				id, err := askQuestion(ctx, hc, r.target, r.code, r.hostKey, fmt.Sprintf("load test upvote question %d", j+1))
				if err != nil {
					warn("room %s: no upvotes: %v", r.code, err)
					qs = nil
					break
				}
				qs = append(qs, id)
			}
			if qs != nil {
				r.upvoteQs.Store(&qs)
			}
		}
	}

	// The vote driver votes in polls the host creates now, the same way.
	if sc.VoteRate > 0 {
		createStormPolls(ctx, hc, f.rooms, sc.VotePolls, warn)
	}

	// Attackers get a poll of their own to stuff (the host opens it now),
	// so that the clients' poll figures stay exact.
	var attack abuse
	attackPolls := make([]string, len(f.rooms))
	if sc.Attackers > 0 {
		for i, r := range f.rooms {
			id, err := createPoll(ctx, hc, r.target, r.code, r.hostKey, "single", "abuse poll")
			if err != nil {
				warn("room %s: attackers will not vote: %v", r.code, err)
				continue
			}
			attackPolls[i] = id
		}
	}

	atTraffic := sp.once(ctx)
	uTraffic := selfUsage()
	mTraffic, mOK := machineBusy()
	trafficStart := time.Now()
	active := activeDrivers(sc)
	if len(active) > 0 {
		col.setPhase("traffic")
	} else {
		col.setPhase("hold")
	}
	tctx, cancelTraffic := context.WithTimeout(ctx, sc.Duration)
	var pacers sync.WaitGroup
	for _, r := range f.rooms {
		for i, drv := range active {
			pubs := publishers(r, drv.Rate(sc), drv.ClientRate(sc), i%2 == 1)
			if need := drv.Rate(sc) / drv.ClientRate(sc); float64(len(pubs)) < need {
				warn("room %s: %s rate %.0f/s needs %.0f publishers at %.1f/s each, have %d clients; expect rate limiting",
					r.code, drv.Kind(), drv.Rate(sc), need, drv.ClientRate(sc), len(pubs))
			}
			pacers.Add(1)
			go func() { defer pacers.Done(); f.pace(tctx, drv, r, drv.Rate(sc), pubs) }()
		}
	}
	for i, r := range f.rooms {
		for k := range sc.Attackers {
			ahc := newHTTPClient(attackerDialer(i*sc.Attackers+k, sc.ConnectTimeout))
			defer ahc.CloseIdleConnections()
			pacers.Go(func() { attack.attack(tctx, ahc, r, attackPolls[i]) })
		}
		if sc.DropRate > 0 {
			pacers.Go(func() { f.churn(tctx, r, sc.DropRate) })
		}
	}
	<-tctx.Done()
	cancelTraffic()
	trafficTime := time.Since(trafficStart)

	// Drain: wait for what is in flight, then take the servers' peak figures
	// while every client is still connected.
	col.setPhase("drain")
	minWait := 200 * time.Millisecond
	if sc.ReactRate > 0 || sc.UpvoteRate > 0 || sc.VoteRate > 0 {
		minWait = time.Second // reactions, votes and results are coalesced and flushed a few times per second
	}
	drained := f.drain(ctx, sc.Drain, minWait)
	peak := sp.once(post)
	uPeak := selfUsage()
	mPeak, mOK2 := machineBusy()
	sp.stop()
	timeline := col.stop()
	prog.end()
	connectedAtEnd := st.connected.Load()
	for _, c := range f.clients {
		c.connectedAtEnd.Store(c.conn.Load() != nil)
	}
	f.stop() // also wakes a ramp still running and unblocks pacers stuck in a write
	rampWG.Wait()
	pacers.Wait()
	after := sp.once(post)
	u1 := selfUsage()
	// Every client is closed: what was acknowledged is known for good.
	var verified *VerifyReport
	if sc.Verify || sc.DeleteRooms {
		verified = &VerifyReport{}
		if sc.Verify {
			verifyRooms(post, hc, sc.Targets, f.rooms, verified)
		}
		if sc.DeleteRooms {
			deleteRooms(post, hc, f.rooms, verified)
		}
	}

	rep := &Report{
		Scenario: sc.reportView(),
		Started:  started,
		Elapsed:  time.Since(started).Seconds(),
		Rooms:    codes,
		Timeline: timeline,
		Warnings: warnings,
	}
	fillReport(rep, f, st, trafficTime+drained, connectedAtEnd)
	if sc.Attackers > 0 {
		rep.Abuse = attack.report(sc.Attackers * len(f.rooms))
	}
	rep.Verify = verified
	fillServers(rep, sc, before, atTraffic, peak, after)
	rep.Harness = HarnessReport{
		CPUSeconds:        (u1.cpu - u0.cpu).Seconds(),
		TrafficCPUSeconds: (uPeak.cpu - uTraffic.cpu).Seconds(),
		MaxRSSBytes:       u1.maxRSS,
		FileLimit:         limit,
		GOMAXPROCS:        runtime.GOMAXPROCS(0),
	}
	if rep.Elapsed > 0 {
		rep.Harness.MeanCPUCores = rep.Harness.CPUSeconds / rep.Elapsed
	}
	if busy := (trafficTime + drained).Seconds(); busy > 0 {
		rep.Harness.TrafficCPUCores = rep.Harness.TrafficCPUSeconds / busy
	}
	if n := rep.Delivery.Deliveries; n > 0 {
		rep.Harness.CPUPerDelivery = rep.Harness.TrafficCPUSeconds * 1e6 / float64(n)
	}
	if n := rep.Delivery.Events; n > 0 {
		rep.Harness.CPUPerEvent = rep.Harness.TrafficCPUSeconds * 1e6 / float64(n)
	}
	if busy := (trafficTime + drained).Seconds(); mOK && mOK2 && busy > 0 {
		// Whatever the machine ran besides this harness (and local servers)
		// competed with them: say so, since it disturbs latency.
		other := (mPeak - mTraffic).Seconds() - rep.Harness.TrafficCPUSeconds
		if localTargets(sc.Targets) {
			other -= rep.Server.TrafficCPUSeconds
		}
		rep.Harness.OtherCPUCores = max(0, other/busy)
		if rep.Harness.OtherCPUCores > otherWorkWarn && !rep.Server.MetricsMissing {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("other processes used %.2f cores of %d during traffic: they competed with the server and the harness, so latency figures are disturbed",
				rep.Harness.OtherCPUCores, runtime.NumCPU()))
		}
	}
	rep.Assertions = evaluate(asserts, rep)

	if opt.Summary != nil {
		WriteText(opt.Summary, rep)
	}
	if opt.JSONPath != "" {
		data, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(opt.JSONPath, append(data, '\n'), 0o644); err != nil {
			return rep, err
		}
	}
	if opt.HTMLPath != "" {
		if err := writeHTMLFile(opt.HTMLPath, rep); err != nil {
			return rep, err
		}
	}
	var failed []string
	for _, a := range rep.Assertions {
		if !a.Passed {
			failed = append(failed, a.Message)
		}
	}
	if len(failed) > 0 {
		return rep, fmt.Errorf("%w: %s", ErrThresholds, strings.Join(failed, "; "))
	}
	return rep, nil
}

// activeDrivers are the drivers with a non-zero rate in sc.
func activeDrivers(sc Scenario) []Driver {
	var out []Driver
	for _, d := range Drivers {
		if d.Rate(sc) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// drain waits, at least minWait and at most maxWait, until every connected
// client has reached its room's last known seq. It returns the time it took.
func (f *fleet) drain(ctx context.Context, maxWait, minWait time.Duration) time.Duration {
	start := time.Now()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for time.Since(start) < maxWait {
		if time.Since(start) >= minWait && f.caughtUp() {
			break
		}
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-t.C:
		}
	}
	return time.Since(start)
}

func (f *fleet) caughtUp() bool {
	for _, r := range f.rooms {
		final := r.finalSeq()
		for _, c := range r.clients {
			if c.conn.Load() != nil && c.lastSeq.Load() < final {
				return false
			}
		}
		if !r.pollsCaughtUp() {
			return false
		}
		// Upvotes: every command answered, and every connected client at
		// the counts the acks add up to.
		qs := r.questions()
		if len(qs) == 0 {
			continue
		}
		if r.upvotesSent.Load() > r.upvoteReplies() {
			return false
		}
		for i := range qs {
			want := r.expectedVotes(i)
			for _, c := range r.clients {
				if seen, _ := c.seenVotes(i); c.conn.Load() != nil && seen != want {
					return false
				}
			}
		}
	}
	return true
}

// fillReport fills the client-side sections from the fleet after it stopped.
func fillReport(rep *Report, f *fleet, st *stats, busy time.Duration, connectedAtEnd int64) {
	st.errMu.Lock()
	reasons := make(map[string]int64, len(st.failReasons))
	for k, v := range st.failReasons {
		reasons[k] = v
	}
	closes := codeMap(st.closeCodes)
	st.errMu.Unlock()
	rep.Clients = ClientsReport{
		Target:         len(f.clients),
		Connected:      st.everConnected.Load(),
		Failures:       st.connectFails.Load(),
		FailureReasons: reasons,
		ConnectLatency: summarize(st.connectLat),
		Reconnects:     st.reconnects.Load(),
		ResumeFailures: st.reconnectFails.Load(),
		CloseCodes:     closes,
		ConnectedAtEnd: connectedAtEnd,
		Dropped:        st.drops.Load(),
		Left:           st.leaves.Load(),
	}
	if len(reasons) == 0 {
		rep.Clients.FailureReasons = nil
	}

	dr := DeliveryReport{Latency: summarize(st.total), BadEvents: st.badEvents.Load()}
	if st.totalCross != nil {
		same, cross := summarize(st.totalSame), summarize(st.totalCross)
		dr.SameTarget, dr.CrossTarget = &same, &cross
	}
	for _, s := range rep.Timeline {
		dr.Deliveries += s.Deliveries
		dr.Events += s.Events
		dr.Frames += s.Frames
		dr.Bytes += s.Bytes
		if s.Deliveries > dr.PeakPerSecond {
			dr.PeakPerSecond = s.Deliveries
		}
	}
	// The last partial second was drained by collector.stop; frames read after
	// it (during the close) are not in the timeline and are not counted.
	if busy > 0 {
		dr.PerSecond = float64(dr.Deliveries) / busy.Seconds()
	}
	if dr.Frames > 0 {
		dr.EventsPerFrame = float64(dr.Events) / float64(dr.Frames)
	}
	rep.Delivery = dr

	rep.Loss = lossFor(f.rooms)

	cr := CommandsReport{
		Sent:         map[string]int64{},
		Acks:         st.acks.Load(),
		AckLatency:   summarize(st.ackLat),
		Errors:       map[string]int64{},
		WriteErrors:  st.writeErrors.Load(),
		SkippedSends: st.skippedSends.Load(),
		PacerBehind:  st.pacerBehind.Load(),
	}
	for _, d := range Drivers {
		for _, r := range f.rooms {
			cr.Sent[d.Kind()] += d.counter(r).Load()
		}
	}
	for i := errRateLimited; i < numErrCodes; i++ {
		if n := st.errorCodes[i].Load(); n > 0 {
			cr.Errors[errCodeNames[i]] = n
		}
	}
	cr.RateLimited = st.errorCodes[errRateLimited].Load()
	if cr.RateLimited > 0 {
		cr.RateLimitedByKind = map[string]int64{"comment": st.rateLimitedComments.Load(), "react": st.rateLimitedReacts.Load()}
		if n := st.rateLimitedQuestions.Load(); n > 0 {
			cr.RateLimitedByKind["question"] = n
		}
		if n := st.rateLimitedUpvotes.Load(); n > 0 {
			cr.RateLimitedByKind["upvote"] = n
		}
	}
	rep.Commands = cr
	rep.Reaction = reactionsFor(f.rooms, st.rateLimitedReacts.Load())
	rep.QA = qaFor(f.rooms, st)
	rep.Polls = pollsFor(f.rooms, st)
}

// fillServers computes each target's and the totals' server figures. Memory
// per client is the growth from before the ramp to the peak; CPU per
// delivery and per frame is taken from traffic start to the peak.
func fillServers(rep *Report, sc Scenario, before, atTraffic, peak, after []Sample) {
	perTarget := make([]int64, len(sc.Targets))
	for i := 0; i < sc.ClientsPerRoom; i++ {
		perTarget[i%len(sc.Targets)] += int64(sc.Rooms)
	}
	var tot ServerTotals
	var rssGrowth, heapGrowth, delivered, frames float64
	var haveDelivered, haveFrames bool
	for i, t := range sc.Targets {
		sr := ServerReport{Target: t, Before: before[i], AtTraffic: atTraffic[i], Peak: peak[i], After: after[i], Clients: perTarget[i]}
		if before[i].Values == nil || atTraffic[i].Values == nil || peak[i].Values == nil {
			tot.MetricsMissing = true
			rep.Servers = append(rep.Servers, sr)
			continue
		}
		b, tr, p := before[i].Values, atTraffic[i].Values, peak[i].Values
		sr.CPUSeconds = p[mCPU] - b[mCPU]
		sr.TrafficCPUSeconds = p[mCPU] - tr[mCPU]
		growth := p[mRSS] - b[mRSS]
		if sr.Clients > 0 {
			sr.RSSPerClient = growth / float64(sr.Clients)
		}
		rssGrowth += growth
		heapGrowth += p[mHeapInuse] - b[mHeapInuse]
		sr.Counters = map[string]float64{}
		for k, v := range p {
			if strings.HasSuffix(k, "_total") && strings.HasPrefix(k, "hubbub_") {
				sr.Counters[k] = v - tr[k]
			}
		}
		if v, ok := p[mDelivered]; ok {
			delivered += v - tr[mDelivered]
			haveDelivered = true
		}
		if v, ok := p[mFrames]; ok {
			frames += v - tr[mFrames]
			haveFrames = true
		}
		tot.CPUSeconds += sr.CPUSeconds
		tot.TrafficCPUSeconds += sr.TrafficCPUSeconds
		rep.Servers = append(rep.Servers, sr)
	}
	clients := float64(rep.Clients.ConnectedAtEnd)
	if clients > 0 {
		tot.RSSPerClient = rssGrowth / clients
		tot.HeapInusePerClient = heapGrowth / clients
	}
	if n := rep.Delivery.Deliveries; n > 0 {
		tot.CPUPerDelivery = tot.TrafficCPUSeconds * 1e6 / float64(n)
	}
	if haveDelivered && delivered > 0 {
		tot.CPUPerServerDelivery = tot.TrafficCPUSeconds * 1e6 / delivered
	}
	if haveFrames && frames > 0 {
		tot.CPUPerFrame = tot.TrafficCPUSeconds * 1e6 / frames
	}
	rep.Server = tot
}
