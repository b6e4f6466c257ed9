package loadtest

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestScanEvent(t *testing.T) {
	for _, tc := range []struct {
		line string
		want event
	}{
		{`{"type":"comment","seq":17,"id":"c12","text":"lt 1700000000000000000 3 17","author":"lt-3","participant":"p_x","at":1700000000000}`,
			event{typ: evComment, seq: 17, hasSeq: true, sentNs: 1700000000000000000, pub: 3}},
		{`{"seq":5,"text":"lt 42 1 1","type":"comment"}`, event{typ: evComment, seq: 5, hasSeq: true, sentNs: 42, pub: 1}},
		{`{"seq":5,"text":"lt 42","type":"comment"}`, event{typ: evComment, seq: 5, hasSeq: true, sentNs: 42, pub: -1}},
		{`{"type":"comment","seq":6,"text":"hello \"lt 5\"","author":null}`, event{typ: evComment, seq: 6, hasSeq: true, pub: -1}},
		{`{"type":"ack","id":7,"seq":9,"comment":"c12"}`, event{typ: evAck, id: 7, seq: 9, hasSeq: true}},
		{`{"type":"error","id":7,"code":"rate_limited","message":"slow {down}"}`, event{typ: evError, id: 7, code: errRateLimited}},
		{`{"type":"error","code":"nope"}`, event{typ: evError, code: errOtherCode}},
		{`{"type":"reactions","counts":{"like":1203,"wow":7},"delta":{"like":12}}`, event{typ: evReactions, counts: 1210, delta: 12, hasCnt: true}},
		{`{"type":"presence","count":57}`, event{typ: evPresence, count: 57}},
		{`{"type":"welcome","room":"K7QX2M","role":"audience","participant":"p_1","token":"tok","seq":1240,"resumed":true}`,
			event{typ: evWelcome, seq: 1240, hasSeq: true, resumed: true, token: []byte("tok")}},
		// Nested "seq" and "type" must not be taken for the top-level ones.
		{`{"comments":[{"type":"comment","seq":3}],"type":"snapshot","room":{"seq":1},"seq":1240,"reactions":{"like":3}}`,
			event{typ: evSnapshot, seq: 1240, hasSeq: true, counts: 3, hasCnt: true}},
		{` { "type" : "question" , "seq" : 4 } `, event{typ: evQuestion, seq: 4, hasSeq: true}},
		{` { "type" : "question_deleted" , "seq" : 5 } `, event{typ: evOther, seq: 5, hasSeq: true}},
		{`{"type":"question","seq":9,"id":"q3","text":"lt 77 5 2","author":null,"votes":4,"status":"live"}`,
			event{typ: evQuestion, seq: 9, hasSeq: true, sentNs: 77, pub: 5}},
		{`{"type":"votes","questions":{"q12":41,"q15":7}}`, event{typ: evVotes}},
	} {
		var ev event
		if !scanEvent([]byte(tc.line), &ev) {
			t.Errorf("scanEvent(%s) = false", tc.line)
			continue
		}
		if tc.want.sentNs == 0 {
			tc.want.pub = -1
		}
		if ev.typ != tc.want.typ || ev.seq != tc.want.seq || ev.hasSeq != tc.want.hasSeq || ev.id != tc.want.id ||
			ev.sentNs != tc.want.sentNs || ev.pub != tc.want.pub || ev.code != tc.want.code || ev.counts != tc.want.counts || ev.delta != tc.want.delta ||
			ev.count != tc.want.count || ev.hasCnt != tc.want.hasCnt || ev.resumed != tc.want.resumed || string(ev.token) != string(tc.want.token) {
			t.Errorf("scanEvent(%s)\n got %+v\nwant %+v", tc.line, ev, tc.want)
		}
	}
	for _, bad := range []string{``, `[]`, `{"type":"comment"`, `{"type":"comm`, `{"a":}`} {
		var ev event
		if scanEvent([]byte(bad), &ev) {
			t.Errorf("scanEvent(%q) = true, want false", bad)
		}
	}
}

func TestEventDurable(t *testing.T) {
	for line, want := range map[string]bool{
		`{"type":"comment","seq":1}`:  true,
		`{"type":"question","seq":2}`: true,
		`{"type":"ack","seq":2}`:      false,
		`{"type":"welcome","seq":2}`:  false,
		`{"type":"snapshot","seq":2}`: false,
		`{"type":"presence"}`:         false,
	} {
		var ev event
		scanEvent([]byte(line), &ev)
		if ev.durable() != want {
			t.Errorf("%s durable = %v", line, !want)
		}
	}
}

func TestScanQA(t *testing.T) {
	var ev event
	scanEvent([]byte(`{"type":"ack","id":2199023255553,"question":"q12","votes":41}`), &ev)
	if ev.typ != evAck || ev.id != upvoteIDBase+1 || string(ev.question) != "q12" || !ev.hasVotes || ev.votes != 41 || ev.hasSeq {
		t.Errorf("upvote ack: %+v", ev)
	}
	scanEvent([]byte(`{"type":"ack","id":1099511627777,"seq":12,"question":"q12"}`), &ev)
	if ev.typ != evAck || kindOfID(ev.id) != "question" || ev.seq != 12 || string(ev.question) != "q12" || ev.hasVotes {
		t.Errorf("ask ack: %+v", ev)
	}
	scanEvent([]byte(`{"type":"votes","questions":{"q12":41, "q15" : 7}}`), &ev)
	got := map[string]int64{}
	eachCount(ev.qcounts, func(k []byte, n int64) { got[string(k)] = n })
	if ev.typ != evVotes || len(got) != 2 || got["q12"] != 41 || got["q15"] != 7 {
		t.Errorf("votes: %+v %v", ev, got)
	}
	// A snapshot's questions array is not a votes object.
	scanEvent([]byte(`{"type":"snapshot","seq":3,"questions":[{"id":"q1","votes":3}]}`), &ev)
	if ev.qcounts != nil || ev.hasVotes {
		t.Errorf("snapshot read as votes: %+v", ev)
	}
	for id, want := range map[int64]string{0: "react", 7: "comment", questionIDBase + 3: "question", upvoteIDBase + 1: "upvote"} {
		if got := kindOfID(id); got != want {
			t.Errorf("kindOfID(%d) = %s, want %s", id, got, want)
		}
	}
}

func TestUpvoteAction(t *testing.T) {
	// With 2 questions a client upvotes q0, q1, then unvotes them, then again.
	want := []struct {
		q  int
		up bool
	}{{0, true}, {1, true}, {0, false}, {1, false}, {0, true}}
	for n, w := range want {
		if q, up := upvoteAction(uint64(n+1), 2); q != w.q || up != w.up {
			t.Errorf("action %d = %d %v, want %d %v", n+1, q, up, w.q, w.up)
		}
	}
}

// TestEventRateWindow: the window counts of eventRate, which measures votes
// and results events alike.
func TestEventRateWindow(t *testing.T) {
	const s = int64(time.Second)
	base := 1000 * s // a calendar second boundary
	c := &client{}
	for _, at := range []int64{0, s / 4, s / 2, 3 * s / 4, s, 5 * s / 4} { // every 250 ms
		c.votes.note(base + at)
	}
	if c.votes.max != 4 || c.votes.secMax != 4 || c.votes.gap != s/4 || c.votes.n != 6 {
		t.Errorf("every 250 ms: max %d (calendar %d), gap %d, n %d; want 4, 4, 250ms, 6", c.votes.max, c.votes.secMax, c.votes.gap, c.votes.n)
	}
	c.votes.note(base + 5*s/4 + s/10) // a fifth within one second of the second one
	if c.votes.max != 5 || c.votes.gap != s/10 {
		t.Errorf("after a burst: max %d gap %d, want 5 and 100ms", c.votes.max, c.votes.gap)
	}
	c.votes.note(base + 5*s/4 + s/10) // two in one frame
	if c.votes.max != 6 || c.votes.gap != 0 {
		t.Errorf("same frame: max %d gap %d, want 6 and 0", c.votes.max, c.votes.gap)
	}
}

var frame = []byte(`{"type":"comment","seq":17,"id":"c12","text":"lt 1700000000000000000 3 17","author":"lt-3","participant":"p_3f9a","at":1700000000000}` + "\n" +
	`{"type":"reactions","counts":{"like":1203,"wow":7},"delta":{"like":12}}` + "\n" +
	`{"type":"comment","seq":18,"id":"c13","text":"lt 1700000000000000001 4 1","author":"lt-4","participant":"p_3f9b","at":1700000000000}` + "\n" +
	`{"type":"votes","questions":{"q1":41,"q2":7}}` + "\n" +
	`{"type":"ack","id":2199023255553,"question":"q2","votes":7}`)

func TestHandleFrameDoesNotAllocate(t *testing.T) {
	f := &fleet{st: newStats(1, false)}
	r := &room{}
	qs := []string{"q1", "q2"}
	r.upvoteQs.Store(&qs)
	c := &client{room: r, shard: f.st.shards[0], lats: make([]int64, 0, 16)}
	c.seqs.start(0)
	c.handleFrame(f, frame, 1700000000000000100) // warm up
	seq := int64(18)
	allocs := testing.AllocsPerRun(1000, func() {
		// Renumber so that every run is in order, as in steady state.
		seq += 2
		c.seqs.next = seq - 1
		c.handleFrame(f, frame, 1700000000000000100)
	})
	if allocs != 0 {
		t.Errorf("handleFrame allocates %.1f times per frame, want 0", allocs)
	}
	if a, b := c.seenVotes(0); a != 41 || !b {
		t.Errorf("votes of q1 seen %d %v", a, b)
	}
	if r.upAcked[1].Load() == 0 || r.maxAckVotes.Load() != 7 {
		t.Errorf("upvote acks not counted: %d, max %d", r.upAcked[1].Load(), r.maxAckVotes.Load())
	}
}

func BenchmarkScanEvent(b *testing.B) {
	line := frame[:strings.IndexByte(string(frame), '\n')]
	var ev event
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		scanEvent(line, &ev)
	}
}

func TestParseProm(t *testing.T) {
	text := `# HELP process_cpu_seconds_total Total user and system CPU time.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
process_resident_memory_bytes 1.2e+07
go_memstats_heap_inuse_bytes 4096
hubbub_frames_written_total{instance="a"} 10
hubbub_frames_written_total{instance="b}\" x"} 5 1700000000000
hubbub_latency_seconds_bucket{le="0.1"} 3
unrelated_metric 9
`
	got := parseProm(bufio.NewScanner(strings.NewReader(text)))
	want := map[string]float64{mCPU: 12.5, mRSS: 1.2e7, mHeapInuse: 4096, mFrames: 15}
	if len(got) != len(want) {
		t.Errorf("parseProm = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
