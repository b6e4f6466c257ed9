package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Defaults of RedisBrokerOptions.
const (
	// DefaultSubscribeTimeout bounds how long Subscribe waits for Redis to
	// confirm a subscription.
	DefaultSubscribeTimeout = 5 * time.Second
	// DefaultProbeInterval is the silence on the pub/sub connection after
	// which the broker sends a PING to check that it still works.
	DefaultProbeInterval = 3 * time.Second
	// DefaultProbeTimeout is how long the broker waits for the answer to
	// that PING before it drops the connection and resubscribes.
	DefaultProbeTimeout = 3 * time.Second
	// DefaultUnsubscribeDelay is how long a room's channel stays subscribed
	// after its last local client left, so that a room emptied and refilled
	// at once (a reload, a reconnect) costs no UNSUBSCRIBE/SUBSCRIBE pair.
	DefaultUnsubscribeDelay = 10 * time.Second
	// DefaultPublishQueue bounds the events waiting to be PUBLISHed.
	DefaultPublishQueue = 4096
)

const (
	brokerTick        = time.Second            // read timeout: janitor and probe granularity
	brokerBackoffMin  = 100 * time.Millisecond // first pause before reconnecting
	brokerBackoffMax  = time.Second            // longest pause between reconnects
	subscribeBatch    = 1000                   // channels per SUBSCRIBE command
	publishBatch      = 256                    // PUBLISHes per pipeline
	malformedLogEvery = time.Second            // at most one malformed-envelope log line per interval
)

// RedisBrokerOptions tune a RedisBroker; zero values take the defaults.
type RedisBrokerOptions struct {
	// Channel names a room's pub/sub channel; nil: rooms.RedisChannel.
	Channel func(room string) string
	// Decode reads a message of such a channel; nil: rooms.DecodeEnvelope.
	Decode func(payload []byte) (rooms.Event, error)

	SubscribeTimeout time.Duration
	ProbeInterval    time.Duration
	ProbeTimeout     time.Duration
	UnsubscribeDelay time.Duration
	PublishQueue     int
}

func (o RedisBrokerOptions) withDefaults() RedisBrokerOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.SubscribeTimeout, DefaultSubscribeTimeout)
	def(&o.ProbeInterval, DefaultProbeInterval)
	def(&o.ProbeTimeout, DefaultProbeTimeout)
	def(&o.UnsubscribeDelay, DefaultUnsubscribeDelay)
	if o.PublishQueue <= 0 {
		o.PublishQueue = DefaultPublishQueue
	}
	if o.Channel == nil {
		o.Channel = rooms.RedisChannel
	}
	if o.Decode == nil {
		o.Decode = rooms.DecodeEnvelope
	}
	return o
}

// ErrBrokerClosed is returned by Subscribe after Close.
var ErrBrokerClosed = errors.New("hub: broker closed")

// RedisBroker is the Broker of many instances: each room is a Redis pub/sub
// channel (by default rooms.RedisChannel, with rooms envelopes; the
// LogBroker uses it for the room log's entries channel). Use NewRedisBroker
// and Close.
//
// One pub/sub connection per instance carries every room it serves. A
// single goroutine reads it and calls the rooms' handlers, so per room the
// handler sees events in publish order; the handlers must not block (the
// hub's is a bounded inbox). Whenever the connection is lost — Redis
// restarted, the network cut, the connection killed, or a PING unanswered
// for ProbeTimeout — the broker opens a new one, subscribes every room again
// and, once Redis confirms each, delivers rooms.EventResync to its handler,
// so that the room fetches from the store what was published meanwhile.
//
// It is safe for concurrent use.
type RedisBroker struct {
	rdb     redis.UniversalClient
	log     *zap.Logger
	opts    RedisBrokerOptions
	metrics *brokerMetrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pubq   chan brokerPublish

	// cmdMu orders the SUBSCRIBE and UNSUBSCRIBE commands with the state
	// changes that decide them, and the replacement of ps. Held while
	// writing a command, never while calling a handler.
	cmdMu sync.Mutex
	ps    *redis.PubSub // the current connection's; guarded by cmdMu and mu

	mu     sync.Mutex
	chans  map[string]*redisChannel // by channel name
	closed bool
}

// redisChannel is the broker's view of one room's channel on the current
// connection.
type redisChannel struct {
	room        string
	sub         *redisSub       // the room's handler; nil when nobody local listens
	active      bool            // Redis confirmed it on this connection; no UNSUBSCRIBE since
	subscribing bool            // a SUBSCRIBE is on its way on this connection
	resync      bool            // it was active on a lost connection: send EventResync once confirmed
	idleSince   time.Time       // when sub became nil
	waiters     []chan struct{} // Subscribe calls waiting for the confirmation
}

type redisSub struct{ handler func(rooms.Event) }

type brokerPublish struct {
	channel string
	msg     []byte
}

// NewRedisBroker returns a broker over rdb and starts its reader and
// publisher goroutines; Close stops them. reg may be nil.
func NewRedisBroker(rdb redis.UniversalClient, log *zap.Logger, reg prometheus.Registerer, opts RedisBrokerOptions) *RedisBroker {
	ctx, cancel := context.WithCancel(context.Background())
	b := &RedisBroker{
		rdb:     rdb,
		log:     log,
		opts:    opts.withDefaults(),
		metrics: newBrokerMetrics(reg),
		ctx:     ctx,
		cancel:  cancel,
		chans:   make(map[string]*redisChannel),
	}
	b.pubq = make(chan brokerPublish, b.opts.PublishQueue)
	b.ps = rdb.Subscribe(ctx)
	b.wg.Go(b.read)
	b.wg.Go(b.publish)
	return b
}

// Close ends the subscriptions and stops the broker's goroutines; events
// still waiting to be published are dropped. Subscribe fails after it.
func (b *RedisBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.cmdMu.Lock()
	_ = b.ps.Close() // ends a read in progress at once
	b.cmdMu.Unlock()
	b.wg.Wait()
	return nil
}

// Publish implements rooms.Publisher: it queues the event for the publisher
// goroutine, which PUBLISHes it as an envelope on the room's channel. It
// never blocks; when the queue is full the event is dropped and counted.
func (b *RedisBroker) Publish(room string, ev rooms.Event) {
	if b.ctx.Err() != nil {
		return
	}
	select {
	case b.pubq <- brokerPublish{channel: b.opts.Channel(room), msg: rooms.EncodeEnvelope(ev)}:
	default:
		b.metrics.publishDrops.Inc()
	}
}

// publish PUBLISHes queued events in pipelines, in queue order.
func (b *RedisBroker) publish() {
	batch := make([]brokerPublish, 0, publishBatch)
	for {
		select {
		case <-b.ctx.Done():
			return
		case p := <-b.pubq:
			batch = append(batch[:0], p)
		}
	more:
		for len(batch) < publishBatch {
			select {
			case p := <-b.pubq:
				batch = append(batch, p)
			default:
				break more
			}
		}
		_, err := b.rdb.Pipelined(b.ctx, func(pipe redis.Pipeliner) error {
			for _, p := range batch {
				pipe.Publish(b.ctx, p.channel, p.msg)
			}
			return nil
		})
		if err != nil && b.ctx.Err() == nil {
			b.metrics.publishErrors.Add(float64(len(batch)))
			b.log.Warn("events not published", zap.Int("events", len(batch)), zap.Error(err))
		}
		clear(batch)
	}
}

// Subscribe implements Broker. It returns once Redis confirmed the
// subscription, or an error when that took longer than SubscribeTimeout,
// ctx ended or the command could not be sent.
func (b *RedisBroker) Subscribe(ctx context.Context, room string, handler func(rooms.Event)) (func(), error) {
	name := b.opts.Channel(room)
	sub := &redisSub{handler: handler}

	b.cmdMu.Lock()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.cmdMu.Unlock()
		return nil, ErrBrokerClosed
	}
	ch := b.chans[name]
	if ch == nil {
		ch = &redisChannel{room: room}
		b.chans[name] = ch
	}
	ch.sub = sub
	unsubscribe := func() { b.unsubscribe(ch, sub) }
	if ch.active {
		b.mu.Unlock()
		b.cmdMu.Unlock()
		return unsubscribe, nil
	}
	wait := make(chan struct{})
	ch.waiters = append(ch.waiters, wait)
	send := !ch.subscribing
	ch.subscribing = true
	ps := b.ps
	b.mu.Unlock()
	var err error
	if send {
		err = ps.Subscribe(ctx, name)
	}
	b.cmdMu.Unlock()

	if err == nil {
		t := time.NewTimer(b.opts.SubscribeTimeout)
		defer t.Stop()
		select {
		case <-wait:
			return unsubscribe, nil
		case <-t.C:
			err = fmt.Errorf("redis did not confirm the subscription to %s within %v", name, b.opts.SubscribeTimeout)
		case <-ctx.Done():
			err = ctx.Err()
		case <-b.ctx.Done():
			err = ErrBrokerClosed
		}
	}
	b.mu.Lock()
	if send && ch.subscribing && !ch.active {
		ch.subscribing = false // unsent, or lost with its connection
	}
	for i, w := range ch.waiters {
		if w == wait {
			ch.waiters = append(ch.waiters[:i], ch.waiters[i+1:]...)
			break
		}
	}
	b.mu.Unlock()
	unsubscribe()
	return nil, fmt.Errorf("subscribe to room %s: %w", room, err)
}

// unsubscribe drops sub's handler if it is still the room's; the reader
// sends the UNSUBSCRIBE after UnsubscribeDelay unless the room subscribes
// again meanwhile.
func (b *RedisBroker) unsubscribe(ch *redisChannel, sub *redisSub) {
	b.mu.Lock()
	if ch.sub == sub {
		ch.sub = nil
		ch.idleSince = time.Now()
	}
	b.mu.Unlock()
}

// read owns the pub/sub connection: it receives, dispatches, probes an idle
// connection, sends the delayed UNSUBSCRIBEs and reconnects after a loss.
func (b *RedisBroker) read() {
	defer func() {
		b.cmdMu.Lock()
		_ = b.ps.Close()
		b.cmdMu.Unlock()
	}()
	var (
		ps          = b.currentPubSub()
		lastRecv    = time.Now()
		pingSent    time.Time
		lastJanitor = time.Now()
		backoff     = brokerBackoffMin
		lost        = false // the last connection failed; nothing received since
		lastBadLog  time.Time
	)
	for b.ctx.Err() == nil {
		// Wake for the janitor, and exactly when the probe is due.
		wait := brokerTick
		if pingSent.IsZero() {
			wait = min(wait, time.Until(lastRecv.Add(b.opts.ProbeInterval)))
		} else {
			wait = min(wait, time.Until(pingSent.Add(b.opts.ProbeTimeout)))
		}
		msg, err := ps.ReceiveTimeout(b.ctx, max(wait, 10*time.Millisecond))
		now := time.Now()
		if err != nil && !isTimeout(err) {
			if b.ctx.Err() != nil {
				return
			}
			if !lost {
				b.log.Warn("redis subscription lost; resubscribing", zap.Error(err))
			} else {
				b.log.Debug("redis subscription still down", zap.Error(err))
			}
			lost = true
			if !b.sleep(backoff) {
				return
			}
			backoff = min(2*backoff, brokerBackoffMax)
			ps = b.reconnect()
			lastRecv, pingSent = time.Now(), time.Time{}
			continue
		}
		if err == nil {
			lastRecv, pingSent = now, time.Time{}
			if lost {
				lost = false
				backoff = brokerBackoffMin
				b.log.Info("redis subscription restored")
			}
			switch m := msg.(type) {
			case *redis.Message:
				b.dispatch(m, now, &lastBadLog)
			case *redis.Subscription:
				b.confirmed(m)
			case *redis.Pong:
			}
		}
		if now.Sub(lastJanitor) >= brokerTick {
			lastJanitor = now
			b.unsubscribeIdle(now)
		}
		switch {
		case !pingSent.IsZero() && now.Sub(pingSent) >= b.opts.ProbeTimeout:
			b.log.Warn("redis subscription did not answer a PING; reconnecting", zap.Duration("timeout", b.opts.ProbeTimeout))
			b.metrics.probeFailures.Inc()
			lost = true
			ps = b.reconnect()
			lastRecv, pingSent = time.Now(), time.Time{}
		case pingSent.IsZero() && now.Sub(lastRecv) >= b.opts.ProbeInterval:
			pingSent = now
			if err := ps.Ping(b.ctx); err != nil {
				b.log.Debug("redis subscription PING not sent", zap.Error(err))
			}
		}
	}
}

func (b *RedisBroker) currentPubSub() *redis.PubSub {
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	return b.ps
}

// sleep pauses for d; false when the broker was closed meanwhile.
func (b *RedisBroker) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.ctx.Done():
		return false
	}
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

// reconnect replaces the pub/sub connection with a new one and subscribes
// it to every room with a local handler; rooms that were active on the old
// one get EventResync when Redis confirms them again. An error sending the
// SUBSCRIBE shows on the next read, which comes back here.
func (b *RedisBroker) reconnect() *redis.PubSub {
	b.metrics.reconnects.Inc()
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	b.mu.Lock()
	old := b.ps
	ps := b.rdb.Subscribe(b.ctx)
	b.ps = ps
	var names []string
	for name, ch := range b.chans {
		if ch.sub == nil {
			delete(b.chans, name) // nobody listens: gone with the connection
			continue
		}
		if ch.active {
			ch.resync = true
		}
		ch.active, ch.subscribing = false, true
		names = append(names, name)
	}
	b.metrics.channels.Set(0)
	b.mu.Unlock()
	_ = old.Close()
	for len(names) > 0 {
		n := min(len(names), subscribeBatch)
		if err := ps.Subscribe(b.ctx, names[:n]...); err != nil {
			// The PubSub remembers the channels and subscribes them
			// when the next read connects; a failure there comes back.
			b.log.Debug("resubscribe not sent", zap.Error(err))
		}
		names = names[n:]
	}
	return ps
}

// dispatch decodes a message and hands it to its room's handler.
func (b *RedisBroker) dispatch(m *redis.Message, now time.Time, lastBadLog *time.Time) {
	b.metrics.received.Inc()
	ev, err := b.opts.Decode([]byte(m.Payload))
	if err != nil {
		b.metrics.malformed.Inc()
		if now.Sub(*lastBadLog) >= malformedLogEvery {
			*lastBadLog = now
			b.log.Warn("malformed event envelope dropped", zap.String("channel", m.Channel),
				zap.Int("bytes", len(m.Payload)), zap.Error(err))
		}
		return
	}
	b.mu.Lock()
	var handler func(rooms.Event)
	if ch := b.chans[m.Channel]; ch != nil && ch.sub != nil {
		handler = ch.sub.handler
	}
	b.mu.Unlock()
	if handler != nil {
		handler(ev)
	}
}

// confirmed records Redis's answer to a SUBSCRIBE: it wakes the waiting
// Subscribe calls and, after a loss, sends the room EventResync.
func (b *RedisBroker) confirmed(m *redis.Subscription) {
	if m.Kind != "subscribe" {
		return // UNSUBSCRIBE answers change nothing: the state changed when it was sent
	}
	b.mu.Lock()
	ch := b.chans[m.Channel]
	if ch == nil {
		// Subscribed with nobody waiting (a Subscribe that gave up):
		// remember it so that the janitor unsubscribes it.
		ch = &redisChannel{idleSince: time.Now()}
		b.chans[m.Channel] = ch
	}
	if !ch.active {
		b.metrics.channels.Inc()
	}
	ch.active, ch.subscribing = true, false
	for _, w := range ch.waiters {
		close(w)
	}
	ch.waiters = nil
	var handler func(rooms.Event)
	if ch.resync && ch.sub != nil {
		handler = ch.sub.handler
	}
	ch.resync = false
	b.mu.Unlock()
	if handler != nil {
		b.metrics.resyncs.Inc()
		handler(rooms.Event{Type: rooms.EventResync, At: time.Now().UnixNano()})
	}
}

// unsubscribeIdle UNSUBSCRIBEs the channels nobody local listened to for
// UnsubscribeDelay.
func (b *RedisBroker) unsubscribeIdle(now time.Time) {
	b.cmdMu.Lock()
	defer b.cmdMu.Unlock()
	b.mu.Lock()
	var names []string
	for name, ch := range b.chans {
		if ch.sub != nil || ch.subscribing || now.Sub(ch.idleSince) < b.opts.UnsubscribeDelay {
			continue
		}
		if ch.active {
			names = append(names, name)
			b.metrics.channels.Dec()
		}
		delete(b.chans, name)
	}
	ps := b.ps
	b.mu.Unlock()
	if len(names) > 0 {
		if err := ps.Unsubscribe(b.ctx, names...); err != nil {
			b.log.Debug("unsubscribe not sent", zap.Error(err))
		}
	}
}

// brokerMetrics are the Redis broker's series; no room codes as labels.
type brokerMetrics struct {
	received      prometheus.Counter
	malformed     prometheus.Counter
	resyncs       prometheus.Counter
	reconnects    prometheus.Counter
	probeFailures prometheus.Counter
	publishDrops  prometheus.Counter
	publishErrors prometheus.Counter
	channels      prometheus.Gauge
}

func newBrokerMetrics(reg prometheus.Registerer) *brokerMetrics {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m := &brokerMetrics{
		received:      counter("hubbub_broker_messages_received_total", "Messages received on the Redis pub/sub connection."),
		malformed:     counter("hubbub_broker_malformed_total", "Pub/sub messages dropped because they are not valid event envelopes."),
		resyncs:       counter("hubbub_broker_resyncs_total", "Rooms told to refetch from the store after their subscription was restored."),
		reconnects:    counter("hubbub_broker_reconnects_total", "Times the Redis pub/sub connection was replaced after a loss."),
		probeFailures: counter("hubbub_broker_probe_failures_total", "PINGs on the pub/sub connection left unanswered (the connection was then replaced)."),
		publishDrops:  counter("hubbub_broker_publish_drops_total", "Events not published because the publish queue was full."),
		publishErrors: counter("hubbub_broker_publish_errors_total", "Events whose PUBLISH failed."),
		channels: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubbub_broker_channels", Help: "Room channels subscribed on the Redis pub/sub connection.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.received, m.malformed, m.resyncs, m.reconnects, m.probeFailures,
			m.publishDrops, m.publishErrors, m.channels)
	}
	return m
}
