package loadtest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Assertion is one threshold of -assert, like "p99<100ms" or "loss=0".
type Assertion struct {
	Metric string
	Op     string // <, <=, >, >=, = (==), !=
	Value  float64
	Text   string // as written
}

// AssertResult is an Assertion checked against a report.
type AssertResult struct {
	Assertion string  `json:"assertion"`
	Actual    float64 `json:"actual"`
	Passed    bool    `json:"passed"`
	Message   string  `json:"message"`
}

type unit int

const (
	unitCount unit = iota
	unitMS         // value written as a duration ("100ms") or milliseconds
	unitUS         // value written as a duration ("20us") or microseconds
	unitBytes      // value written as a size ("16KiB") or bytes
)

type metric struct {
	unit unit
	help string
	get  func(*Report) float64
}

// metrics are the names -assert accepts.
var metrics = map[string]metric{
	"p50":                      {unitMS, "comment delivery latency p50", func(r *Report) float64 { return r.Delivery.Latency.P50 }},
	"p90":                      {unitMS, "delivery latency p90", func(r *Report) float64 { return r.Delivery.Latency.P90 }},
	"p99":                      {unitMS, "delivery latency p99", func(r *Report) float64 { return r.Delivery.Latency.P99 }},
	"p999":                     {unitMS, "delivery latency p99.9", func(r *Report) float64 { return r.Delivery.Latency.P999 }},
	"max":                      {unitMS, "delivery latency max", func(r *Report) float64 { return r.Delivery.Latency.Max }},
	"mean":                     {unitMS, "delivery latency mean", func(r *Report) float64 { return r.Delivery.Latency.Mean }},
	"ack_p99":                  {unitMS, "comment ack latency p99", func(r *Report) float64 { return r.Commands.AckLatency.P99 }},
	"connect_p99":              {unitMS, "connect latency p99", func(r *Report) float64 { return r.Clients.ConnectLatency.P99 }},
	"connect_max":              {unitMS, "connect latency max", func(r *Report) float64 { return r.Clients.ConnectLatency.Max }},
	"loss":                     {unitCount, "durable events never delivered", func(r *Report) float64 { return float64(r.Loss.Lost) }},
	"loss_ratio":               {unitCount, "lost / expected", lossRatio},
	"duplicates":               {unitCount, "seqs received twice", func(r *Report) float64 { return float64(r.Loss.Duplicates) }},
	"out_of_order":             {unitCount, "seqs received after a later one", func(r *Report) float64 { return float64(r.Loss.OutOfOrder) }},
	"resync_skipped":           {unitCount, "seqs replaced by a snapshot on resume", func(r *Report) float64 { return float64(r.Loss.ResyncSkipped) }},
	"connect_failures":         {unitCount, "clients never welcomed", func(r *Report) float64 { return float64(r.Clients.Failures) }},
	"connected":                {unitCount, "clients welcomed at least once", func(r *Report) float64 { return float64(r.Clients.Connected) }},
	"reconnects":               {unitCount, "resumes after a close", func(r *Report) float64 { return float64(r.Clients.Reconnects) }},
	"rate_limited":             {unitCount, "rate_limited errors", func(r *Report) float64 { return float64(r.Commands.RateLimited) }},
	"write_errors":             {unitCount, "failed command writes", func(r *Report) float64 { return float64(r.Commands.WriteErrors) }},
	"bad_events":               {unitCount, "unreadable event lines", func(r *Report) float64 { return float64(r.Delivery.BadEvents) }},
	"deliveries":               {unitCount, "comment deliveries", func(r *Report) float64 { return float64(r.Delivery.Deliveries) }},
	"deliveries_per_s":         {unitCount, "mean deliveries per second", func(r *Report) float64 { return r.Delivery.PerSecond }},
	"reactions_missing":        {unitCount, "reactions sent but not counted", func(r *Report) float64 { return float64(r.Reaction.Missing) }},
	"votes_per_s_max":          {unitCount, "most votes events a client got in any 1 s window", func(r *Report) float64 { return float64(qa(r).VotesPerSecondMax) }},
	"votes_missing":            {unitCount, "upvote counts off at the worst client (Σ questions)", func(r *Report) float64 { return float64(qa(r).Missing) }},
	"vote_ack_p99":             {unitMS, "vote ack latency p99 (write to ack, at the voter)", func(r *Report) float64 { return pollsReport(r).AckLatency.P99 }},
	"results_per_s_max":        {unitCount, "most results events of one poll a client got in any 1 s window", func(r *Report) float64 { return float64(pollsReport(r).ResultsPerSecondMax) }},
	"results_stale":            {unitCount, "clients whose last results of a poll are not the tally of the acked ballots", func(r *Report) float64 { return float64(pollsReport(r).ClientsStale) }},
	"lost_acked":               {unitCount, "acknowledged comments, questions and ballots missing from the rooms' exports (-verify)", func(r *Report) float64 { return float64(verifyReport(r).Lost()) }},
	"verify_errors":            {unitCount, "exports or deletions that failed, and ballots no client can have cast (-verify)", func(r *Report) float64 { return float64(verifyReport(r).Failures()) }},
	"vote_errors":              {unitCount, "error answers to votes", func(r *Report) float64 { return float64(pollsReport(r).VoteErrors) }},
	"question_p99":             {unitMS, "question delivery latency p99", func(r *Report) float64 { return qaLatency(r).P99 }},
	"server_cpu_per_delivery":  {unitUS, "server CPU per delivery", func(r *Report) float64 { return r.Server.CPUPerDelivery }},
	"server_cpu_per_frame":     {unitUS, "server CPU per frame", func(r *Report) float64 { return r.Server.CPUPerFrame }},
	"harness_cpu_per_delivery": {unitUS, "harness CPU per delivery", func(r *Report) float64 { return r.Harness.CPUPerDelivery }},
	"rss_per_client":           {unitBytes, "server RSS growth per client", func(r *Report) float64 { return r.Server.RSSPerClient }},
	"heap_per_client":          {unitBytes, "server heap in use growth per client", func(r *Report) float64 { return r.Server.HeapInusePerClient }},
}

func qa(r *Report) QAReport {
	if r.QA == nil {
		return QAReport{}
	}
	return *r.QA
}

func pollsReport(r *Report) PollsReport {
	if r.Polls == nil {
		return PollsReport{}
	}
	return *r.Polls
}

func qaLatency(r *Report) LatencySummary {
	if r.QA == nil || r.QA.QuestionLatency == nil {
		return LatencySummary{}
	}
	return *r.QA.QuestionLatency
}

func lossRatio(r *Report) float64 {
	if r.Loss.Expected == 0 {
		return 0
	}
	return float64(r.Loss.Lost) / float64(r.Loss.Expected)
}

// MetricNames lists what -assert accepts, with a line of help each.
func MetricNames() []string {
	var out []string
	for name, m := range metrics {
		out = append(out, fmt.Sprintf("%-26s %s", name, m.help))
	}
	sort.Strings(out)
	return out
}

// ParseAssertions parses a comma-separated threshold list such as
// "p99<100ms,loss=0,connect_failures=0,rss_per_client<16KiB".
func ParseAssertions(s string) ([]Assertion, error) {
	var out []Assertion
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.IndexAny(part, "<>=!")
		if i <= 0 {
			return nil, fmt.Errorf("assert %q: want METRIC OP VALUE, e.g. p99<100ms", part)
		}
		name := strings.TrimSpace(part[:i])
		op := part[i : i+1]
		if i+1 < len(part) && part[i+1] == '=' {
			op = part[i : i+2]
		}
		valueText := strings.TrimSpace(part[i+len(op):])
		if op == "==" {
			op = "="
		}
		if op == "!" {
			return nil, fmt.Errorf("assert %q: bad operator", part)
		}
		m, ok := metrics[name]
		if !ok {
			return nil, fmt.Errorf("assert %q: unknown metric %q (have %s)", part, name, strings.Join(sortedKeys(metrics), ", "))
		}
		v, err := parseValue(valueText, m.unit)
		if err != nil {
			return nil, fmt.Errorf("assert %q: %w", part, err)
		}
		out = append(out, Assertion{Metric: name, Op: op, Value: v, Text: part})
	}
	return out, nil
}

func parseValue(s string, u unit) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("missing value")
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v, nil
	}
	switch u {
	case unitMS, unitUS:
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("want a duration like 100ms: %w", err)
		}
		if u == unitMS {
			return float64(d) / float64(time.Millisecond), nil
		}
		return float64(d) / float64(time.Microsecond), nil
	case unitBytes:
		for _, suf := range []struct {
			s string
			m float64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
			if strings.HasSuffix(s, suf.s) {
				v, err := strconv.ParseFloat(strings.TrimSuffix(s, suf.s), 64)
				if err != nil {
					return 0, fmt.Errorf("want a size like 16KiB")
				}
				return v * suf.m, nil
			}
		}
	}
	return 0, fmt.Errorf("bad value %q", s)
}

// evaluate checks every assertion against rep.
func evaluate(as []Assertion, rep *Report) []AssertResult {
	var out []AssertResult
	for _, a := range as {
		m := metrics[a.Metric]
		v := m.get(rep)
		ok := compare(v, a.Op, a.Value)
		res := AssertResult{Assertion: a.Text, Actual: v, Passed: ok}
		verdict := "ok"
		if !ok {
			verdict = "FAILED"
		}
		res.Message = fmt.Sprintf("%s %s: %s is %s", verdict, a.Text, a.Metric, formatUnit(v, m.unit))
		out = append(out, res)
	}
	return out
}

func compare(v float64, op string, want float64) bool {
	const eps = 1e-9
	switch op {
	case "<":
		return v < want
	case "<=":
		return v <= want+eps
	case ">":
		return v > want
	case ">=":
		return v >= want-eps
	case "=":
		return math.Abs(v-want) <= eps
	case "!=":
		return math.Abs(v-want) > eps
	}
	return false
}

func formatUnit(v float64, u unit) string {
	switch u {
	case unitMS:
		return fmtMS(v)
	case unitUS:
		return fmt.Sprintf("%.1fµs", v)
	case unitBytes:
		return fmtBytes(v)
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}
