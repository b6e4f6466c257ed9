package main

// Tests of many hubbub processes sharing one real redis-server: the binary
// built once by TestMain, redis started by rooms/redistest.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// hubbubBin is the binary TestMain built.
var hubbubBin string

// clusterSecret is the -secret every instance of a test shares.
const clusterSecret = "Vb1jDMhm5A+qXCUZuDlk5e64GP1PrPgbEMyngTzsby0="

// clusterWait bounds every wait for the cluster to do something it should
// do soon (generous: -race on two cores).
const clusterWait = 15 * time.Second

// instance is one hubbub child process.
type instance struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT
	done chan struct{}

	logMu sync.Mutex
	log   bytes.Buffer
}

// startInstance starts hubbub on a free port against redisURL (""; the
// embedded store, given its -data in extra) and waits until it serves.
func startInstance(t *testing.T, name, redisURL string, extra ...string) *instance {
	t.Helper()
	var store []string
	if redisURL != "" {
		store = []string{"-redis", redisURL}
	}
	args := append(append(store,
		"-addr", "127.0.0.1:0",
		"-instance-id", name, "-log-level", "info", "-redis-timeout", "2s",
		"-comment-rate", "10000", "-comment-burst", "10000",
		"-react-rate", "10000", "-react-burst", "10000",
		"-command-rate", "10000", "-command-burst", "10000",
		// Every test client posts from 127.0.0.1.
		"-address-post-rate", "-1",
	), extra...)
	in := &instance{t: t, name: name, cmd: exec.Command(hubbubBin, args...), done: make(chan struct{})}
	stderr, err := in.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serving := make(chan string, 1)
	go func() {
		defer close(in.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			in.logMu.Lock()
			in.log.Write(line)
			in.log.WriteByte('\n')
			in.logMu.Unlock()
			var l struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(line, &l) == nil && l.Msg == "hubbub serving" {
				serving <- l.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = in.cmd.Wait()
	}()
	t.Cleanup(func() {
		in.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, in.logTail(4000))
		}
	})
	select {
	case addr := <-serving:
		in.base = "http://" + addr
	case <-in.done:
		t.Fatalf("%s exited at start:\n%s", name, in.logTail(4000))
	case <-time.After(clusterWait):
		t.Fatalf("%s did not start:\n%s", name, in.logTail(4000))
	}
	return in
}

func (in *instance) wsURL() string { return "ws" + strings.TrimPrefix(in.base, "http") + "/ws" }

// stop signals the process and waits for it (SIGKILL after 15 s).
func (in *instance) stop(sig syscall.Signal) {
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(sig)
	select {
	case <-in.done:
	case <-time.After(15 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

func (in *instance) logTail(n int) string {
	in.logMu.Lock()
	defer in.logMu.Unlock()
	b := in.log.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// cluster is a redis-server and hubbub instances on it.
type cluster struct {
	redis     *redistest.Server
	instances []*instance
	http      *http.Client
}

func startCluster(t *testing.T, n int, opts ...redistest.Option) *cluster {
	t.Helper()
	c := &cluster{redis: redistest.Start(t, opts...), http: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(c.http.CloseIdleConnections)
	c.instances = make([]*instance, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c.instances[i] = startInstance(t, fmt.Sprintf("i%d", i), c.redis.URL(), "-secret", clusterSecret)
		})
	}
	wg.Wait()
	return c
}

// freeAddr is an address of 127.0.0.1 whose port was free a moment ago,
// for a listener a started process opens (a proxy, -metrics-addr).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type createdRoom struct {
	Code    string `json:"code"`
	HostKey string `json:"host_key"`
}

func (c *cluster) createRoom(t *testing.T, in *instance) createdRoom {
	t.Helper()
	status, body := c.do(t, http.MethodPost, in.base+"/api/rooms", "", `{"title":"cluster"}`)
	var r createdRoom
	if status != http.StatusCreated || json.Unmarshal(body, &r) != nil {
		t.Fatalf("create room: %d %s", status, body)
	}
	return r
}

func (c *cluster) do(t *testing.T, method, url, bearer, body string) (int, []byte) {
	t.Helper()
	status, b, err := c.tryDo(method, url, bearer, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return status, b
}

func (c *cluster) tryDo(method, url, bearer, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, nil
}

// metric sums a counter over every instance's /metrics.
func (c *cluster) metric(t *testing.T, name string) float64 {
	t.Helper()
	var sum float64
	for _, in := range c.instances {
		select {
		case <-in.done:
			continue
		default:
		}
		_, body := c.do(t, http.MethodGet, in.base+"/metrics", "", "")
		for line := range strings.Lines(string(body)) {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				var f float64
				fmt.Sscan(strings.TrimSpace(v), &f)
				sum += f
			}
		}
	}
	return sum
}

// event is what the tests read of a server event.
type event struct {
	Type      string          `json:"type"`
	Seq       uint64          `json:"seq"`
	ID        json.RawMessage `json:"id"` // a number in acks, a string in comments
	Token     string          `json:"token"`
	Resumed   bool            `json:"resumed"`
	Code      string          `json:"code"`
	Comment   string          `json:"comment"`
	Count     int             `json:"count"`
	Counts    map[string]int  `json:"counts"`
	Message   string          `json:"message"`
	Duplicate bool            `json:"duplicate"`
}

// liveClient is an audience member that applies durable events by seq and,
// when its connection ends, resumes on the next instance with since.
type liveClient struct {
	t       *testing.T
	room    string
	targets []string // WebSocket URLs, tried in turn from the current one
	resume  bool

	sendMu sync.Mutex
	conn   *websocket.Conn

	mu         sync.Mutex
	cond       *sync.Cond
	token      string
	lastSeq    uint64
	comments   []uint64 // seqs of the comment events applied, in order
	problems   []string // gaps, duplicates, lost resumes
	replies    map[int64]event
	likes      int
	presence   int
	connects   int
	joined     bool // the first snapshot arrived
	closed     bool
	readerDone chan struct{}
	current    int
}

// joinClient connects to targets[first] and reads until closed.
func joinClient(t *testing.T, room string, targets []string, first int, resume bool) *liveClient {
	t.Helper()
	c := &liveClient{t: t, room: room, targets: targets, resume: resume, current: first,
		replies: make(map[int64]event), readerDone: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	if err := c.connect(); err != nil {
		t.Fatalf("join %s: %v", targets[first], err)
	}
	go c.run()
	t.Cleanup(c.close)
	if !c.waitUntil(clusterWait, func() bool { return c.joined }) {
		t.Fatalf("no snapshot from %s", targets[first])
	}
	return c
}

// connect dials the current target and sends hello (with since after the
// first connection).
func (c *liveClient) connect() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, c.targets[c.current], &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		return err
	}
	conn.SetReadLimit(1 << 24)
	c.mu.Lock()
	hello := map[string]any{"type": "hello", "room": c.room, "token": c.token, "since": c.lastSeq}
	c.connects++
	c.mu.Unlock()
	b, _ := json.Marshal(hello)
	if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
		conn.CloseNow()
		return err
	}
	c.sendMu.Lock()
	c.conn = conn
	c.sendMu.Unlock()
	return nil
}

func (c *liveClient) run() {
	defer close(c.readerDone)
	for {
		c.sendMu.Lock()
		conn := c.conn
		c.sendMu.Unlock()
		for {
			_, msg, err := conn.Read(context.Background())
			if err != nil {
				break
			}
			for line := range bytes.SplitSeq(msg, []byte("\n")) {
				c.apply(line)
			}
		}
		conn.CloseNow()
		c.mu.Lock()
		stop := c.closed || !c.resume
		c.mu.Unlock()
		if stop {
			c.cond.Broadcast()
			return
		}
		// Resume on the next instance that answers.
		for attempt := 0; ; attempt++ {
			c.current = (c.current + 1) % len(c.targets)
			if err := c.connect(); err == nil {
				break
			}
			c.mu.Lock()
			stop := c.closed
			c.mu.Unlock()
			if stop || attempt > 100 {
				c.cond.Broadcast()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (c *liveClient) apply(line []byte) {
	if len(line) == 0 {
		return
	}
	var ev event
	if err := json.Unmarshal(line, &ev); err != nil {
		c.mu.Lock()
		c.problems = append(c.problems, fmt.Sprintf("bad event %q", line))
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.cond.Broadcast()
	switch ev.Type {
	case "welcome":
		if c.lastSeq > 0 && !ev.Resumed {
			c.problems = append(c.problems, fmt.Sprintf("resume from %d answered with a snapshot", c.lastSeq))
		}
		c.token = ev.Token
	case "snapshot":
		c.lastSeq = ev.Seq
		c.joined = true
	case "ack", "error":
		var id int64
		if json.Unmarshal(ev.ID, &id) == nil {
			c.replies[id] = ev
		}
	case "reactions":
		c.likes = ev.Counts["like"]
	case "presence":
		c.presence = ev.Count
	default:
		if ev.Seq == 0 {
			return
		}
		switch {
		case ev.Seq <= c.lastSeq:
			c.problems = append(c.problems, fmt.Sprintf("duplicate %s seq %d after %d", ev.Type, ev.Seq, c.lastSeq))
			return
		case ev.Seq > c.lastSeq+1:
			c.problems = append(c.problems, fmt.Sprintf("gap: %s seq %d after %d", ev.Type, ev.Seq, c.lastSeq))
		}
		c.lastSeq = ev.Seq
		if ev.Type == "comment" {
			c.comments = append(c.comments, ev.Seq)
		}
	}
}

// send writes a command; false when the connection is gone.
func (c *liveClient) send(cmd map[string]any) bool {
	b, _ := json.Marshal(cmd)
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, b) == nil
}

// waitUntil waits until cond (called with c.mu held) holds.
func (c *liveClient) waitUntil(timeout time.Duration, cond func() bool) bool {
	return waitCond(c.cond, timeout, cond)
}

// waitCond waits until cond (called with cv.L held) holds, or timeout
// passed; cv is broadcast whenever what cond reads changed.
func waitCond(cv *sync.Cond, timeout time.Duration, cond func() bool) bool {
	timer := time.AfterFunc(timeout, cv.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	cv.L.Lock()
	defer cv.L.Unlock()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		cv.Wait()
	}
	return true
}

func (c *liveClient) reply(id int64) (event, bool) {
	var ev event
	ok := c.waitUntil(clusterWait, func() bool {
		var ok bool
		ev, ok = c.replies[id]
		return ok
	})
	return ev, ok
}

func (c *liveClient) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.sendMu.Lock()
	conn := c.conn
	c.sendMu.Unlock()
	conn.CloseNow()
	<-c.readerDone
}

// check reports the client's problems and that it applied exactly the
// comments with seqs want, in order.
func (c *liveClient) check(t *testing.T, name string, want []uint64) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.problems {
		if i == 5 {
			t.Errorf("%s: ... %d problems in all", name, len(c.problems))
			break
		}
		t.Errorf("%s: %s", name, p)
	}
	if !slices.Equal(c.comments, want) {
		t.Errorf("%s: applied %d comments (first %v), want %d (first %v)", name, len(c.comments), head(c.comments), len(want), head(want))
	}
}

func head(s []uint64) []uint64 { return s[:min(len(s), 5)] }

func (c *cluster) wsTargets() []string {
	var out []string
	for _, in := range c.instances {
		out = append(out, in.wsURL())
	}
	return out
}

// waitAllAt waits until every client applied seq.
func waitAllAt(t *testing.T, clients []*liveClient, seq uint64) {
	t.Helper()
	for i, c := range clients {
		if !c.waitUntil(clusterWait, func() bool { return c.lastSeq >= seq }) {
			c.mu.Lock()
			last, n := c.lastSeq, len(c.comments)
			c.mu.Unlock()
			t.Fatalf("client %d at seq %d (%d comments), want %d", i, last, n, seq)
		}
	}
}

// TestClusterClientsSeeOneOrder spreads clients over three instances and
// posts comments through all of them at once: every client applies every
// comment, in the same seq order, and counts the room's people across
// instances.
func TestClusterClientsSeeOneOrder(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[0])
	targets := c.wsTargets()
	var clients []*liveClient
	for i := range 9 {
		clients = append(clients, joinClient(t, room.Code, targets, i%3, false))
	}
	const perClient = 20
	var wg sync.WaitGroup
	for i, cl := range clients[:3] {
		wg.Go(func() {
			for j := range perClient {
				cl.send(map[string]any{"type": "comment", "id": j + 1, "text": fmt.Sprintf("c%d-%d", i, j), "cid": fmt.Sprintf("c%d-%d", i, j)})
			}
		})
	}
	wg.Wait()
	var want []uint64
	for _, cl := range clients[:3] {
		for j := range perClient {
			ev, ok := cl.reply(int64(j + 1))
			if !ok || ev.Type != "ack" || ev.Seq == 0 {
				t.Fatalf("comment %d: %+v", j+1, ev)
			}
			want = append(want, ev.Seq)
		}
	}
	slices.Sort(want)
	waitAllAt(t, clients, want[len(want)-1])
	for i, cl := range clients {
		cl.check(t, fmt.Sprintf("client %d on %s", i, targets[i%3]), want)
	}
	// Presence is the sum over the instances.
	for i, cl := range clients {
		if !cl.waitUntil(clusterWait, func() bool { return cl.presence == len(clients) }) {
			t.Errorf("client %d: presence %d, want %d", i, cl.presence, len(clients))
		}
	}
}

// TestClusterConcurrentCommentsAndReactions: 1,000 comments and 1,000
// reactions sent at once through three instances make exactly 1,000 comment
// events with gapless seqs, and exactly 1,000 likes on every instance.
func TestClusterConcurrentCommentsAndReactions(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[0])
	targets := c.wsTargets()
	var observers []*liveClient
	for i := range 3 {
		observers = append(observers, joinClient(t, room.Code, targets, i, false))
	}
	const senders, each = 20, 50
	var clients []*liveClient
	for i := range senders {
		clients = append(clients, joinClient(t, room.Code, targets, i%3, false))
	}
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Go(func() {
			for j := range each {
				cl.send(map[string]any{"type": "comment", "id": 2*j + 1, "text": fmt.Sprintf("%d-%d", i, j), "cid": fmt.Sprintf("%d-%d", i, j)})
				cl.send(map[string]any{"type": "react", "id": 2*j + 2, "kind": "like"})
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for i, cl := range clients {
		for j := range 2 * each {
			ev, ok := cl.reply(int64(j + 1))
			if !ok || ev.Type != "ack" {
				t.Fatalf("sender %d command %d: %+v", i, j+1, ev)
			}
			if j%2 == 0 {
				if ev.Seq == 0 || seen[ev.Seq] {
					t.Fatalf("sender %d comment %d acked with seq %d (seen: %v)", i, j+1, ev.Seq, seen[ev.Seq])
				}
				seen[ev.Seq] = true
			}
		}
	}
	want := make([]uint64, 0, len(seen))
	for s := range seen {
		want = append(want, s)
	}
	slices.Sort(want)
	if len(want) != senders*each || want[len(want)-1]-want[0] != uint64(len(want)-1) {
		t.Fatalf("%d acked seqs from %d to %d: not %d without gaps", len(want), want[0], want[len(want)-1], senders*each)
	}
	all := append(observers, clients...)
	waitAllAt(t, all, want[len(want)-1])
	for i, cl := range all {
		cl.check(t, fmt.Sprintf("client %d", i), want)
	}
	for i, o := range observers {
		if !o.waitUntil(clusterWait, func() bool { return o.likes == senders*each }) {
			t.Errorf("observer on instance %d: %d likes, want %d", i, o.likes, senders*each)
		}
	}
}

// poster posts comments with the host key through the HTTP API of the
// given instances in turn and records the acknowledged seqs.
type poster struct {
	mu     sync.Mutex
	acked  []uint64
	failed []string
}

func (p *poster) post(c *cluster, room createdRoom, in *instance, text string) {
	status, body, err := c.tryDo(http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		fmt.Sprintf(`{"type":"comment","text":%q,"cid":%q}`, text, text))
	p.mu.Lock()
	defer p.mu.Unlock()
	var ack event
	if status == http.StatusOK && json.Unmarshal(body, &ack) == nil && ack.Seq > 0 {
		p.acked = append(p.acked, ack.Seq)
		return
	}
	p.failed = append(p.failed, fmt.Sprintf("%d %s %v", status, bytes.TrimSpace(body), err))
}

func (p *poster) result() (acked []uint64, failed []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.acked), slices.Clone(p.failed)
}

// TestClusterInstanceKilled kills one instance with SIGKILL while comments
// flow: its clients resume on the others with since and lose nothing.
func TestClusterInstanceKilled(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[1])
	targets := c.wsTargets()
	var clients []*liveClient
	for i := range 9 {
		clients = append(clients, joinClient(t, room.Code, targets, i%3, true))
	}
	var p poster
	for i := range 150 {
		if i == 50 {
			c.instances[0].stop(syscall.SIGKILL)
		}
		p.post(c, room, c.instances[1+i%2], fmt.Sprintf("k%d", i))
		time.Sleep(2 * time.Millisecond)
	}
	acked, failed := p.result()
	if len(failed) > 0 || len(acked) != 150 {
		t.Fatalf("%d acked, failed: %v", len(acked), failed)
	}
	waitAllAt(t, clients, acked[len(acked)-1])
	for i, cl := range clients {
		cl.check(t, fmt.Sprintf("client %d", i), acked)
		if i%3 == 0 && cl.connects < 2 {
			t.Errorf("client %d of the killed instance did not reconnect", i)
		}
	}
}

// TestClusterRedisRestart restarts Redis (AOF, fsync always) while
// comments flow, stopped cleanly and killed with SIGKILL: commands fail
// with `unavailable` and /readyz says 503 while it is down, and once it is
// back no client misses or repeats an acknowledged comment, and nothing
// acknowledged is lost.
func TestClusterRedisRestart(t *testing.T) {
	for _, kill := range []bool{false, true} {
		t.Run(map[bool]string{false: "SIGTERM", true: "SIGKILL"}[kill], func(t *testing.T) { redisRestart(t, kill) })
	}
}

func redisRestart(t *testing.T, kill bool) {
	c := startCluster(t, 3, redistest.AOF())
	room := c.createRoom(t, c.instances[0])
	targets := c.wsTargets()
	var clients []*liveClient
	for i := range 6 {
		clients = append(clients, joinClient(t, room.Code, targets, i%3, true))
	}
	var p poster
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p.post(c, room, c.instances[i%3], fmt.Sprintf("r%d", i))
			time.Sleep(3 * time.Millisecond)
		}
	})
	time.Sleep(300 * time.Millisecond)
	if kill {
		c.redis.Kill()
	} else {
		c.redis.Stop()
	}

	// Down: clear errors, not hangs.
	for _, in := range c.instances {
		status, body := c.do(t, http.MethodGet, in.base+"/readyz", "", "")
		if status != http.StatusServiceUnavailable {
			t.Errorf("%s /readyz with Redis down: %d %s", in.name, status, body)
		}
		// Ready or not, nothing more: the dial error names internal addresses.
		if string(body) != `{"status":"unready"}` {
			t.Errorf("%s /readyz with Redis down says %s; want only that it is unready", in.name, body)
		}
	}
	id := int64(1_000_000)
	clients[0].send(map[string]any{"type": "comment", "id": id, "text": "while down"})
	if ev, ok := clients[0].reply(id); !ok || ev.Type != "error" || ev.Code != "unavailable" {
		t.Errorf("comment while Redis is down: %+v", ev)
	}
	if status, body := c.do(t, http.MethodPost, c.instances[1].base+"/api/rooms", "", `{}`); status != http.StatusServiceUnavailable {
		t.Errorf("create room while Redis is down: %d %s", status, body)
	}
	time.Sleep(300 * time.Millisecond)

	c.redis.Start()
	for _, in := range c.instances {
		deadline := time.Now().Add(clusterWait)
		for {
			status, _ := c.do(t, http.MethodGet, in.base+"/readyz", "", "")
			if status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready after Redis returned", in.name)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	acked, failed := p.result()
	if len(failed) == 0 {
		t.Error("no command failed while Redis was down")
	}
	for _, f := range failed {
		if !strings.Contains(f, "unavailable") {
			t.Errorf("a command failed with %s, want unavailable", f)
		}
	}
	final := clients[0]
	id++
	final.send(map[string]any{"type": "comment", "id": id, "text": "last", "cid": "last"})
	ev, ok := final.reply(id)
	if !ok || ev.Type != "ack" {
		t.Fatalf("comment after Redis returned: %+v", ev)
	}
	acked = append(acked, ev.Seq)
	slices.Sort(acked)
	waitAllAt(t, clients, ev.Seq)
	t.Logf("%d comments acknowledged, %d refused while Redis was down; instances: %.0f resyncs, %.0f events refetched",
		len(acked), len(failed), c.metric(t, "hubbub_broker_resyncs_total"), c.metric(t, "hubbub_gaps_filled_total"))
	// Every comment in the store is an acknowledged one or one whose
	// answer was lost with the connection; the clients must have applied
	// the acknowledged ones, each once, in order.
	for i, cl := range clients {
		cl.mu.Lock()
		got := slices.Clone(cl.comments)
		cl.mu.Unlock()
		for _, s := range acked {
			if _, found := slices.BinarySearch(got, s); !found {
				t.Errorf("client %d lost acknowledged comment seq %d", i, s)
				break
			}
		}
		cl.check(t, fmt.Sprintf("client %d", i), got)
	}
}

// TestClusterSharedSecret: instances started without -secret agree on one
// kept in Redis, so a participant's token from one works on another.
func TestClusterSharedSecret(t *testing.T) {
	srv := redistest.Start(t)
	a := startInstance(t, "a", srv.URL())
	b := startInstance(t, "b", srv.URL())
	c := &cluster{redis: srv, instances: []*instance{a, b}, http: &http.Client{Timeout: 10 * time.Second}}
	defer c.http.CloseIdleConnections()
	room := c.createRoom(t, a)
	onA := joinClient(t, room.Code, []string{a.wsURL()}, 0, false)
	onA.mu.Lock()
	token := onA.token
	onA.mu.Unlock()
	// The token is accepted on b (no 4001), and the room's host key too.
	conn, _, err := websocket.Dial(context.Background(), b.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": room.Code, "token": token})
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		t.Fatal(err)
	}
	_, msg, err := conn.Read(ctx)
	var w struct{ Type, Participant string }
	if err != nil || json.Unmarshal([]byte(strings.SplitN(string(msg), "\n", 2)[0]), &w) != nil ||
		w.Type != "welcome" || w.Participant == "" || !strings.Contains(tokenPayload(t, token), "|"+w.Participant+"|") {
		// The welcome carries a renewed token (a new expiry: tokens renew
		// at every join), so the participant is compared, not the string.
		t.Fatalf("token from a on b: %q %v; want a welcome of the token's participant (token payload %q)", msg, err, tokenPayload(t, token))
	}
	if status, body := c.do(t, http.MethodPost, b.base+"/api/rooms/"+room.Code+"/commands", room.HostKey, `{"type":"comment","text":"hi"}`); status != http.StatusOK {
		t.Fatalf("host key on b: %d %s", status, body)
	}
	for _, in := range []*instance{a, b} {
		if !strings.Contains(in.logTail(1<<20), "secret shared in Redis") {
			t.Errorf("%s did not log where its secret comes from", in.name)
		}
	}
}

// tokenPayload returns the readable part of a participant token
// ("pt1.<room|participant|expiry, base64url>.<mac>").
func tokenPayload(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not pt1.<payload>.<mac>", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload %q: %v", parts[1], err)
	}
	return string(b)
}

// voter is a light connection for the Q&A and poll tests: it keeps the
// latest count of every question (from `votes` events), the latest tally of
// every poll it was shown (from `results` events and the results of `poll`
// events) and the replies to its commands.
type voter struct {
	conn *websocket.Conn

	mu       sync.Mutex
	cond     *sync.Cond
	token    string
	welcomed bool
	votes    map[string]int
	tallies  map[string]pollTally
	replies  map[int64]cmdReply
	myVotes  map[string][]int // the snapshot's you.votes of choice polls
	done     chan struct{}
}

// cmdReply is an `ack` or `error`, with what the tests read of either.
type cmdReply struct {
	Type     string `json:"type"`
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Question string `json:"question"`
	Votes    *int   `json:"votes"`
	Poll     string `json:"poll"`
	Changed  *bool  `json:"changed"`
}

// dialVoter joins room on url (with name and token when given: a staff key,
// a participant token, or "" for a new participant) and waits for the
// welcome.
func dialVoter(url, room, name, token string) (*voter, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 24)
	v := &voter{conn: conn, votes: map[string]int{}, tallies: map[string]pollTally{}, replies: map[int64]cmdReply{}, done: make(chan struct{})}
	v.cond = sync.NewCond(&v.mu)
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": room, "name": name, "token": token})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		conn.CloseNow()
		return nil, err
	}
	go v.read()
	if !v.waitUntil(clusterWait, func() bool { return v.welcomed }) {
		v.close()
		return nil, fmt.Errorf("%s: no welcome from %s", name, url)
	}
	return v, nil
}

func (v *voter) read() {
	defer close(v.done)
	defer v.cond.Broadcast()
	for {
		_, msg, err := v.conn.Read(context.Background())
		if err != nil {
			return
		}
		for line := range bytes.SplitSeq(msg, []byte("\n")) {
			var head struct {
				Type string `json:"type"`
			}
			if len(line) == 0 || json.Unmarshal(line, &head) != nil {
				continue
			}
			v.mu.Lock()
			v.apply(head.Type, line)
			v.mu.Unlock()
			v.cond.Broadcast()
		}
	}
}

// apply keeps what the tests read of one event of type typ. Called with
// v.mu held. Each type is decoded on its own: an ack's id is a number, a
// poll's a string.
func (v *voter) apply(typ string, line []byte) {
	switch typ {
	case "welcome":
		var ev struct{ Token string }
		if json.Unmarshal(line, &ev) == nil {
			v.welcomed, v.token = true, ev.Token
		}
	case "votes":
		var ev struct{ Questions map[string]int }
		if json.Unmarshal(line, &ev) == nil {
			maps.Copy(v.votes, ev.Questions)
		}
	case "results":
		var ev struct {
			Poll string
			pollTally
		}
		if json.Unmarshal(line, &ev) == nil {
			v.tallies[ev.Poll] = ev.pollTally
		}
	case "poll":
		var ev struct {
			ID      string
			Results *pollTally
		}
		if json.Unmarshal(line, &ev) == nil && ev.Results != nil {
			v.tallies[ev.ID] = *ev.Results
		}
	case "ack", "error":
		var r cmdReply
		if json.Unmarshal(line, &r) == nil {
			v.replies[r.ID] = r
		}
	case "snapshot":
		var ev struct {
			You struct {
				Votes map[string]json.RawMessage
			}
		}
		if json.Unmarshal(line, &ev) == nil {
			v.myVotes = make(map[string][]int)
			for poll, raw := range ev.You.Votes {
				var choices []int
				if json.Unmarshal(raw, &choices) == nil {
					v.myVotes[poll] = choices
				}
			}
		}
	}
}

func (v *voter) send(cmd map[string]any) error {
	b, _ := json.Marshal(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	return v.conn.Write(ctx, websocket.MessageText, b)
}

func (v *voter) waitUntil(timeout time.Duration, cond func() bool) bool {
	timer := time.AfterFunc(timeout, v.cond.Broadcast)
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	v.mu.Lock()
	defer v.mu.Unlock()
	for !cond() {
		select {
		case <-v.done:
			return cond()
		default:
		}
		if time.Now().After(deadline) {
			return false
		}
		v.cond.Wait()
	}
	return true
}

// reply waits for the answer to command id.
func (v *voter) reply(id int64) (cmdReply, bool) {
	var r cmdReply
	ok := v.waitUntil(clusterWait, func() bool {
		var ok bool
		r, ok = v.replies[id]
		return ok
	})
	return r, ok
}

func (v *voter) count(q string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.votes[q]
}

// tally returns the latest tally of poll this client was shown.
func (v *voter) tally(poll string) pollTally {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tallies[poll]
}

func (v *voter) close() {
	v.conn.CloseNow()
	<-v.done
}

// ask asks a question with the host key through in's HTTP API.
func (c *cluster) ask(t *testing.T, room createdRoom, in *instance, text string) string {
	t.Helper()
	status, body := c.do(t, http.MethodPost, in.base+"/api/rooms/"+room.Code+"/commands", room.HostKey,
		fmt.Sprintf(`{"type":"ask","text":%q}`, text))
	var ack cmdReply
	if status != http.StatusOK || json.Unmarshal(body, &ack) != nil || ack.Question == "" {
		t.Fatalf("ask: %d %s", status, body)
	}
	return ack.Question
}

// upvoteAll sends cmd on every voter at once and returns the acks' counts.
func upvoteAll(t *testing.T, voters []*voter, typ, q string, id int64) []int {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, v := range voters {
		wg.Go(func() {
			<-start
			if err := v.send(map[string]any{"type": typ, "question": q, "id": id}); err != nil {
				t.Errorf("%s: %v", typ, err)
			}
		})
	}
	close(start)
	wg.Wait()
	counts := make([]int, len(voters))
	for i, v := range voters {
		r, ok := v.reply(id)
		if !ok || r.Type != "ack" || r.Votes == nil || r.Question != q {
			t.Fatalf("voter %d %s %s: %+v (answered %v)", i, typ, q, r, ok)
		}
		counts[i] = *r.Votes
	}
	return counts
}

// waitCounts waits until every voter's votes events say q has want upvotes.
func waitCounts(t *testing.T, voters []*voter, q string, want int) {
	t.Helper()
	for i, v := range voters {
		if !v.waitUntil(clusterWait, func() bool { return v.votes[q] == want }) {
			t.Fatalf("voter %d: %s has %d upvotes in its votes events, want %d", i, q, v.count(q), want)
		}
	}
}

// TestClusterConcurrentUpvotes: 1,000 participants spread over three
// instances upvote one question at once: every ack's count is at most 1,000,
// one of them says 1,000, and every instance's clients end at exactly 1,000.
// One participant upvoting twice at once from two instances counts once, and
// racing unvotes and upvotes leave a count that agrees with the set of
// upvoters: never negative, never above the participants.
func TestClusterConcurrentUpvotes(t *testing.T) {
	c := startCluster(t, 3)
	room := c.createRoom(t, c.instances[0])
	targets := c.wsTargets()
	q := c.ask(t, room, c.instances[1], "the one question everyone upvotes")

	const n = 1000
	voters := make([]*voter, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := dialVoter(targets[i%3], room.Code, fmt.Sprintf("v%d", i), "")
			if err != nil {
				t.Errorf("voter %d: %v", i, err)
				return
			}
			voters[i] = v
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, v := range voters {
			if v != nil {
				v.close()
			}
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	counts := upvoteAll(t, voters, "upvote", q, 1)
	if slices.Max(counts) != n || slices.Min(counts) < 1 {
		t.Errorf("ack counts from %d to %d, want at most %d with %d among them", slices.Min(counts), slices.Max(counts), n, n)
	}
	waitCounts(t, voters, q, n)

	// One participant, two connections on different instances, upvoting the
	// same question at once: one upvote. Ten such participants.
	q2 := c.ask(t, room, c.instances[2], "a question upvoted twice at once")
	var pairs []*voter
	for i := range 10 {
		a := voters[i]
		b, err := dialVoter(targets[(i+1)%3], room.Code, "", a.token)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.close)
		pairs = append(pairs, a, b)
	}
	observers := []*voter{voters[100], voters[101], voters[102]}
	for round := range 5 {
		id := int64(100 + 10*round)
		// Both connections of every participant upvote at once.
		for _, cnt := range upvoteAll(t, pairs, "upvote", q2, id) {
			if cnt < 1 || cnt > 10 {
				t.Fatalf("round %d: upvote ack count %d, want 1..10", round, cnt)
			}
		}
		waitCounts(t, append(observers, pairs...), q2, 10)
		// Both unvote at once: each participant's upvote goes once.
		for _, cnt := range upvoteAll(t, pairs, "unvote", q2, id+1) {
			if cnt < 0 || cnt > 9 {
				t.Fatalf("round %d: unvote ack count %d, want 0..9", round, cnt)
			}
		}
		waitCounts(t, append(observers, pairs...), q2, 0)
		// One connection upvotes while the other unvotes: whatever order
		// the store applied, the count is the number of participants whose
		// upvote came last, within 0..10, and one more upvote from each
		// brings it to exactly 10.
		var mixed sync.WaitGroup
		start := make(chan struct{})
		for i, v := range pairs {
			typ := "upvote"
			if i%2 == 1 {
				typ = "unvote"
			}
			mixed.Go(func() {
				<-start
				v.send(map[string]any{"type": typ, "question": q2, "id": id + 2})
			})
		}
		close(start)
		mixed.Wait()
		for i, v := range pairs {
			r, ok := v.reply(id + 2)
			if !ok || r.Type != "ack" || r.Votes == nil || *r.Votes < 0 || *r.Votes > 10 {
				t.Fatalf("round %d, connection %d: mixed race answered %+v", round, i, r)
			}
		}
		for i := 0; i < len(pairs); i += 2 {
			pairs[i].send(map[string]any{"type": "upvote", "question": q2, "id": id + 3})
		}
		last := 0
		for i := 0; i < len(pairs); i += 2 {
			r, ok := pairs[i].reply(id + 3)
			if !ok || r.Votes == nil {
				t.Fatalf("round %d: upvote after the race: %+v", round, r)
			}
			last = max(last, *r.Votes)
		}
		if last != 10 {
			t.Fatalf("round %d: after every participant upvoted again the count is %d, want 10", round, last)
		}
		waitCounts(t, append(observers, pairs...), q2, 10)
		for i := 0; i < len(pairs); i += 2 {
			pairs[i].send(map[string]any{"type": "unvote", "question": q2, "id": id + 4})
		}
		for i := 0; i < len(pairs); i += 2 {
			if r, ok := pairs[i].reply(id + 4); !ok || r.Votes == nil || *r.Votes < 0 {
				t.Fatalf("round %d: unvote: %+v", round, r)
			}
		}
		waitCounts(t, append(observers, pairs...), q2, 0)
	}
	// The first question's count did not move.
	waitCounts(t, observers, q, n)
}
