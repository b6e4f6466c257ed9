package loadtest

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the human summary of rep.
func WriteText(w io.Writer, rep *Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := func(k, format string, args ...any) { fmt.Fprintf(tw, "  %s\t%s\n", k, fmt.Sprintf(format, args...)) }
	sc := rep.Scenario
	name := sc.Preset
	if name == "" {
		name = "custom"
	}
	if sc.CommentRate+sc.ReactRate+sc.QuestionRate+sc.UpvoteRate+sc.VoteRate > 0 {
		fmt.Fprintf(tw, "hubbub load test (%s): %d room(s) x %d clients on %s, %s traffic, %.0f comments/s + %.0f reactions/s per room",
			name, len(rep.Rooms), sc.ClientsPerRoom, strings.Join(sc.Targets, ","), sc.Duration, sc.CommentRate, sc.ReactRate)
		if sc.QuestionRate > 0 {
			fmt.Fprintf(tw, " + %g questions/s", sc.QuestionRate)
		}
		if sc.UpvoteRate > 0 {
			fmt.Fprintf(tw, " + %.0f upvotes/s", sc.UpvoteRate)
			if sc.Scenario.UpvoteFor > 0 {
				fmt.Fprintf(tw, " for %s", sc.UpvoteFor)
			}
		}
		if sc.VoteRate > 0 {
			fmt.Fprintf(tw, " + %.0f ballots/s in %d poll(s)", sc.VoteRate, sc.VotePolls)
			if sc.Scenario.VoteFor > 0 {
				fmt.Fprintf(tw, " for %s", sc.VoteFor)
			}
		}
		fmt.Fprintln(tw)
	} else {
		fmt.Fprintf(tw, "hubbub load test (%s): %d room(s) x %d clients on %s, %s hold without traffic\n",
			name, len(rep.Rooms), sc.ClientsPerRoom, strings.Join(sc.Targets, ","), sc.Duration)
	}

	c := rep.Clients
	fmt.Fprintln(tw, "clients")
	p("connected", "%d of %d (%d failed), %d at the end", c.Connected, c.Target, c.Failures, c.ConnectedAtEnd)
	for _, k := range sortedKeys(c.FailureReasons) {
		p("  failed: "+k, "%d", c.FailureReasons[k])
	}
	p("connect latency", "p50 %s  p99 %s  max %s", fmtMS(c.ConnectLatency.P50), fmtMS(c.ConnectLatency.P99), fmtMS(c.ConnectLatency.Max))
	p("reconnects", "%d (%d failed resumes)", c.Reconnects, c.ResumeFailures)
	if c.Dropped+c.Left > 0 {
		p("churn", "%d dropped (no close frame), %d left (1000) and came back", c.Dropped, c.Left)
	}
	if len(c.CloseCodes) > 0 {
		var parts []string
		for _, k := range sortedKeys(c.CloseCodes) {
			parts = append(parts, fmt.Sprintf("%s×%d", k, c.CloseCodes[k]))
		}
		p("close codes", "%s", strings.Join(parts, " "))
	}

	d := rep.Delivery
	l := d.Latency
	fmt.Fprintln(tw, "comment delivery (publish → receipt, same clock)")
	p("latency", "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, n=%d)",
		fmtMS(l.P50), fmtMS(l.P90), fmtMS(l.P99), fmtMS(l.P999), fmtMS(l.Max), fmtMS(l.Mean), l.Count)
	for _, x := range []struct {
		name string
		l    *LatencySummary
	}{{"  same instance", d.SameTarget}, {"  across instances", d.CrossTarget}} {
		if x.l != nil {
			p(x.name, "p50 %s  p99 %s  max %s  (n=%d)", fmtMS(x.l.P50), fmtMS(x.l.P99), fmtMS(x.l.Max), x.l.Count)
		}
	}
	p("deliveries", "%d  (%.0f/s mean, %d/s peak)", d.Deliveries, d.PerSecond, d.PeakPerSecond)
	p("frames", "%d frames, %d events, %.1f events/frame, %s", d.Frames, d.Events, d.EventsPerFrame, fmtBytes(float64(d.Bytes)))
	if d.BadEvents > 0 {
		p("unreadable events", "%d", d.BadEvents)
	}

	ls := rep.Loss
	fmt.Fprintln(tw, "durable events (seq accounting per client)")
	p("expected / received", "%d / %d", ls.Expected, ls.Received)
	p("lost", "%d (%d clients)", ls.Lost, ls.ClientsWithLoss)
	if ls.LostAway > 0 {
		p("  by clients away at the end", "%d (dropped or left and not back when the run closed them)", ls.LostAway)
	}
	p("duplicates / out of order", "%d / %d", ls.Duplicates, ls.OutOfOrder)
	if ls.ResyncSkipped > 0 {
		p("replaced by snapshot", "%d", ls.ResyncSkipped)
	}
	for _, w := range ls.Worst {
		p("  "+w.Client, "room %s via %s: received %d of %d, lost %d, dup %d, out of order %d",
			w.Room, w.Target, w.Received, w.Expected, w.Lost, w.Duplicates, w.OutOfOrder)
	}

	cm := rep.Commands
	fmt.Fprintln(tw, "commands")
	var sent []string
	for _, k := range sortedKeys(cm.Sent) {
		sent = append(sent, fmt.Sprintf("%s %d", k, cm.Sent[k]))
	}
	p("sent", "%s, %d acks", strings.Join(sent, ", "), cm.Acks)
	if a := cm.AckLatency; a.Count > 0 {
		p("ack latency", "p50 %s  p99 %s  max %s (comment write to its ack)", fmtMS(a.P50), fmtMS(a.P99), fmtMS(a.Max))
	}
	p("rate limited", "%d", cm.RateLimited)
	for _, k := range sortedKeys(cm.Errors) {
		if k != "rate_limited" {
			p("error "+k, "%d", cm.Errors[k])
		}
	}
	if cm.WriteErrors+cm.SkippedSends+cm.PacerBehind > 0 {
		p("not sent", "%d write errors, %d while reconnecting, %d pacer behind", cm.WriteErrors, cm.SkippedSends, cm.PacerBehind)
	}
	if rr := rep.Reaction; rr.Sent > 0 {
		p("reactions", "sent %d, rate limited %d, counted by room totals %d (deltas %d), missing %d",
			rr.Sent, rr.RateLimited, rr.Counted, rr.DeltaSum, rr.Missing)
	}

	if qa := rep.QA; qa != nil {
		fmt.Fprintln(tw, "q&a")
		if qa.QuestionsSent > 0 || qa.QuestionDeliveries > 0 {
			p("questions", "sent %d, acked %d, delivered %d", qa.QuestionsSent, qa.QuestionsAcked, qa.QuestionDeliveries)
		}
		if l := qa.QuestionLatency; l != nil {
			p("question latency", "p50 %s  p99 %s  max %s  (ask → question event, n=%d)", fmtMS(l.P50), fmtMS(l.P99), fmtMS(l.Max), l.Count)
		}
		if qa.UpvotesSent > 0 || len(qa.UpvoteQuestions) > 0 {
			p("upvotes", "on %s: sent %d, acked %d upvotes + %d unvotes, %d errors; highest count in an ack %d",
				strings.Join(qa.UpvoteQuestions, ","), qa.UpvotesSent, qa.UpvotesAcked, qa.UnvotesAcked, qa.UpvoteErrors, qa.MaxAckVotes)
			p("final counts", "expected %d (acks), seen %d to %d by clients, missing %d, %d clients stale",
				qa.Expected, qa.FinalMin, qa.FinalMax, qa.Missing, qa.ClientsStale)
		}
		if qa.VotesEvents > 0 {
			p("votes events", "%d received; per client at most %d in any 1 s window (%d in a calendar second), shortest gap %s",
				qa.VotesEvents, qa.VotesPerSecondMax, qa.VotesPerCalendarMax, fmtMS(qa.VotesMinGapMS))
		}
	}

	if ab := rep.Abuse; ab != nil {
		fmt.Fprintln(tw, "abuse")
		p("attackers", "%d: %d hellos without a token, %d minted, refused %v", ab.Attackers, ab.Hellos, ab.Minted, ab.Refused)
		p("attack commands", "%d sent, answered %v", ab.Commands, ab.Answers)
	}

	if pr := rep.Polls; pr != nil {
		fmt.Fprintln(tw, "polls")
		p("votes", "in %s (%s): sent %d, acked %d (%d unchanged), %d errors; standing ballots %v",
			strings.Join(pr.Polls, ","), strings.Join(pr.Kinds, ","), pr.VotesSent, pr.VotesAcked, pr.VotesUnchanged, pr.VoteErrors, pr.Ballots)
		if l := pr.AckLatency; l.Count > 0 {
			p("vote ack latency", "p50 %s  p99 %s  max %s  (n=%d)", fmtMS(l.P50), fmtMS(l.P99), fmtMS(l.Max), l.Count)
		}
		p("final results", "expected %v (first poll, from acks); %d clients stale", pr.Expected, pr.ClientsStale)
		p("results events", "%d received; per client and poll at most %d in any 1 s window (%d in a calendar second), shortest gap %s",
			pr.ResultsEvents, pr.ResultsPerSecondMax, pr.ResultsPerCalendarMax, fmtMS(pr.ResultsMinGapMS))
	}

	if v := rep.Verify; v != nil {
		fmt.Fprintln(tw, "verified in the exports (after every client closed)")
		p("comments", "%d acked, %d missing", v.CommentsAcked, v.CommentsMissing)
		p("questions", "%d acked, %d missing", v.QuestionsAcked, v.QuestionsMissing)
		p("ballots", "%d acked standing, %d missing, %d unexpected", v.BallotsAcked, v.BallotsMissing, v.BallotsUnexpected)
		p("rooms", "%d verified, %d deleted", v.Rooms, v.Deleted)
		for _, e := range v.Errors {
			p("  error", "%s", e)
		}
	}

	h := rep.Harness
	fmt.Fprintln(tw, "harness (this process)")
	p("cpu", "%.2fs in all (%.2f cores mean of %d); traffic %.2fs (%.2f cores)", h.CPUSeconds, h.MeanCPUCores, h.GOMAXPROCS, h.TrafficCPUSeconds, h.TrafficCPUCores)
	if h.CPUPerDelivery > 0 {
		p("cpu per delivery", "%.2fµs (%.2fµs per event)", h.CPUPerDelivery, h.CPUPerEvent)
	}
	p("max rss", "%s", fmtBytes(float64(h.MaxRSSBytes)))
	p("other work", "%.2f cores used by other processes during traffic", h.OtherCPUCores)

	st := rep.Server
	fmt.Fprintln(tw, "servers (from /metrics; cost per delivery over traffic + drain)")
	if st.MetricsMissing {
		p("note", "some targets had no /metrics; totals cover the others")
	}
	for _, s := range rep.Servers {
		if s.Peak.Values == nil {
			p(s.Target, "no metrics (%s)", s.Peak.Err)
			continue
		}
		p(s.Target, "cpu %.2fs (traffic %.2fs), rss %s → %s (peak) → %s (after), %d clients",
			s.CPUSeconds, s.TrafficCPUSeconds, fmtBytes(s.Before.Values[mRSS]), fmtBytes(s.Peak.Values[mRSS]), fmtBytes(s.After.Values[mRSS]), s.Clients)
	}
	if st.CPUPerDelivery > 0 {
		p("cpu per delivery", "%.2fµs (harness-counted deliveries)", st.CPUPerDelivery)
	}
	if st.CPUPerServerDelivery > 0 {
		p("cpu per server delivery", "%.2fµs (hubbub_events_delivered_total)", st.CPUPerServerDelivery)
	}
	if st.CPUPerFrame > 0 {
		p("cpu per frame", "%.2fµs (hubbub_frames_written_total)", st.CPUPerFrame)
	}
	p("rss per client", "%s (heap in use %s)", fmtBytes(st.RSSPerClient), fmtBytes(st.HeapInusePerClient))

	for _, w := range rep.Warnings {
		fmt.Fprintf(tw, "warning: %s\n", w)
	}
	if len(rep.Assertions) > 0 {
		fmt.Fprintln(tw, "assertions")
		for _, a := range rep.Assertions {
			fmt.Fprintf(tw, "  %s\n", a.Message)
		}
	}
	tw.Flush()
}
