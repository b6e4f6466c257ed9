package hub

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Slow-consumer and rejection reasons, as label values.
const (
	reasonPerIP    = "per_ip"
	reasonMaxConns = "max_conns"
	reasonShutdown = "shutdown"
)

// Metrics are the hub's Prometheus series. No room codes as label values.
type Metrics struct {
	connections      prometheus.Gauge
	rooms            prometheus.Gauge
	rejected         *prometheus.CounterVec
	commands         *prometheus.CounterVec
	broadcasts       prometheus.Counter
	delivered        prometheus.Counter
	frames           prometheus.Counter
	bytes            prometheus.Counter
	slowConsumers    prometheus.Counter
	slowWrites       prometheus.Counter
	gapsFilled       prometheus.Counter
	inboxDrops       prometheus.Counter
	broadcastLatency prometheus.Histogram
	flushInterval    prometheus.Gauge
	writerLag        prometheus.Gauge
	failedJoins      *prometheus.CounterVec
	mintsRefused     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubbub_connections", Help: "Open WebSocket connections.",
		}),
		rooms: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubbub_rooms_active", Help: "Rooms with at least one connection on this instance.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_connections_rejected_total", Help: "Connections refused with 4029 or 1012, by reason.",
		}, []string{"reason"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_commands_total", Help: "Client commands received (events in), by type and result.",
		}, []string{"type", "result"}),
		broadcasts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_broadcasts_total", Help: "Events fanned out to a room's local clients.",
		}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_events_delivered_total", Help: "Events queued to clients (events out), one per client per event.",
		}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_frames_written_total", Help: "WebSocket frames written to clients; each carries one or more events.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_bytes_written_total", Help: "Payload bytes written to clients.",
		}),
		flushInterval: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubbub_flush_interval_seconds", Help: "The least time between two frames to one client now: the configured flush interval, stretched up to the maximum while the writers fall behind.",
		}),
		writerLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubbub_writer_lag_seconds", Help: "How long after it was due a client held by the flush interval with more than one event waited for a writer, on average over the writers' last tenth of a second with work (not updated while they have none); above a quarter of -flush-interval the interval stretches.",
		}),
		failedJoins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_failed_joins_total", Help: "Joins and room lookups refused: unknown_room (the code names no room) or throttled (too many from the address).",
		}, []string{"reason"}),
		mintsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_new_participants_refused_total", Help: "Hellos without a token refused because too many new participants came from the address or to the room, by limit.",
		}, []string{"limit"}),
		slowConsumers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_slow_consumer_closes_total", Help: "Clients closed with 4008 because their send queue overflowed.",
		}),
		slowWrites: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_slow_writes_total", Help: "Flushes the socket did not take at once (its buffer full, or a control frame being written), finished on a goroutine of their own.",
		}),
		gapsFilled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_gaps_filled_total", Help: "Durable events a room fetched from the store because the broker did not deliver them.",
		}),
		inboxDrops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_room_inbox_drops_total", Help: "Events dropped because a room's inbox was full (durable ones are refetched).",
		}),
		broadcastLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hubbub_broadcast_latency_seconds",
			Help:    "From an event's creation to its being queued to every local client of the room.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.rooms, m.rejected, m.commands, m.broadcasts, m.delivered,
			m.frames, m.bytes, m.slowConsumers, m.slowWrites, m.gapsFilled, m.inboxDrops, m.broadcastLatency,
			m.flushInterval, m.writerLag, m.failedJoins, m.mintsRefused)
	}
	return m
}
