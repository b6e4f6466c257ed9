package rooms

import "github.com/prometheus/client_golang/prometheus"

// metrics are the Service's Prometheus series. No room codes as labels.
type metrics struct {
	rateLimited      *prometheus.CounterVec
	reactionsDropped prometheus.Counter
	reactionsFlushed prometheus.Counter
	// protections counts refusals by the room's protections and caps.
	protections *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_rate_limited_total",
			Help: "Commands refused or dropped by a per-participant rate limit, by command type (\"command\": the limit on all commands).",
		}, []string{"command"}),
		reactionsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_reactions_dropped_total",
			Help: "Reactions dropped silently because their sender exceeded the reaction rate limit.",
		}),
		reactionsFlushed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_reactions_counted_total",
			Help: "Reactions counted into room totals.",
		}),
		protections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubbub_protection_refusals_total",
			Help: "Posts and joins refused by a room's protections or caps, by rule (name_required, slow_mode, too_new, room_full, covered_address, address_posts).",
		}, []string{"rule"}),
	}
	if reg != nil {
		reg.MustRegister(m.rateLimited, m.reactionsDropped, m.reactionsFlushed, m.protections)
	}
	return m
}
