package loadtest

import (
	"sort"
	"strconv"
	"time"
)

// Report is everything a run measured. It is written as JSON (-json), text
// and HTML; assertions read it. Latencies are in milliseconds.
type Report struct {
	Scenario scenarioJSON `json:"scenario"`
	Started  time.Time    `json:"started"`
	Elapsed  float64      `json:"elapsed_s"`
	Rooms    []string     `json:"rooms"`

	Clients  ClientsReport  `json:"clients"`
	Delivery DeliveryReport `json:"delivery"`
	Loss     LossReport     `json:"loss"`
	Commands CommandsReport `json:"commands"`
	Reaction ReactionReport `json:"reactions"`
	QA       *QAReport      `json:"qa,omitempty"`     // with question or upvote traffic
	Polls    *PollsReport   `json:"polls,omitempty"`  // with a poll storm
	Abuse    *AbuseReport   `json:"abuse,omitempty"`  // with attackers
	Verify   *VerifyReport  `json:"verify,omitempty"` // with -verify or -delete-rooms
	Harness  HarnessReport  `json:"harness"`
	Servers  []ServerReport `json:"servers"`
	Server   ServerTotals   `json:"server_totals"`
	Timeline []Second       `json:"timeline"`

	Assertions []AssertResult `json:"assertions,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
}

// ClientsReport covers connecting and staying connected.
type ClientsReport struct {
	Target         int              `json:"target"`
	Connected      int64            `json:"connected"` // welcomed at least once
	Failures       int64            `json:"connect_failures"`
	FailureReasons map[string]int64 `json:"failure_reasons,omitempty"`
	ConnectLatency LatencySummary   `json:"connect_latency"`
	Reconnects     int64            `json:"reconnects"`
	ResumeFailures int64            `json:"resume_failures"`
	CloseCodes     map[string]int64 `json:"close_codes,omitempty"` // seen during the run, not at its end
	ConnectedAtEnd int64            `json:"connected_at_end"`
	// Dropped and Left: connections the churn driver (-drop-rate) closed
	// without a close frame and with 1000; each client came back.
	Dropped int64 `json:"dropped,omitempty"`
	Left    int64 `json:"left,omitempty"`
}

// DeliveryReport covers comment deliveries: one per comment per receiving client.
type DeliveryReport struct {
	Latency LatencySummary `json:"latency"`
	// With several targets: latency when publisher and receiver were on the
	// same target, and when the comment crossed instances.
	SameTarget  *LatencySummary `json:"latency_same_target,omitempty"`
	CrossTarget *LatencySummary `json:"latency_cross_target,omitempty"`

	Deliveries     int64   `json:"deliveries"`
	PerSecond      float64 `json:"per_second"` // mean over the traffic phase
	PeakPerSecond  int64   `json:"peak_per_second"`
	Events         int64   `json:"events"` // every event line received, all types
	Frames         int64   `json:"frames"`
	Bytes          int64   `json:"bytes"`
	EventsPerFrame float64 `json:"events_per_frame"`
	BadEvents      int64   `json:"bad_events"`
}

// LossReport is the durable-event accounting over all clients: each must see
// every seq after its first welcome exactly once and in order.
type LossReport struct {
	Expected        int64 `json:"expected"`
	Received        int64 `json:"received"`
	Lost            int64 `json:"lost"`
	Duplicates      int64 `json:"duplicates"`
	OutOfOrder      int64 `json:"out_of_order"`
	ResyncSkipped   int64 `json:"resync_skipped"` // replaced by a snapshot on resume
	ClientsWithLoss int64 `json:"clients_with_loss"`
	// LostAway is the part of Lost of clients that were not connected
	// when the run closed them (dropped or gone and not back yet, with
	// -drop-rate): they miss whatever came after they went.
	LostAway int64 `json:"lost_away,omitempty"`
	// Worst lists up to maxWorst clients with the most lost, duplicate or
	// out-of-order events, to find a failing target or room.
	Worst []ClientLoss `json:"worst,omitempty"`
}

// maxWorst bounds LossReport.Worst.
const maxWorst = 10

// ClientLoss is one client's seq accounting.
type ClientLoss struct {
	Client     string `json:"client"` // its hello name, lt-<index>
	Room       string `json:"room"`
	Target     string `json:"target"` // WebSocket URL
	Expected   int64  `json:"expected"`
	Received   int64  `json:"received"`
	Lost       int64  `json:"lost"`
	Duplicates int64  `json:"duplicates"`
	OutOfOrder int64  `json:"out_of_order"`
}

func (c ClientLoss) badness() int64 { return c.Lost + c.Duplicates + c.OutOfOrder }

// CommandsReport counts what the publishers sent and what came back.
type CommandsReport struct {
	Sent              map[string]int64 `json:"sent"`
	Acks              int64            `json:"acks"`
	AckLatency        LatencySummary   `json:"ack_latency"` // comment write to its ack, at the publisher
	Errors            map[string]int64 `json:"errors,omitempty"`
	RateLimited       int64            `json:"rate_limited"`
	RateLimitedByKind map[string]int64 `json:"rate_limited_by_kind,omitempty"`
	WriteErrors       int64            `json:"write_errors"`
	SkippedSends      int64            `json:"skipped_sends"` // publisher was reconnecting
	PacerBehind       int64            `json:"pacer_behind"`  // dropped because the pacer lagged
}

// ReactionReport checks reactions, which the server coalesces: what was sent
// against how much the room's totals grew as seen by clients.
type ReactionReport struct {
	Sent        int64 `json:"sent"`
	RateLimited int64 `json:"rate_limited"`
	Counted     int64 `json:"counted"`   // sum over rooms of the largest growth any client saw
	DeltaSum    int64 `json:"delta_sum"` // sum over rooms of the largest sum of deltas any client saw
	Missing     int64 `json:"missing"`   // sent - rate limited - counted (may be negative with other senders)
}

// QAReport covers questions and upvotes. Question events carry the ask time
// like comments, so their delivery is timed the same way. Upvotes cannot be
// timed one by one (the server sends counts in coalesced votes events, at
// most 4 per second per room): the check is that every client ends at the
// count the acks add up to, and how often clients got votes events.
type QAReport struct {
	QuestionsSent       int64           `json:"questions_sent"`
	QuestionsAcked      int64           `json:"questions_acked"`
	QuestionDeliveries  int64           `json:"question_deliveries"`
	QuestionLatency     *LatencySummary `json:"question_latency,omitempty"` // ask → question event at every client
	UpvoteQuestions     []string        `json:"upvote_questions,omitempty"` // ids asked in the first room
	UpvotesSent         int64           `json:"upvotes_sent"`               // upvote and unvote commands
	UpvotesAcked        int64           `json:"upvotes_acked"`
	UnvotesAcked        int64           `json:"unvotes_acked"`
	UpvoteErrors        int64           `json:"upvote_errors"`
	Expected            int64           `json:"expected_votes"`    // Σ rooms and questions: upvotes acked − unvotes acked
	MaxAckVotes         int64           `json:"max_ack_votes"`     // highest count any upvote ack carried
	FinalMin            int64           `json:"final_votes_min"`   // Σ rooms and questions of the lowest final count any connected client saw
	FinalMax            int64           `json:"final_votes_max"`   // ... and the highest
	Missing             int64           `json:"votes_missing"`     // Σ rooms and questions of the largest |expected − final seen| of any connected client
	ClientsStale        int64           `json:"clients_stale"`     // connected clients that ended on another count than expected
	VotesEvents         int64           `json:"votes_events"`      // votes events received, all clients
	VotesPerSecondMax   int64           `json:"votes_per_s_max"`   // most votes events a client received in any one-second window
	VotesPerCalendarMax int64           `json:"votes_per_s_fixed"` // ... in any one calendar second
	VotesMinGapMS       float64         `json:"votes_min_gap_ms"`  // shortest time between two votes events at one client
}

// qaFor aggregates questions and upvotes; nil when there was neither.
func qaFor(rooms []*room, st *stats) *QAReport {
	qa := &QAReport{QuestionsAcked: st.questionAcks.Load(), QuestionDeliveries: st.qdelivered}
	if st.totalQ.TotalCount() > 0 {
		l := summarize(st.totalQ)
		qa.QuestionLatency = &l
	}
	gap := int64(-1)
	any := false
	for _, r := range rooms {
		qa.QuestionsSent += r.questionsSent.Load()
		qa.UpvotesSent += r.upvotesSent.Load()
		qa.UpvoteErrors += r.upvoteErrors.Load()
		qa.MaxAckVotes = max(qa.MaxAckVotes, r.maxAckVotes.Load())
		qs := r.questions()
		if len(qs) > 0 {
			any = true
			if qa.UpvoteQuestions == nil {
				qa.UpvoteQuestions = qs
			}
		}
		stale := map[*client]bool{}
		for i := range qs {
			qa.UpvotesAcked += r.upAcked[i].Load()
			qa.UnvotesAcked += r.downAcked[i].Load()
			want := r.expectedVotes(i)
			qa.Expected += want
			lo, hi, worst := int64(-1), int64(0), int64(0)
			for _, c := range r.clients {
				if !c.seqs.started { // never connected
					continue
				}
				seen, _ := c.seenVotes(i)
				if lo < 0 || seen < lo {
					lo = seen
				}
				hi = max(hi, seen)
				d := want - seen
				if d < 0 {
					d = -d
				}
				worst = max(worst, d)
				if d != 0 {
					stale[c] = true
				}
			}
			qa.FinalMin += max(lo, 0)
			qa.FinalMax += hi
			qa.Missing += worst
		}
		qa.ClientsStale += int64(len(stale))
		for _, c := range r.clients {
			qa.VotesEvents += c.votes.n
			qa.VotesPerSecondMax = max(qa.VotesPerSecondMax, int64(c.votes.max))
			qa.VotesPerCalendarMax = max(qa.VotesPerCalendarMax, int64(c.votes.secMax))
			if c.votes.haveGap && (gap < 0 || c.votes.gap < gap) {
				gap = c.votes.gap
			}
		}
	}
	if gap >= 0 {
		qa.VotesMinGapMS = float64(gap) / 1e6
	}
	if !any && qa.QuestionsSent == 0 && qa.QuestionDeliveries == 0 {
		return nil
	}
	return qa
}

// HarnessReport is the harness's own cost, to show it was not the bottleneck.
type HarnessReport struct {
	CPUSeconds        float64 `json:"cpu_seconds"`         // whole run
	MeanCPUCores      float64 `json:"mean_cpu_cores"`      // whole run
	TrafficCPUSeconds float64 `json:"traffic_cpu_seconds"` // traffic and drain only
	TrafficCPUCores   float64 `json:"traffic_cpu_cores"`
	CPUPerDelivery    float64 `json:"cpu_us_per_delivery"` // traffic CPU per comment delivery
	CPUPerEvent       float64 `json:"cpu_us_per_event"`    // traffic CPU per event of any type
	OtherCPUCores     float64 `json:"other_cpu_cores"`     // other processes on the machine during traffic (local targets excluded)
	MaxRSSBytes       int64   `json:"max_rss_bytes"`
	FileLimit         uint64  `json:"file_limit"`
	GOMAXPROCS        int     `json:"gomaxprocs"`
}

// ServerReport is one target's /metrics before the run, when traffic
// started (ramp done), at its peak (all clients still connected, traffic
// over) and after the clients closed.
type ServerReport struct {
	Target            string             `json:"target"`
	Before            Sample             `json:"before"`
	AtTraffic         Sample             `json:"at_traffic"`
	Peak              Sample             `json:"peak"`
	After             Sample             `json:"after"`
	CPUSeconds        float64            `json:"cpu_seconds"`              // peak - before
	TrafficCPUSeconds float64            `json:"traffic_cpu_seconds"`      // peak - at traffic
	RSSPerClient      float64            `json:"rss_bytes_per_client"`     // (peak - before) / clients on this target
	Clients           int64              `json:"clients"`                  // clients assigned to this target
	Counters          map[string]float64 `json:"counter_deltas,omitempty"` // hubbub_*_total, peak - at traffic
}

// ServerTotals sums the targets. CPU per delivery and per frame are over the
// traffic window (traffic start to peak); the per-frame and per-server-delivery
// figures need the server's hubbub_frames_written_total and
// hubbub_events_delivered_total counters and are absent without them.
type ServerTotals struct {
	CPUSeconds           float64 `json:"cpu_seconds"`
	TrafficCPUSeconds    float64 `json:"traffic_cpu_seconds"`
	CPUPerDelivery       float64 `json:"cpu_us_per_delivery"`                  // per delivery the harness saw
	CPUPerServerDelivery float64 `json:"cpu_us_per_server_delivery,omitempty"` // per hubbub_events_delivered_total
	CPUPerFrame          float64 `json:"cpu_us_per_frame,omitempty"`           // per hubbub_frames_written_total
	RSSPerClient         float64 `json:"rss_bytes_per_client"`
	HeapInusePerClient   float64 `json:"heap_inuse_bytes_per_client"`
	MetricsMissing       bool    `json:"metrics_missing,omitempty"`
}

// Second is one second of the run's timeline.
type Second struct {
	T          float64        `json:"t"`          // seconds since start, at the end of the interval
	Interval   float64        `json:"interval_s"` // length of the interval the counts cover
	Phase      string         `json:"phase"`
	Connected  int64          `json:"connected"`
	Deliveries int64          `json:"deliveries"`
	Events     int64          `json:"events"`
	Frames     int64          `json:"frames"`
	Bytes      int64          `json:"bytes"`
	Sent       int64          `json:"sent"`
	Latency    LatencySummary `json:"latency"`
	ServerCPU  float64        `json:"server_cpu_cores"` // all targets
	ServerRSS  float64        `json:"server_rss_bytes"` // all targets
}

// lossFor aggregates every client's seq accounting.
func lossFor(rooms []*room) LossReport {
	var l LossReport
	for _, r := range rooms {
		final := r.finalSeq()
		for _, c := range r.clients {
			t := &c.seqs
			if !t.started {
				continue
			}
			lost := t.lost(final)
			l.Expected += t.expected(final)
			l.Received += t.received
			l.Lost += lost
			if !c.connectedAtEnd.Load() {
				l.LostAway += lost
			}
			l.Duplicates += t.duplicates
			l.OutOfOrder += t.outOfOrder
			l.ResyncSkipped += t.skipped
			if lost > 0 {
				l.ClientsWithLoss++
			}
			cl := ClientLoss{Client: c.name, Room: r.code, Target: c.url, Expected: t.expected(final),
				Received: t.received, Lost: lost, Duplicates: t.duplicates, OutOfOrder: t.outOfOrder}
			if cl.badness() > 0 {
				l.Worst = append(l.Worst, cl)
			}
		}
	}
	sort.SliceStable(l.Worst, func(i, j int) bool { return l.Worst[i].badness() > l.Worst[j].badness() })
	if len(l.Worst) > maxWorst {
		l.Worst = l.Worst[:maxWorst]
	}
	return l
}

// reactionsFor aggregates the reaction check.
func reactionsFor(rooms []*room, rateLimited int64) ReactionReport {
	rr := ReactionReport{RateLimited: rateLimited}
	for _, r := range rooms {
		rr.Sent += r.reactsSent.Load()
		var grew, deltas int64
		for _, c := range r.clients {
			if g := c.reactLast - c.reactBase; c.reactSeen && g > grew {
				grew = g
			}
			if c.reactDelta > deltas {
				deltas = c.reactDelta
			}
		}
		rr.Counted += grew
		rr.DeltaSum += deltas
	}
	rr.Missing = rr.Sent - rr.RateLimited - rr.Counted
	return rr
}

func codeMap(m map[int]int64) map[string]int64 {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
