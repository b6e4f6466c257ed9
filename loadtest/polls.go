package loadtest

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
)

// Poll storms. When traffic starts the harness creates VotePolls polls in
// every room with the room's host key, open and revealed so that every
// client receives their `results` events: poll 0 a single-choice poll of
// pollOptions options, poll 1 (with VotePolls 2) a wordcloud. The vote
// driver then sends VoteRate ballots per second, spread over every client
// of the room: a client's n-th ballot goes to poll (n−1) mod k of the k
// polls, and its value is (client + round) mod the poll's values, round
// being (n−1) div k, so a second round replaces the client's ballot with
// another. The harness keeps every client's last acknowledged ballot per
// poll, so it knows the exact tallies the room must end at, and checks the
// last `results` every client received against them.

// Poll storm defaults and limits.
const (
	DefaultVotePolls = 1 // polls the harness creates per room for the vote driver
	MaxVotePolls     = 2 // a single-choice poll and a wordcloud
	pollOptions      = 4 // options of the single-choice poll
	// pollWords is how many distinct words the wordcloud's ballots use:
	// fewer than the server lists in results (100), so every client's last
	// results carry the complete tally.
	pollWords = 50
)

// voteIDBase is added to n to make a vote's command id (see kindOfID).
const voteIDBase = int64(3) << 40

// pollKinds are the kinds of the polls the harness creates, in order.
var pollKinds = [MaxVotePolls]string{"single", "wordcloud"}

// roomPolls is a room's poll storm accounting.
type roomPolls struct {
	// ids are the polls the harness created, set once before the pacers
	// start; readers load it.
	ids       atomic.Pointer[[]string]
	sent      atomic.Int64 // vote commands written
	acked     atomic.Int64 // acks of votes
	unchanged atomic.Int64 // acks with "changed":false
	errors    atomic.Int64 // error answers to votes
}

// pollIDs returns the ids of the room's storm polls (nil before they exist).
func (r *room) pollIDs() []string {
	if p := r.polls.ids.Load(); p != nil {
		return *p
	}
	return nil
}

// clientPolls is one client's poll storm accounting.
type clientPolls struct {
	// ballot[i] is the value + 1 of the client's last acknowledged ballot
	// in poll i (0: none), written by its reader.
	ballot [MaxVotePolls]atomic.Int32
	// seenTotal[i] is the total + 1 of the last results of poll i the
	// client received (0: none), seenSig[i] their signature (resultsSig).
	seenTotal [MaxVotePolls]atomic.Int64
	seenSig   [MaxVotePolls]atomic.Uint64
	// sentN[i] and ackedN[i] are the n of the client's last ballot written
	// in poll i and of its last acknowledged one (0: none), for Verify:
	// the ballot standing at the end is the acked one or one written after
	// it whose answer was lost with its connection.
	sentN, ackedN [MaxVotePolls]atomic.Uint64
	// sentAt: the send time (unix ns) of vote n at n % ackRing.
	sentAt [ackRing]atomic.Int64
	// rate[i]: how often `results` of poll i arrived (owned by the reader).
	rate [MaxVotePolls]eventRate
}

// voteAction returns the poll index and the value (option or word index)
// of client pub's n-th ballot (n from 1) with k polls.
func voteAction(pub int, n uint64, k int) (poll, value int) {
	if k < 1 {
		k = 1
	}
	poll = int((n - 1) % uint64(k))
	round := int((n - 1) / uint64(k))
	values := pollOptions
	if pollKinds[poll] == "wordcloud" {
		values = pollWords
	}
	return poll, (pub + round) % values
}

// appendWord appends the wordcloud word of value v: "w<v>".
func appendWord(dst []byte, v int) []byte { return strconv.AppendInt(append(dst, 'w'), int64(v), 10) }

// voteDriver casts ballots in the polls the harness created.
type voteDriver struct{}

func (voteDriver) Kind() string                  { return "vote" }
func (voteDriver) Rate(s Scenario) float64       { return s.VoteRate }
func (voteDriver) ClientRate(s Scenario) float64 { return s.VotesPerClient }
func (voteDriver) counter(r *room) *atomic.Int64 { return &r.polls.sent }
func (voteDriver) CarriesID() bool               { return true }
func (voteDriver) idBase() int64                 { return voteIDBase }
func (voteDriver) limit(s Scenario) int64 {
	if s.VoteFor <= 0 {
		return 0
	}
	return int64(math.Round(s.VoteRate * s.VoteFor.Seconds()))
}

func (voteDriver) AppendCommand(dst []byte, r *room, pub int, n uint64, _ int64) []byte {
	ids := r.pollIDs()
	if len(ids) == 0 {
		return dst
	}
	p, v := voteAction(pub, n, len(ids))
	dst = append(dst, `{"type":"vote","poll":"`...)
	dst = append(dst, ids[p]...)
	if pollKinds[p] == "wordcloud" {
		dst = append(dst, `","text":"`...)
		dst = appendWord(dst, v)
		dst = append(dst, '"')
	} else {
		dst = append(dst, `","choices":[`...)
		dst = strconv.AppendInt(dst, int64(v), 10)
		dst = append(dst, ']')
	}
	dst = append(dst, `,"id":`...)
	dst = strconv.AppendInt(dst, voteIDBase+int64(n), 10)
	return append(dst, '}')
}

// voteAcked accounts the ack of a vote received at now: its latency, and
// the ballot it stands for as the client's last in its poll.
func (c *client) voteAcked(f *fleet, ev *event, now int64) {
	n := uint64(ev.id - voteIDBase)
	if sent := c.polls.sentAt[n%ackRing].Swap(0); sent > 0 {
		f.st.recordVoteAck(now - sent)
	}
	c.room.polls.acked.Add(1)
	if ev.hasChanged && !ev.changed {
		c.room.polls.unchanged.Add(1)
	}
	ids := c.room.pollIDs()
	if len(ids) == 0 {
		return
	}
	p, v := voteAction(c.idx, n, len(ids))
	if n > c.polls.ackedN[p].Load() {
		c.polls.ackedN[p].Store(n)
		c.polls.ballot[p].Store(int32(v + 1))
	}
}

// noteSent records that the client wrote its n-th ballot, with k polls.
func (p *clientPolls) noteSent(n uint64, k int) {
	if k < 1 {
		return
	}
	p.sentN[(n-1)%uint64(k)].Store(n)
}

// noteResults accounts a `results` event received at now.
func (c *client) noteResults(ev *event, now int64) {
	for i, id := range c.room.pollIDs() {
		if string(ev.poll) != id {
			continue
		}
		var sig uint64
		if pollKinds[i] == "wordcloud" {
			sig = wordsSig(ev.words)
		} else {
			sig = countsSig(ev.rcounts)
		}
		c.polls.seenSig[i].Store(sig)
		c.polls.seenTotal[i].Store(ev.total + 1)
		c.polls.rate[i].note(now)
	}
}

// The signature of a tally: Σ mix(key) × count over its counts, the key
// being an option's index or a word's FNV-1a hash. Two different tallies
// of the storm share one with negligible odds; computing it does not
// allocate.
func mix(x uint64) uint64 { // splitmix64's finalizer
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func fnv1a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// countsSig is the signature of a results "counts" array, e.g. [4,9,0].
func countsSig(arr []byte) uint64 {
	var sig uint64
	i, idx := 1, uint64(0)
	for i < len(arr) {
		i = skipWS(arr, i)
		if i >= len(arr) || arr[i] == ']' {
			break
		}
		if arr[i] == ',' {
			i++
			idx++
			continue
		}
		vend := skipValue(arr, i)
		if vend < 0 {
			break
		}
		if n, ok := parseInt(arr[i:vend]); ok {
			sig += mix(idx) * uint64(n)
		}
		i = vend
	}
	return sig
}

// wordsSig is the signature of a results "words" object, e.g. {"w3":4}.
func wordsSig(obj []byte) uint64 {
	var sig uint64
	eachCount(obj, func(key []byte, n int64) { sig += mix(fnv1a(key)) * uint64(n) })
	return sig
}

// expectedResults returns the total and the signature the results of poll
// i of room r must end at: the tally of every client's last acknowledged
// ballot.
func (r *room) expectedResults(i int) (total int64, sig uint64) {
	var word []byte
	for _, c := range r.clients {
		b := c.polls.ballot[i].Load()
		if b == 0 {
			continue
		}
		total++
		v := int(b - 1)
		if pollKinds[i] == "wordcloud" {
			word = appendWord(word[:0], v)
			sig += mix(fnv1a(word))
		} else {
			sig += mix(uint64(v))
		}
	}
	return total, sig
}

// resultsCurrent reports whether client c's last results of poll i are
// total and sig.
func (c *client) resultsCurrent(i int, total int64, sig uint64) bool {
	return c.polls.seenTotal[i].Load() == total+1 && c.polls.seenSig[i].Load() == sig
}

// pollsCaughtUp reports whether every vote of room r was answered and every
// connected client's last results of every poll are the expected tallies.
func (r *room) pollsCaughtUp() bool {
	ids := r.pollIDs()
	if len(ids) == 0 {
		return true
	}
	if r.polls.sent.Load() > r.polls.acked.Load()+r.polls.errors.Load() {
		return false
	}
	for i := range ids {
		total, sig := r.expectedResults(i)
		if total == 0 {
			continue
		}
		for _, c := range r.clients {
			if c.conn.Load() != nil && !c.resultsCurrent(i, total, sig) {
				return false
			}
		}
	}
	return true
}

// createPoll creates one open, revealed poll of kind in room through
// target's HTTP API with the host key and returns its id.
func createPoll(ctx context.Context, hc *http.Client, target, code, hostKey, kind, title string) (string, error) {
	cmd := map[string]any{"type": "poll_create", "kind": kind, "title": title, "state": "open", "reveal": true}
	if kind == "single" {
		var opts []string
		for i := range pollOptions {
			opts = append(opts, "option "+strconv.Itoa(i))
		}
		cmd["options"] = opts
	}
	var ack struct {
		Poll string `json:"poll"`
	}
	if err := hostCommand(ctx, hc, target, code, hostKey, cmd, &ack, func() bool { return ack.Poll != "" }); err != nil {
		return "", err
	}
	return ack.Poll, nil
}

// createStormPolls creates the vote driver's polls in every room; warn
// reports a room that gets none.
func createStormPolls(ctx context.Context, hc *http.Client, rooms []*room, k int, warn func(string, ...any)) {
	for _, r := range rooms {
		var ids []string
		for i := range k {
			id, err := createPoll(ctx, hc, r.target, r.code, r.hostKey, pollKinds[i], fmt.Sprintf("load test %s poll", pollKinds[i]))
			if err != nil {
				warn("room %s: no votes: %v", r.code, err)
				ids = nil
				break
			}
			ids = append(ids, id)
		}
		if ids != nil {
			r.polls.ids.Store(&ids)
		}
	}
}

// PollsReport covers a poll storm. Ballots cannot be timed to their
// effect one by one (the server sends tallies in coalesced `results`
// events), so the check is exact in bulk: every client's last `results`
// of each poll against the tally of every client's last acknowledged
// ballot.
type PollsReport struct {
	Polls          []string `json:"polls"` // ids in the first room
	Kinds          []string `json:"kinds"`
	VotesSent      int64    `json:"votes_sent"`
	VotesAcked     int64    `json:"votes_acked"`
	VotesUnchanged int64    `json:"votes_unchanged"` // acked with changed:false
	VoteErrors     int64    `json:"vote_errors"`
	// Ballots: per poll, Σ rooms of the standing ballots (the expected totals).
	Ballots []int64 `json:"ballots"`
	// Expected: the first room's single-choice tally the acks add up to.
	Expected []int64 `json:"expected_counts,omitempty"`
	// ClientsStale: clients (ever connected) whose last results of some
	// poll are not the expected tally.
	ClientsStale          int64          `json:"clients_stale"`
	ResultsEvents         int64          `json:"results_events"`      // all clients, all polls
	ResultsPerSecondMax   int64          `json:"results_per_s_max"`   // most results of one poll a client got in any 1 s window
	ResultsPerCalendarMax int64          `json:"results_per_s_fixed"` // ... in one calendar second
	ResultsMinGapMS       float64        `json:"results_min_gap_ms"`  // shortest time between two results of one poll at one client
	AckLatency            LatencySummary `json:"vote_ack_latency"`    // vote write to its ack, at the voter
}

// pollsFor aggregates the poll storm; nil when there was none.
func pollsFor(rooms []*room, st *stats) *PollsReport {
	pr := &PollsReport{AckLatency: summarize(st.voteAckLat)}
	gap := int64(-1)
	any := false
	for _, r := range rooms {
		ids := r.pollIDs()
		if len(ids) == 0 {
			continue
		}
		if !any {
			any = true
			pr.Polls = ids
			pr.Kinds = pollKinds[:len(ids)]
			pr.Ballots = make([]int64, len(ids))
			pr.Expected = make([]int64, pollOptions)
			for _, c := range r.clients {
				if b := c.polls.ballot[0].Load(); b > 0 {
					pr.Expected[b-1]++
				}
			}
		}
		pr.VotesSent += r.polls.sent.Load()
		pr.VotesAcked += r.polls.acked.Load()
		pr.VotesUnchanged += r.polls.unchanged.Load()
		pr.VoteErrors += r.polls.errors.Load()
		stale := map[*client]bool{}
		for i := range ids {
			total, sig := r.expectedResults(i)
			if i < len(pr.Ballots) {
				pr.Ballots[i] += total
			}
			for _, c := range r.clients {
				if c.seqs.started && total > 0 && !c.resultsCurrent(i, total, sig) {
					stale[c] = true
				}
			}
		}
		pr.ClientsStale += int64(len(stale))
		for _, c := range r.clients {
			for i := range ids {
				e := &c.polls.rate[i]
				pr.ResultsEvents += e.n
				pr.ResultsPerSecondMax = max(pr.ResultsPerSecondMax, int64(e.max))
				pr.ResultsPerCalendarMax = max(pr.ResultsPerCalendarMax, int64(e.secMax))
				if e.haveGap && (gap < 0 || e.gap < gap) {
					gap = e.gap
				}
			}
		}
	}
	if !any {
		return nil
	}
	if gap >= 0 {
		pr.ResultsMinGapMS = float64(gap) / 1e6
	}
	return pr
}
