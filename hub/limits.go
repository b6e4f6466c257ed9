package hub

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults for Config. Every one is a flag of cmd/hubbub with an HUBBUB_*
// environment equivalent.
const (
	// DefaultFlushInterval is the least time between two frames to one
	// client. A quiet client's first event leaves at once.
	DefaultFlushInterval = 25 * time.Millisecond
	// DefaultMaxFlushInterval is the longest the flush interval stretches
	// to while the writers fall behind (flush_pace.go): twice the base
	// halves the frames a busy client costs, and 50 ms between two frames
	// is still not seen by people.
	DefaultMaxFlushInterval = 50 * time.Millisecond
	// DefaultCounterDelay is the least time between a client's last frame
	// and one that carries only coalesced counters (reactions, presence):
	// counters wait that long for an urgent frame to ride in, which saves
	// a frame per counter update in busy rooms. Half again the gap between
	// comments in a lively room (10 a second): at 100 ms, the gap itself,
	// about one reactions update in fifteen went alone just before the next
	// comment, and that comment then waited out the flush interval behind
	// it (event preset, 4,000 clients: comment p99 71.7–90.4 ms at 100 ms,
	// 46.4–57.2 ms at 150 ms). Humans do not see 150 ms on a like counter.
	DefaultCounterDelay = 150 * time.Millisecond
	// DefaultMaxQueueBytes bounds one client's unsent events (plus the frame
	// in flight); past it the client is closed with 4008.
	DefaultMaxQueueBytes = 1 << 20
	// DefaultHelloTimeout is how long a new connection may take to send hello.
	DefaultHelloTimeout = 10 * time.Second
	// DefaultPingInterval is how long a connection may stay silent before
	// the server pings it; DefaultPongTimeout is how long the pong may take.
	DefaultPingInterval = 30 * time.Second
	DefaultPongTimeout  = 15 * time.Second
	// DefaultMaxConnsPerIP is high on purpose: a hall's Wi-Fi puts thousands
	// of phones behind one address.
	DefaultMaxConnsPerIP = 5000
	// DefaultRoomCreateRate and DefaultRoomCreateBurst limit the rooms one
	// client address creates: rooms per minute, and how many at once.
	DefaultRoomCreateRate  = 10
	DefaultRoomCreateBurst = 30
	// DefaultFailedJoinRate and DefaultFailedJoinBurst limit joins to rooms
	// that do not exist (hello, GET /api/rooms/CODE) per client address:
	// per minute, and how many at once. A hall's typos stay far below it;
	// guessing codes (a million of them) slows to a crawl.
	DefaultFailedJoinRate  = 20
	DefaultFailedJoinBurst = 60
	// DefaultMintRate and DefaultMintBurst limit new participants (a hello
	// without a token) per client address: a hall of 2,000 behind one NAT
	// scanning the join code at once, then 1,200 more a minute, while a
	// script minting identities to evade bans and per-participant limits
	// gets no more than that.
	DefaultMintRate  = 1200
	DefaultMintBurst = 2000
	// DefaultRoomMintRate and DefaultRoomMintBurst limit new participants
	// per room over all addresses: a keynote of 10,000 joining in two
	// minutes fits; a botnet filling one room with identities does not.
	DefaultRoomMintRate  = 3000
	DefaultRoomMintBurst = 10000
	// DefaultAddressPostRate and DefaultAddressPostBurst limit the
	// questions and comments of one client address in one room, every
	// participant behind it together: per minute, and how many at once.
	// A hall of 2,000 behind one NAT posts a few a second at its liveliest
	// (faster than anyone reads a wall of comments); a script minting
	// identity after identity, each under its own limits, gets no more
	// than 10 a second into the room in all.
	DefaultAddressPostRate  = 600
	DefaultAddressPostBurst = 100
	// DefaultMaxConns caps connections per instance.
	DefaultMaxConns = 100000
	// DefaultBodyTimeout bounds reading an HTTP request's body: a client
	// that trickles one byte at a time is cut off instead of holding a
	// goroutine and a descriptor for as long as it likes.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultShutdownTimeout bounds graceful shutdown.
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultRoomInbox bounds the events waiting for one room's fan-out;
	// past it events are dropped and the gap is filled from the Store.
	DefaultRoomInbox = 8192
	// DefaultHeldEvents bounds the events held for a client while its
	// snapshot or replay is being read; past it the client gets 4008.
	DefaultHeldEvents = 4096

	// MaxFrameBytes is the largest frame the server writes unless a single
	// event is larger (a big snapshot); pending events beyond it go in
	// further frames of the same flush.
	MaxFrameBytes = 64 << 10
	// ReadLimit is the largest client frame, in bytes (protocol: 4 KiB).
	ReadLimit = 4096
	// Subprotocol is the WebSocket subprotocol of version 1.
	Subprotocol = "hubbub.v1"
	// closeWatchdog bounds a close handshake: past it the socket is dropped.
	closeWatchdog = 11 * time.Second
	// presenceInterval is the most often presence is sent (protocol: 1/s).
	presenceInterval = time.Second
)

// Config holds the hub's limits; a zero field means its Default.
type Config struct {
	FlushInterval time.Duration
	// MaxFlushInterval is the longest the flush interval stretches to while
	// the writers fall behind; at most FlushInterval: never stretched.
	MaxFlushInterval time.Duration
	CounterDelay     time.Duration
	MaxQueueBytes    int
	HelloTimeout     time.Duration
	PingInterval     time.Duration
	PongTimeout      time.Duration
	MaxConnsPerIP    int
	MaxConns         int
	// RoomCreateRate is rooms per minute per client address (POST
	// /api/rooms), up to RoomCreateBurst at once; negative: no limit.
	RoomCreateRate  float64
	RoomCreateBurst int
	// FailedJoinRate is joins to unknown rooms per minute per client
	// address, up to FailedJoinBurst; negative: no limit.
	FailedJoinRate  float64
	FailedJoinBurst int
	// MintRate is new participants per minute per client address, up to
	// MintBurst; RoomMintRate and RoomMintBurst the same per room.
	// Negative rates: no limit.
	MintRate      float64
	MintBurst     int
	RoomMintRate  float64
	RoomMintBurst int
	// AddressPostRate is questions and comments per minute per client
	// address in one room, all its participants together (staff not
	// counted), up to AddressPostBurst at once; negative: no limit.
	AddressPostRate  float64
	AddressPostBurst int
	ShutdownTimeout  time.Duration
	// BodyTimeout bounds reading an HTTP API request's body.
	BodyTimeout time.Duration
	RoomInbox   int
	HeldEvents  int
	// Presence sums connections over instances; nil: this instance only.
	Presence Presence
	// TrustedProxies are the proxies whose forwarded headers are believed
	// (client address, host and scheme); empty: none.
	TrustedProxies TrustedProxies
	// SharedLimits, when set, keeps the per-address and per-room join,
	// new-participant, post and room-creation limits in Redis, shared by every
	// instance on it; nil: each instance keeps its own (N instances then
	// allow N times the figures).
	SharedLimits redis.UniversalClient
	// AllowedOrigins are host patterns (path.Match syntax, e.g.
	// "*.example.com") whose pages may open WebSockets. Same-origin pages and
	// clients that send no Origin are always allowed.
	AllowedOrigins []string
	// EmbedOrigins are origins (e.g. "https://event.example") whose pages
	// may frame the screen page (the CSP's frame-ancestors); empty: none.
	EmbedOrigins []string
	// SeparateMetrics leaves /metrics off the router, for an operator who
	// serves it on an address of its own (-metrics-addr).
	SeparateMetrics bool
	// PublicURL is the absolute base address the audience reaches this
	// server at (scheme, host, optional path prefix, e.g.
	// "https://events.example.com"), used for the room's QR code. Empty: each
	// request's X-Forwarded-Proto/X-Forwarded-Host or Host.
	PublicURL string
}

func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.FlushInterval, DefaultFlushInterval)
	def(&c.MaxFlushInterval, DefaultMaxFlushInterval)
	c.MaxFlushInterval = max(c.MaxFlushInterval, c.FlushInterval)
	def(&c.CounterDelay, DefaultCounterDelay)
	def(&c.HelloTimeout, DefaultHelloTimeout)
	def(&c.PingInterval, DefaultPingInterval)
	def(&c.PongTimeout, DefaultPongTimeout)
	def(&c.ShutdownTimeout, DefaultShutdownTimeout)
	def(&c.BodyTimeout, DefaultBodyTimeout)
	defInt(&c.MaxQueueBytes, DefaultMaxQueueBytes)
	defInt(&c.MaxConnsPerIP, DefaultMaxConnsPerIP)
	defInt(&c.MaxConns, DefaultMaxConns)
	defInt(&c.RoomCreateBurst, DefaultRoomCreateBurst)
	defInt(&c.FailedJoinBurst, DefaultFailedJoinBurst)
	defInt(&c.MintBurst, DefaultMintBurst)
	defInt(&c.RoomMintBurst, DefaultRoomMintBurst)
	defInt(&c.AddressPostBurst, DefaultAddressPostBurst)
	defRate := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	defRate(&c.RoomCreateRate, DefaultRoomCreateRate)
	defRate(&c.FailedJoinRate, DefaultFailedJoinRate)
	defRate(&c.MintRate, DefaultMintRate)
	defRate(&c.RoomMintRate, DefaultRoomMintRate)
	defRate(&c.AddressPostRate, DefaultAddressPostRate)
	defInt(&c.RoomInbox, DefaultRoomInbox)
	defInt(&c.HeldEvents, DefaultHeldEvents)
	return c
}
