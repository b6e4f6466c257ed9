package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/static"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// waitTimeout bounds every wait for something that must happen. It is
// only reached when a test fails, so it is generous: CI runs the
// packages' -race tests side by side on 2 cores, where a join or an ack
// has been seen to take several seconds.
const waitTimeout = 20 * time.Second

// testServer is the real router of one instance (log store on a memory log, memory
// broker, the service and the hub with their Run goroutines) behind
// httptest. Cleanup shuts the hub down, stops the goroutines and waits.
type testServer struct {
	*httptest.Server
	hub   *Hub
	svc   *rooms.Service
	store rooms.Store
	reg   *prometheus.Registry
	http  *http.Client
}

func newTestServer(t testing.TB, hubCfg Config, roomsCfg rooms.Config) *testServer {
	t.Helper()
	return newTestServerWithStore(t, hubCfg, roomsCfg, rooms.LogStoreOptions{})
}

// newTestServerWithStore is newTestServer with the log store's options
// (caps, idle expiry); Retained comes from roomsCfg.
func newTestServerWithStore(t testing.TB, hubCfg Config, roomsCfg rooms.Config, storeOpts rooms.LogStoreOptions) *testServer {
	t.Helper()
	reg := prometheus.NewRegistry()
	log := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	broker := NewMemoryBroker()
	roomLog := rooms.NewMemoryLog()
	if now := roomsCfg.Now; now != nil { // the log stamps the time the rules see
		roomLog = rooms.NewMemoryLogWithClock(func() int64 { return now().UnixMilli() })
	}
	storeOpts.Retained = roomsCfg.RetainedEvents
	store := rooms.NewLogStore(roomLog, broker, storeOpts)
	svc := rooms.NewService(store, broker, roomsCfg, log, reg)
	h := New(hubCfg, svc, broker, log, reg)
	srv := httptest.NewServer(NewRouter(h, reg, static.Pages))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	wg.Go(func() { h.Run(ctx) })
	ts := &testServer{Server: srv, hub: h, svc: svc, store: store, reg: reg,
		http: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		if err := h.Shutdown(sctx); err != nil {
			t.Errorf("hub shutdown: %v", err)
		}
		cancel()
		wg.Wait()
		ts.http.CloseIdleConnections()
		srv.Close()
	})
	return ts
}

func (ts *testServer) wsURL() string { return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws" }

// metric returns the sum of every sample of a counter or gauge family.
func (ts *testServer) metric(t testing.TB, name string) float64 {
	t.Helper()
	families, err := ts.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			}
		}
	}
	return sum
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// --- HTTP API helpers ---

// request sends an HTTP request; body is sent as is when it is a string or
// []byte, as JSON otherwise, and not at all when nil.
func (ts *testServer) request(t testing.TB, method, path, bearer string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, ts.URL+path, r)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// createRoom creates a room through POST /api/rooms.
func (ts *testServer) createRoom(t testing.TB, title string) rooms.Created {
	t.Helper()
	status, body := ts.request(t, http.MethodPost, "/api/rooms", "", map[string]any{"title": title})
	if status != http.StatusCreated {
		t.Fatalf("POST /api/rooms: %d %s", status, body)
	}
	var c rooms.Created
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("POST /api/rooms: %v in %s", err, body)
	}
	return c
}

// command sends one command through the HTTP API.
func (ts *testServer) command(t testing.TB, code, bearer string, cmd any) (int, []byte) {
	t.Helper()
	return ts.request(t, http.MethodPost, "/api/rooms/"+code+"/commands", bearer, cmd)
}

// comment posts a comment through the HTTP API and returns its ack.
func (ts *testServer) comment(t testing.TB, code, bearer, text string) ackMsg {
	t.Helper()
	status, body := ts.command(t, code, bearer, map[string]any{"type": "comment", "text": text})
	if status != http.StatusOK {
		t.Fatalf("comment over HTTP: %d %s", status, body)
	}
	var a ackMsg
	if err := json.Unmarshal(body, &a); err != nil || a.Type != "ack" {
		t.Fatalf("comment over HTTP: not an ack: %s", body)
	}
	return a
}

// --- WebSocket client ---

// event is one server event as a client received it.
type event struct {
	Type  string `json:"type"`
	Seq   uint64 `json:"seq"`
	raw   []byte
	frame int // the number of the frame that carried it, from 1
	recv  time.Time
}

func (e event) String() string { return string(e.raw) }

// decode unmarshals the event into v.
func (e event) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(e.raw, v); err != nil {
		t.Fatalf("decoding %s: %v", e.raw, err)
	}
}

type welcomeMsg struct {
	Type        string `json:"type"`
	Room        string `json:"room"`
	Role        string `json:"role"`
	Participant string `json:"participant"`
	Token       string `json:"token"`
	Seq         uint64 `json:"seq"`
	Resumed     bool   `json:"resumed"`
}

type ackMsg struct {
	Type      string `json:"type"`
	ID        int64  `json:"id"`
	Seq       uint64 `json:"seq"`
	Comment   string `json:"comment"`
	Duplicate bool   `json:"duplicate"`
}

type errorMsg struct {
	Type    string `json:"type"`
	ID      *int64 `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type commentMsg struct {
	Type        string  `json:"type"`
	Seq         uint64  `json:"seq"`
	ID          string  `json:"id"`
	Text        string  `json:"text"`
	Author      *string `json:"author"`
	Participant string  `json:"participant"`
	At          int64   `json:"at"`
}

// lineHandler receives each event of a client in handler mode, with the
// number of its frame and when the frame arrived.
type lineHandler func(line []byte, frame int, recv time.Time)

// wsClient is a real WebSocket client. A reader goroutine splits every
// frame on "\n" and keeps the events (or hands them to a handler) until the
// connection ends; a stalled client has no reader until resume.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn

	mu      sync.Mutex
	events  []event
	next    int // index of the next event nextEvent returns
	frames  int
	handler lineHandler
	reading bool
	err     error // why reading ended; set before done is closed

	notify chan struct{}
	done   chan struct{}
}

type dialOpts struct {
	header http.Header
	// stalled: do not read until resume is called.
	stalled bool
	// rcvBuf, when set, is the client socket's SO_RCVBUF.
	rcvBuf int
}

// dial opens a WebSocket to /ws without sending anything. The connection is
// dropped and its reader waited for at cleanup.
func (ts *testServer) dial(t testing.TB, o dialOpts) (*wsClient, *http.Response, error) {
	t.Helper()
	hc := ts.http
	if o.rcvBuf > 0 {
		size := o.rcvBuf
		d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, size)
			})
			if err != nil {
				return err
			}
			return serr
		}}
		tr := &http.Transport{DialContext: d.DialContext}
		hc = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, ts.wsURL(), &websocket.DialOptions{
		HTTPClient:   hc,
		HTTPHeader:   o.header,
		Subprotocols: []string{Subprotocol},
	})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(-1) // server frames batch many events: no client-side bound
	c := &wsClient{t: t, conn: conn, notify: make(chan struct{}, 1), done: make(chan struct{})}
	if !o.stalled {
		c.resume()
	}
	t.Cleanup(c.drop)
	return c, resp, nil
}

func (ts *testServer) mustDial(t testing.TB, o dialOpts) *wsClient {
	t.Helper()
	c, _, err := ts.dial(t, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// join dials, sends hello and reads the welcome; on a fresh join (not
// resumed) it also reads the snapshot, checks its seq, and returns it.
func (ts *testServer) join(t testing.TB, h rooms.Hello, o dialOpts) (*wsClient, welcomeMsg, event) {
	t.Helper()
	c := ts.mustDial(t, o)
	h.Type = rooms.TypeHello
	c.send(h)
	w, snap := c.readWelcome()
	return c, w, snap
}

// readWelcome reads the welcome and, when not resumed, the snapshot.
func (c *wsClient) readWelcome() (welcomeMsg, event) {
	t := c.t
	t.Helper()
	ev := c.nextEvent()
	var w welcomeMsg
	if ev.Type != rooms.EventWelcome {
		t.Fatalf("first event is %s, want welcome", ev)
	}
	ev.decode(t, &w)
	if w.Resumed {
		return w, event{}
	}
	snap := c.nextEvent()
	if snap.Type != rooms.EventSnapshot || snap.Seq != w.Seq {
		t.Fatalf("after welcome (seq %d): %s, want the snapshot at that seq", w.Seq, snap)
	}
	return w, snap
}

// resume starts (or restarts, for a stalled client) the reader.
func (c *wsClient) resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reading {
		return
	}
	c.reading = true
	go c.readLoop()
}

func (c *wsClient) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.conn.Read(context.Background())
		now := time.Now()
		c.mu.Lock()
		if err != nil {
			c.err = err
			c.mu.Unlock()
			c.wake()
			return
		}
		c.frames++
		frame := c.frames
		h := c.handler
		if h == nil {
			for line := range bytes.SplitSeq(data, []byte{'\n'}) {
				ev := event{raw: line, frame: frame, recv: now}
				if json.Unmarshal(line, &ev) != nil {
					ev.Type = "<invalid JSON>"
				}
				c.events = append(c.events, ev)
			}
		}
		c.mu.Unlock()
		if h != nil {
			for line := range bytes.SplitSeq(data, []byte{'\n'}) {
				h(line, frame, now)
			}
		}
		c.wake()
	}
}

func (c *wsClient) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// setHandler hands every unread and future event to h instead of keeping it.
func (c *wsClient) setHandler(h lineHandler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ev := range c.events[c.next:] {
		h(ev.raw, ev.frame, ev.recv)
	}
	c.events, c.next = nil, 0
	c.handler = h
}

// tryNext returns the next unread event, waiting up to d; ok is false when
// none came (closed reports whether the connection has ended).
func (c *wsClient) tryNext(d time.Duration) (ev event, ok, closed bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		c.mu.Lock()
		if c.next < len(c.events) {
			ev = c.events[c.next]
			c.next++
			c.mu.Unlock()
			return ev, true, false
		}
		ended := c.err != nil
		c.mu.Unlock()
		if ended {
			return event{}, false, true
		}
		select {
		case <-c.notify:
		case <-timer.C:
			return event{}, false, false
		}
	}
}

// nextEvent returns the next event; it fails the test when none comes.
func (c *wsClient) nextEvent() event {
	c.t.Helper()
	ev, ok, closed := c.tryNext(waitTimeout)
	if !ok {
		if closed {
			c.t.Fatalf("connection ended while waiting for an event: %v", c.readErr())
		}
		c.t.Fatalf("no event within %v", waitTimeout)
	}
	return ev
}

// nextOf returns the next event of type typ, skipping others (presence,
// reactions...), and fails the test when none comes.
func (c *wsClient) nextOf(typ string) event {
	c.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ev, ok, closed := c.tryNext(time.Until(deadline))
		switch {
		case ok && ev.Type == typ:
			return ev
		case ok:
			continue
		case closed:
			c.t.Fatalf("connection ended while waiting for %q: %v", typ, c.readErr())
		default:
			c.t.Fatalf("no %q event within %v", typ, waitTimeout)
		}
	}
}

// nextDurable returns the next event with a seq, skipping ephemeral ones.
func (c *wsClient) nextDurable() event {
	c.t.Helper()
	for {
		ev := c.nextEvent()
		if ev.Seq > 0 {
			return ev
		}
	}
}

// expectNo checks that no event of type typ arrives within d.
func (c *wsClient) expectNo(typ string, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ev, ok, _ := c.tryNext(time.Until(deadline))
		if !ok {
			return
		}
		if ev.Type == typ {
			c.t.Fatalf("unexpected %s", ev)
		}
	}
}

// send writes v as one text frame: a string or []byte as is, anything
// else as JSON.
func (c *wsClient) send(v any) {
	c.t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// request sends a command with an id and returns the ack or error that
// answers it. Other events stay unread, in order.
func (c *wsClient) request(id int64, cmd map[string]any) event {
	c.t.Helper()
	cmd["id"] = id
	c.send(cmd)
	answer := func(ev event) bool {
		if ev.Type != rooms.EventAck && ev.Type != rooms.EventError {
			return false
		}
		var m struct {
			ID *int64 `json:"id"`
		}
		return json.Unmarshal(ev.raw, &m) == nil && m.ID != nil && *m.ID == id
	}
	ev, ok := c.take(answer, waitTimeout)
	if !ok {
		c.t.Fatalf("no answer to command %d %v (%v)", id, cmd, c.readErr())
	}
	return ev
}

// take waits up to d for the first unread event that match accepts and
// removes it, leaving the other unread events in place.
func (c *wsClient) take(match func(event) bool, d time.Duration) (event, bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	scanned := 0 // unread events already looked at
	for {
		c.mu.Lock()
		for i := c.next + scanned; i < len(c.events); i++ {
			if ev := c.events[i]; match(ev) {
				c.events = append(c.events[:i], c.events[i+1:]...)
				c.mu.Unlock()
				return ev, true
			}
			scanned++
		}
		ended := c.err != nil
		c.mu.Unlock()
		if ended {
			return event{}, false
		}
		select {
		case <-c.notify:
		case <-timer.C:
			return event{}, false
		}
	}
}

// mustAck sends a command and fails the test unless it is acknowledged.
func (c *wsClient) mustAck(id int64, cmd map[string]any) ackMsg {
	c.t.Helper()
	ev := c.request(id, cmd)
	if ev.Type != rooms.EventAck {
		c.t.Fatalf("command %v: %s, want an ack", cmd, ev)
	}
	var a ackMsg
	ev.decode(c.t, &a)
	return a
}

// mustError sends a command and returns the error answering it.
func (c *wsClient) mustError(id int64, cmd map[string]any) errorMsg {
	c.t.Helper()
	ev := c.request(id, cmd)
	if ev.Type != rooms.EventError {
		c.t.Fatalf("command %v: %s, want an error", cmd, ev)
	}
	var e errorMsg
	ev.decode(c.t, &e)
	return e
}

func (c *wsClient) readErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// closeStatus waits for the connection to end and returns the close code
// the server sent (-1 when it ended without one).
func (c *wsClient) closeStatus(timeout time.Duration) websocket.StatusCode {
	c.t.Helper()
	c.resume()
	select {
	case <-c.done:
	case <-time.After(timeout):
		c.t.Fatalf("connection still open after %v", timeout)
	}
	return websocket.CloseStatus(c.readErr())
}

// expectClose checks that the server closes the connection with code.
func (c *wsClient) expectClose(code websocket.StatusCode) {
	c.t.Helper()
	if got := c.closeStatus(waitTimeout); got != code {
		c.t.Fatalf("closed with %d (%v), want %d", got, c.readErr(), code)
	}
}

// frameCount returns how many frames the client has read.
func (c *wsClient) frameCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames
}

// drop closes the connection at once and waits for the reader.
func (c *wsClient) drop() {
	c.conn.CloseNow()
	c.mu.Lock()
	reading := c.reading
	c.mu.Unlock()
	if reading {
		<-c.done
	}
}
