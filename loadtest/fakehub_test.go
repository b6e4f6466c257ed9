package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// faults are the fake hub's knobs. Counters apply per connection to comment
// broadcasts only (never to acks, welcomes or replays).
type faults struct {
	dropEvery      int           // drop every Nth comment to a client
	dupEvery       int           // send every Nth comment twice
	reorderEvery   int           // hold every Nth comment and send it after the next one
	delay          time.Duration // deliver every broadcast this late
	closeAfter     int           // close each participant once with 4008 after N comments
	rateLimitEvery int           // answer every Nth comment (hub-wide) with rate_limited
	votesEvery     time.Duration // votes flush interval (default 250 ms, the server's)
	votesOffBy     int64         // added to every count in votes events
}

// fakeHub speaks enough of the hubbub protocol for the harness: room creation,
// hello/welcome/snapshot (and resume with since), comments with acks and
// broadcasts, coalesced reactions, and /metrics. It injects faults on purpose.
type fakeHub struct {
	t      *testing.T
	f      faults
	srv    *httptest.Server
	mu     sync.Mutex
	rooms  map[string]*fakeRoom
	conns  map[*fakeConn]struct{}
	closed map[string]bool // participants already closed with 4008
	wg     sync.WaitGroup
	done   chan struct{}

	comments                      atomic.Int64
	dropped, duplicated, reorders atomic.Int64
	rateLimited                   atomic.Int64
	votesSent                     atomic.Int64 // votes events queued to clients
	delivered, frames             atomic.Int64
	perHost                       sync.Map // Host header → *atomic.Int64 of WebSocket connections
}

// connsTo counts the WebSocket connections made to host.
func (h *fakeHub) connsTo(host string) int64 {
	if v, ok := h.perHost.Load(host); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// secondServer serves the same hub on another address, like a second
// instance sharing one store.
func (h *fakeHub) secondServer() *httptest.Server {
	srv := httptest.NewServer(h.srv.Config.Handler)
	h.t.Cleanup(func() {
		h.close() // closes the connections first; both servers share them
		srv.Close()
	})
	return srv
}

type fakeRoom struct {
	mu      sync.Mutex
	code    string
	seq     int64
	log     [][]byte // durable events; log[i] has seq i+1
	clients map[*fakeConn]struct{}
	reacts  int64
	delta   int64

	questions    int                        // questions asked
	voters       map[string]map[string]bool // question id → participants upvoting it
	votesChanged map[string]bool
}

type fakeConn struct {
	c           *websocket.Conn
	participant string
	q           chan fakeOut
	n           int    // comments routed to this connection
	held        []byte // a comment held back to reorder it
}

type fakeOut struct {
	due  time.Time
	data []byte
	code websocket.StatusCode // non-zero: close with this code instead
}

func newFakeHub(t *testing.T, f faults) *fakeHub {
	h := &fakeHub{t: t, f: f, rooms: map[string]*fakeRoom{}, conns: map[*fakeConn]struct{}{}, closed: map[string]bool{}, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/rooms", h.createRoom)
	mux.HandleFunc("GET /ws", h.serveWS)
	mux.HandleFunc("POST /api/rooms/{code}/commands", h.command)
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "# HELP process_cpu_seconds_total cpu\nprocess_cpu_seconds_total %g\nprocess_resident_memory_bytes %d\n",
			1.5+float64(h.frames.Load())*1e-5, 10<<20+h.delivered.Load())
		fmt.Fprintf(w, "hubbub_frames_written_total{kind=\"a b}\"} %d\nhubbub_events_delivered_total %d\n", h.frames.Load(), h.delivered.Load())
	})
	h.srv = httptest.NewServer(mux)
	if h.f.votesEvery == 0 {
		h.f.votesEvery = 250 * time.Millisecond
	}
	h.wg.Add(2)
	go h.flushReactions()
	go h.flushVotes()
	t.Cleanup(h.close)
	return h
}

func (h *fakeHub) close() {
	select {
	case <-h.done:
		return
	default:
	}
	close(h.done)
	h.mu.Lock()
	for c := range h.conns {
		c.c.CloseNow()
	}
	h.mu.Unlock()
	h.srv.Close()
	h.wg.Wait()
}

// heldNow counts comments held for reordering and never sent.
func (h *fakeHub) heldNow() int64 {
	var n int64
	for _, r := range h.rooms {
		r.mu.Lock()
		for c := range r.clients {
			if c.held != nil {
				n++
			}
		}
		r.mu.Unlock()
	}
	return n
}

func (h *fakeHub) createRoom(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	code := fmt.Sprintf("R%05d", len(h.rooms)+1)
	h.rooms[code] = &fakeRoom{code: code, clients: map[*fakeConn]struct{}{}, voters: map[string]map[string]bool{}, votesChanged: map[string]bool{}}
	h.mu.Unlock()
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"code":%q,"host_key":"hk","moderator_key":"mk","urls":{}}`, code)
}

func (h *fakeHub) serveWS(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		return
	}
	n, _ := h.perHost.LoadOrStore(r.Host, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	fc := &fakeConn{c: c, q: make(chan fakeOut, 1<<14)}
	h.mu.Lock()
	h.conns[fc] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, fc)
		h.mu.Unlock()
		c.CloseNow()
		h.wg.Done()
	}()

	_, data, err := c.Read(context.Background())
	if err != nil {
		return
	}
	var hello struct {
		Type, Room, Name, Token string
		Since                   int64
	}
	if json.Unmarshal(data, &hello) != nil || hello.Type != "hello" {
		c.Close(4000, "bad hello")
		return
	}
	h.mu.Lock()
	room := h.rooms[hello.Room]
	h.mu.Unlock()
	if room == nil {
		c.Close(4004, "no such room")
		return
	}
	fc.participant = hello.Token
	if fc.participant == "" {
		fc.participant = "p_" + hello.Name
	}

	writerDone := make(chan struct{})
	go h.writer(fc, writerDone)
	defer func() { <-writerDone }()
	defer close(fc.q)

	room.mu.Lock()
	now := time.Now()
	if hello.Since > room.seq {
		hello.Since = room.seq
	}
	if hello.Since > 0 {
		var frame []byte
		frame = fmt.Appendf(frame, `{"type":"welcome","room":%q,"role":"audience","participant":%q,"token":%q,"seq":%d,"resumed":true}`, room.code, fc.participant, fc.participant, room.seq)
		for _, ev := range room.log[hello.Since:] {
			frame = append(append(frame, '\n'), ev...)
		}
		fc.q <- fakeOut{due: now, data: frame}
	} else {
		fc.q <- fakeOut{due: now, data: fmt.Appendf(nil, `{"type":"welcome","room":%q,"role":"audience","participant":%q,"token":%q,"seq":%d,"resumed":false}`+"\n"+
			`{"type":"snapshot","seq":%d,"room":{"title":"x"},"comments":[{"id":"c1","seq":99,"text":"lt 5 a"}],"reactions":{"like":%d},"presence":1}`,
			room.code, fc.participant, fc.participant, room.seq, room.seq, room.reacts)}
	}
	room.clients[fc] = struct{}{}
	room.mu.Unlock()
	defer func() {
		room.mu.Lock()
		delete(room.clients, fc)
		room.mu.Unlock()
	}()

	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			return
		}
		var cmd struct {
			Type, Text, Kind, Question string
			ID                         int64
		}
		if json.Unmarshal(data, &cmd) != nil {
			continue
		}
		switch cmd.Type {
		case "comment":
			if n := h.f.rateLimitEvery; n > 0 && h.comments.Add(1)%int64(n) == 0 {
				h.rateLimited.Add(1)
				fc.q <- fakeOut{due: time.Now(), data: fmt.Appendf(nil, `{"type":"error","id":%d,"code":"rate_limited","message":"slow down"}`, cmd.ID)}
				continue
			}
			text, _ := json.Marshal(cmd.Text)
			room.mu.Lock()
			room.seq++
			ev := fmt.Appendf(nil, `{"type":"comment","seq":%d,"id":"c%d","text":%s,"author":"x","participant":%q,"at":%d}`,
				room.seq, room.seq, text, fc.participant, time.Now().UnixMilli())
			room.log = append(room.log, ev)
			fc.q <- fakeOut{due: time.Now(), data: fmt.Appendf(nil, `{"type":"ack","id":%d,"seq":%d,"comment":"c%d"}`, cmd.ID, room.seq, room.seq)}
			for to := range room.clients {
				h.route(to, ev)
			}
			room.mu.Unlock()
		case "react":
			room.mu.Lock()
			room.reacts++
			room.delta++
			room.mu.Unlock()
		case "ask":
			qid, seq := room.ask(fc.participant, cmd.Text)
			fc.q <- fakeOut{due: time.Now(), data: fmt.Appendf(nil, `{"type":"ack","id":%d,"seq":%d,"question":%q}`, cmd.ID, seq, qid)}
		case "upvote", "unvote":
			room.mu.Lock()
			set := room.voters[cmd.Question]
			if set == nil {
				room.mu.Unlock()
				fc.q <- fakeOut{due: time.Now(), data: fmt.Appendf(nil, `{"type":"error","id":%d,"code":"not_found","message":"no such question"}`, cmd.ID)}
				continue
			}
			if cmd.Type == "upvote" {
				set[fc.participant] = true
			} else {
				delete(set, fc.participant)
			}
			room.votesChanged[cmd.Question] = true
			n := len(set)
			room.mu.Unlock()
			fc.q <- fakeOut{due: time.Now(), data: fmt.Appendf(nil, `{"type":"ack","id":%d,"question":%q,"votes":%d}`, cmd.ID, cmd.Question, n)}
		}
	}
}

// ask adds a live question and sends its durable event to every client.
func (r *fakeRoom) ask(participant, text string) (qid string, seq int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.questions++
	qid = fmt.Sprintf("q%d", r.questions)
	r.voters[qid] = map[string]bool{}
	r.seq++
	t, _ := json.Marshal(text)
	ev := fmt.Appendf(nil, `{"type":"question","seq":%d,"id":%q,"text":%s,"author":null,"votes":0,"status":"live","pinned":false,"answer":"","at":%d}`,
		r.seq, qid, t, time.Now().UnixMilli())
	r.log = append(r.log, ev)
	for c := range r.clients {
		c.q <- fakeOut{due: time.Now(), data: ev}
	}
	return qid, r.seq
}

// command serves POST /api/rooms/{code}/commands: ask, with the host key.
func (h *fakeHub) command(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	room := h.rooms[r.PathValue("code")]
	h.mu.Unlock()
	var cmd struct{ Type, Text string }
	switch {
	case room == nil:
		http.Error(w, `{"type":"error","code":"not_found"}`, http.StatusNotFound)
	case r.Header.Get("Authorization") != "Bearer hk":
		http.Error(w, `{"type":"error","code":"unauthorized"}`, http.StatusUnauthorized)
	case json.NewDecoder(r.Body).Decode(&cmd) != nil || cmd.Type != "ask":
		http.Error(w, `{"type":"error","code":"bad_request"}`, http.StatusBadRequest)
	default:
		qid, seq := room.ask("host", cmd.Text)
		fmt.Fprintf(w, `{"type":"ack","seq":%d,"question":%q}`, seq, qid)
	}
}

// flushVotes sends each room's changed upvote counts every votesEvery.
func (h *fakeHub) flushVotes() {
	defer h.wg.Done()
	t := time.NewTicker(h.f.votesEvery)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		h.mu.Lock()
		rooms := make([]*fakeRoom, 0, len(h.rooms))
		for _, r := range h.rooms {
			rooms = append(rooms, r)
		}
		h.mu.Unlock()
		for _, r := range rooms {
			r.mu.Lock()
			if len(r.votesChanged) > 0 {
				ev := []byte(`{"type":"votes","questions":{`)
				n := 0
				for q := range r.votesChanged {
					if n++; n > 1 {
						ev = append(ev, ',')
					}
					ev = fmt.Appendf(ev, "%q:%d", q, int64(len(r.voters[q]))+h.f.votesOffBy)
				}
				ev = append(ev, "}}"...)
				clear(r.votesChanged)
				for c := range r.clients {
					h.votesSent.Add(1)
					select {
					case c.q <- fakeOut{due: time.Now(), data: ev}:
					default:
					}
				}
			}
			r.mu.Unlock()
		}
	}
}

// route delivers one comment broadcast to a client, applying the faults.
// Called with the room locked.
func (h *fakeHub) route(c *fakeConn, ev []byte) {
	c.n++
	due := time.Now().Add(h.f.delay)
	send := func(b []byte) {
		h.delivered.Add(1)
		select {
		case c.q <- fakeOut{due: due, data: b}:
		default: // queue full: the test is misconfigured
			h.t.Errorf("fake hub: send queue full")
		}
	}
	switch {
	case h.f.dropEvery > 0 && c.n%h.f.dropEvery == 0:
		h.dropped.Add(1)
		return
	case h.f.reorderEvery > 0 && c.n%h.f.reorderEvery == 0 && c.held == nil:
		c.held = ev
		return
	}
	send(ev)
	if c.held != nil {
		send(c.held)
		c.held = nil
		h.reorders.Add(1)
	}
	if h.f.dupEvery > 0 && c.n%h.f.dupEvery == 0 {
		send(ev)
		h.duplicated.Add(1)
	}
	if h.f.closeAfter > 0 && c.n == h.f.closeAfter {
		h.mu.Lock()
		first := !h.closed[c.participant]
		h.closed[c.participant] = true
		h.mu.Unlock()
		if first {
			c.q <- fakeOut{due: due, code: 4008}
		}
	}
}

// writer drains a connection's queue, batching what is due into one frame.
func (h *fakeHub) writer(c *fakeConn, done chan struct{}) {
	defer close(done)
	for out := range c.q {
		if d := time.Until(out.due); d > 0 {
			time.Sleep(d)
		}
		if out.code != 0 {
			c.c.Close(out.code, "too slow")
			continue
		}
		frame := append([]byte(nil), out.data...) // out.data is shared by every client
	batch:
		for {
			select {
			case more, ok := <-c.q:
				if !ok {
					break batch
				}
				if more.code != 0 || time.Until(more.due) > 0 {
					// Not due yet or a close: write what we have first.
					h.write(c, frame)
					frame = nil
					if d := time.Until(more.due); d > 0 {
						time.Sleep(d)
					}
					if more.code != 0 {
						c.c.Close(more.code, "too slow")
						break batch
					}
					frame = append([]byte(nil), more.data...)
					continue
				}
				frame = append(append(frame, '\n'), more.data...)
			default:
				break batch
			}
		}
		if frame != nil {
			h.write(c, frame)
		}
	}
}

func (h *fakeHub) write(c *fakeConn, frame []byte) {
	h.frames.Add(1)
	_ = c.c.Write(context.Background(), websocket.MessageText, frame)
}

// flushReactions sends coalesced reactions to every room 10 times a second.
func (h *fakeHub) flushReactions() {
	defer h.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		h.mu.Lock()
		rooms := make([]*fakeRoom, 0, len(h.rooms))
		for _, r := range h.rooms {
			rooms = append(rooms, r)
		}
		h.mu.Unlock()
		for _, r := range rooms {
			r.mu.Lock()
			if r.delta > 0 {
				ev := []byte(`{"type":"reactions","counts":{"like":` + strconv.FormatInt(r.reacts, 10) + `},"delta":{"like":` + strconv.FormatInt(r.delta, 10) + `}}`)
				r.delta = 0
				for c := range r.clients {
					select {
					case c.q <- fakeOut{due: time.Now(), data: ev}:
					default:
					}
				}
			}
			r.mu.Unlock()
		}
	}
}
