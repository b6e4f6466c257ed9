package hub

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Hub owns this instance's connections and rooms. Create it with New, run
// Run in a goroutine, serve ServeWS, and call Shutdown to close every client
// with 1012.
type Hub struct {
	cfg     Config
	svc     *rooms.Service
	broker  Broker
	log     *zap.Logger
	metrics *Metrics

	ctx    context.Context // for store calls of sessions and rooms; ended by Shutdown
	cancel context.CancelFunc

	presence Presence
	writers  *writerPool
	creates  buckets
	joins    *joinGuard

	mu      sync.Mutex
	emptied map[string]bool // rooms whose last local client left since the last presence report
	rooms   map[string]*room
	clients map[*client]struct{}
	perIP   map[string]int
	closing bool

	sessions sync.WaitGroup
	workers  sync.WaitGroup
	nextConn atomic.Uint64
}

// New returns a hub that applies commands through svc and receives room
// events from broker. reg may be nil.
func New(cfg Config, svc *rooms.Service, broker Broker, log *zap.Logger, reg prometheus.Registerer) *Hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg:     cfg.withDefaults(),
		svc:     svc,
		broker:  broker,
		log:     log,
		metrics: newMetrics(reg),
		ctx:     ctx,
		cancel:  cancel,
		rooms:   make(map[string]*room),
		emptied: make(map[string]bool),
		clients: make(map[*client]struct{}),
		perIP:   make(map[string]int),
	}
	h.writers = newWriterPool(newFlushPace(h.cfg.FlushInterval, h.cfg.MaxFlushInterval,
		func(w paceWindowEnd) {
			h.metrics.flushInterval.Set(w.Interval.Seconds())
			h.metrics.writerLag.Set(w.Lag.Seconds())
		}))
	h.creates = newBuckets(h.cfg.SharedLimits, "room-create", h.cfg.RoomCreateRate, h.cfg.RoomCreateBurst, log)
	h.joins = newJoinGuard(h.cfg, h.metrics, log)
	if svc != nil && h.cfg.AddressPostRate > 0 {
		svc.LimitAddressPosts(postAllowance{newBuckets(h.cfg.SharedLimits, "address-post", h.cfg.AddressPostRate, h.cfg.AddressPostBurst, log)})
	}
	h.presence = cfg.Presence
	if h.presence == nil {
		h.presence = LocalPresence{hub: h}
	}
	return h
}

// Run sends coalesced counters — reactions every reaction flush interval,
// votes and poll results every vote flush interval, presence at most once
// per second per room, poll results every results flush interval — and
// pings silent peers, until ctx ends. Votes and results wait a whole
// interval after their last flush ended (timers, not tickers: a flush
// delayed by a busy machine is not followed at once by the next one), so
// no client gets more than one per interval.
func (h *Hub) Run(ctx context.Context) {
	tick := time.NewTicker(presenceInterval)
	defer tick.Stop()
	reactions := time.NewTicker(h.svc.ReactionFlush())
	defer reactions.Stop()
	votes := time.NewTimer(h.svc.VoteFlush())
	defer votes.Stop()
	results := time.NewTimer(h.svc.ResultsFlush())
	defer results.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reactions.C:
			h.flushReactions()
		case <-votes.C:
			h.flushVotes()
			votes.Reset(h.svc.VoteFlush())
		case <-results.C:
			h.flushResults()
			results.Reset(h.svc.ResultsFlush())
		case now := <-tick.C:
			h.reportPresence()
			h.pingSilent(now)
		}
	}
}

// pingSilent pings every client silent for a ping interval.
func (h *Hub) pingSilent(now time.Time) {
	cutoff := now.Add(-h.cfg.PingInterval).UnixNano()
	h.mu.Lock()
	var silent []*client
	for c := range h.clients {
		if c.lastActive.Load() < cutoff && !c.pinging.Load() {
			silent = append(silent, c)
		}
	}
	h.mu.Unlock()
	for _, c := range silent {
		c.startPing(h.cfg.PongTimeout)
	}
}

// admit registers a new connection, or returns the close code refusing it.
func (h *Hub) admit(c *client) (websocket.StatusCode, string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closing:
		h.metrics.rejected.WithLabelValues(reasonShutdown).Inc()
		return websocket.StatusServiceRestart, "server restarting", false
	case len(h.clients) >= h.cfg.MaxConns:
		h.metrics.rejected.WithLabelValues(reasonMaxConns).Inc()
		return 4029, "too many connections on this server", false
	case h.perIP[c.ip] >= h.cfg.MaxConnsPerIP:
		h.metrics.rejected.WithLabelValues(reasonPerIP).Inc()
		return 4029, "too many connections from this address", false
	}
	h.clients[c] = struct{}{}
	h.perIP[c.ip]++
	h.sessions.Add(1)
	h.metrics.connections.Inc()
	return 0, "", true
}

// release undoes admit when the session ends.
func (h *Hub) release(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	if h.perIP[c.ip]--; h.perIP[c.ip] <= 0 {
		delete(h.perIP, c.ip)
	}
	h.mu.Unlock()
	h.metrics.connections.Dec()
	h.sessions.Done()
}

// join adds c to its room, creating the room's fan-out for the first local
// member; its worker subscribes to the room's channel.
func (h *Hub) join(c *client) *room {
	h.mu.Lock()
	defer h.mu.Unlock()
	code := c.actor.Room
	r := h.rooms[code]
	if r == nil {
		r = newRoom(h, code)
		h.rooms[code] = r
		h.metrics.rooms.Inc()
		h.workers.Add(1)
		go func() {
			defer h.workers.Done()
			r.run(h.ctx)
		}()
	}
	r.add(c)
	return r
}

// leave removes c from r; the last member's leaving ends the room's
// fan-out (its worker unsubscribes).
func (h *Hub) leave(c *client, r *room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.remove(c) > 0 {
		return
	}
	close(r.done)
	delete(h.rooms, r.code)
	h.emptied[r.code] = true
	h.metrics.rooms.Dec()
}

// Shutdown stops admitting connections, closes every client with 1012 and
// waits for the sessions and room workers to end. It returns ctx's error if
// ctx ended first; even then it returns within the WebSocket close
// handshake's own bound (5 s to write the close frame, 5 s for the answer),
// after which every connection is dropped.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	clients := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	h.mu.Unlock()
	h.log.Info("closing connections", zap.Int("connections", len(clients)))
	for _, c := range clients {
		c.closeWith(websocket.StatusServiceRestart, "server restarting")
	}
	done := make(chan struct{})
	go func() {
		h.sessions.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		h.log.Warn("connections still closing after the shutdown timeout")
		<-done
	}
	h.cancel()
	h.workers.Wait()
	h.writers.wait()
	return err
}

// roomList returns the local rooms.
func (h *Hub) roomList() []*room {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := make([]*room, 0, len(h.rooms))
	for _, r := range h.rooms {
		list = append(list, r)
	}
	return list
}
