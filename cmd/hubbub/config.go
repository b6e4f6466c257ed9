package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hubbubhq/hubbub/hub"
	"github.com/hubbubhq/hubbub/rooms"
)

// config is everything the binary reads from flags and the environment.
type config struct {
	addr      string
	pprofAddr string
	// metricsAddr, when set, serves /metrics there instead of on addr.
	metricsAddr string
	embed       string // -embed-origins, comma-separated
	proxies     string // -trusted-proxies, comma-separated
	// restored: the -data directory was restored from a backup; every room
	// starts a new epoch.
	restored  bool
	fwdHeader string // -forwarded-header
	// idleTimeout closes keep-alive HTTP connections idle that long.
	idleTimeout time.Duration
	// headerTimeout bounds reading a request's headers (a WebSocket
	// upgrade's too): a client that trickles them is cut off.
	headerTimeout time.Duration
	// maxHTTPConnsPerIP caps the TCP connections one address holds.
	maxHTTPConnsPerIP int
	logLevel          string
	secret            string
	dataDir           string
	secretFile        string
	// secretInArgs: -secret was given on the command line, where every
	// user of the machine reads it in ps.
	secretInArgs bool
	origins      string
	// redisURL, when set, keeps rooms in Redis and runs many instances.
	redisURL     string
	redisTimeout time.Duration
	instanceID   string
	// wordFilter is the -word-filter argument: a word list file, "none",
	// or empty for the built-in lists.
	wordFilter string
	hub        hub.Config
	rooms      rooms.Config
	// caps and idleExpiry configure the room log store: what one room
	// holds, and how long an open room may stay idle.
	caps       rooms.RoomCaps
	idleExpiry time.Duration
}

// defaultAddr is where `make run` serves.
const defaultAddr = ":8080"

// defaultIdleTimeout closes idle keep-alive HTTP connections: 300 idle ones
// held 300 goroutines and descriptors for ever without it.
const defaultIdleTimeout = 60 * time.Second

// defaultHeaderTimeout is ample for a phone on bad Wi-Fi to send a few
// hundred bytes of headers, and short enough that trickled headers hold a
// descriptor only briefly.
const defaultHeaderTimeout = 10 * time.Second

// defaultRedisTimeout bounds connecting to Redis and each command's reads
// and writes: a Redis outage gives errors, not hung requests.
const defaultRedisTimeout = 3 * time.Second

// defaultInstanceID names this process among the instances sharing a Redis.
func defaultInstanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "hubbub"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// parseConfig reads flags from args; every flag -some-name can also be set
// with the environment variable HUBBUB_SOME_NAME (a flag on the command line wins).
func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("hubbub", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", defaultAddr, "address to serve HTTP and WebSocket on")
	fs.DurationVar(&c.idleTimeout, "http-idle-timeout", defaultIdleTimeout, "close keep-alive HTTP connections idle this long")
	fs.DurationVar(&c.headerTimeout, "http-header-timeout", defaultHeaderTimeout, "most time to read an HTTP request's headers (WebSocket upgrades too); a slower client is cut off")
	fs.IntVar(&c.maxHTTPConnsPerIP, "max-http-conns-per-ip", hub.DefaultMaxHTTPConnsPerIP, "TCP connections (HTTP and WebSocket) one client address may hold at once; past it a connection gets 429 and is closed (trusted proxies are not counted; 0: no cap)")
	fs.DurationVar(&c.hub.BodyTimeout, "http-body-timeout", hub.DefaultBodyTimeout, "most time to read an HTTP request's body; a slower client is cut off")
	fs.StringVar(&c.proxies, "trusted-proxies", "", "comma-separated CIDRs or addresses of the proxies in front of the server, e.g. '10.0.0.0/8': only their forwarded client address (see -forwarded-header; per-address limits) and X-Forwarded-Host/Proto (join address, QR code) are believed")
	fs.BoolVar(&c.restored, "restored", false, "the -data directory was just restored from a backup: every room starts a new epoch, so clients that saw events after the copy get a fresh snapshot (use once, at the first start after the restore)")
	fs.StringVar(&c.fwdHeader, "forwarded-header", hub.HeaderXForwardedFor, "the one header the trusted proxies write the client address in: x-forwarded-for or forwarded (RFC 7239); the other is never read, since a proxy passes on whatever a client wrote in it")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "if set, serve /metrics on this address only (e.g. 127.0.0.1:9090), not on -addr")
	fs.StringVar(&c.embed, "embed-origins", "", "comma-separated origins whose pages may frame the screen page, e.g. 'https://event.example' (OBS browser sources need none: they are not framed)")
	fs.StringVar(&c.pprofAddr, "pprof-addr", "", "if set, serve Go's /debug/pprof/ profiles on this address (keep it private, e.g. 127.0.0.1:6060)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.secretFile, "secret-file", "", "file holding the secret that signs participant tokens (see -secret); keeps it out of ps and shell history")
	fs.StringVar(&c.secret, "secret", "", "secret that signs participant tokens; instances sharing it accept each other's tokens (default: with -redis, one shared by every instance, kept in Redis under hubbub:secret; else random at start)")
	fs.StringVar(&c.dataDir, "data", "data", "directory where a server without -redis keeps its rooms (one file, rooms.db, written with group commits) and, without -secret, its token secret; \"\": keep rooms in memory only, lost at exit")
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL (redis://[user:password@]host:port/db, rediss:// for TLS): keep rooms in Redis so that many instances serve them; empty: memory, one instance")
	fs.DurationVar(&c.redisTimeout, "redis-timeout", defaultRedisTimeout, "time to connect to Redis, and to read or write one command, before the request fails")
	fs.StringVar(&c.instanceID, "instance-id", defaultInstanceID(), "this instance's name among those sharing a Redis (unique; used for presence)")
	fs.StringVar(&c.hub.PublicURL, "public-url", "", "absolute address the audience reaches this server at, e.g. 'https://events.example.com' (a path prefix is allowed), used in the rooms' QR codes; empty: each request's X-Forwarded-Proto/X-Forwarded-Host or Host")
	fs.StringVar(&c.origins, "allowed-origins", "", "comma-separated host patterns of other origins whose pages may connect, e.g. '*.example.com' (same origin is always allowed)")

	fs.DurationVar(&c.hub.FlushInterval, "flush-interval", hub.DefaultFlushInterval, "least time between two frames to one client; a quiet client is written at once")
	fs.DurationVar(&c.hub.MaxFlushInterval, "max-flush-interval", hub.DefaultMaxFlushInterval, "longest the flush interval stretches to while the writers fall behind (more events per frame, fewer frames); at most -flush-interval: never stretched")
	fs.DurationVar(&c.hub.CounterDelay, "counter-delay", hub.DefaultCounterDelay, "least time between a client's last frame and one carrying only coalesced counters (reactions, presence), which wait that long to ride along with other events")
	fs.IntVar(&c.hub.MaxQueueBytes, "max-queue-bytes", hub.DefaultMaxQueueBytes, "bytes of unsent events per client before it is closed with 4008")
	fs.DurationVar(&c.hub.HelloTimeout, "hello-timeout", hub.DefaultHelloTimeout, "time a new connection has to send hello (else 4000)")
	fs.DurationVar(&c.hub.PingInterval, "ping-interval", hub.DefaultPingInterval, "silence after which the server pings a client")
	fs.DurationVar(&c.hub.PongTimeout, "pong-timeout", hub.DefaultPongTimeout, "time a pinged client has to answer before it is dropped")
	fs.IntVar(&c.hub.MaxConnsPerIP, "max-conns-per-ip", hub.DefaultMaxConnsPerIP, "connections per client address (4029 past it)")
	fs.IntVar(&c.hub.MaxConns, "max-conns", hub.DefaultMaxConns, "connections per instance (4029 past it)")
	fs.Float64Var(&c.hub.RoomCreateRate, "room-create-rate", hub.DefaultRoomCreateRate, "rooms per minute one client address may create (negative: no limit)")
	fs.IntVar(&c.hub.RoomCreateBurst, "room-create-burst", hub.DefaultRoomCreateBurst, "rooms one client address may create at once")
	fs.Float64Var(&c.hub.FailedJoinRate, "failed-join-rate", hub.DefaultFailedJoinRate, "joins to unknown rooms per minute per client address before its joins without a token wait (negative: no limit)")
	fs.IntVar(&c.hub.FailedJoinBurst, "failed-join-burst", hub.DefaultFailedJoinBurst, "joins to unknown rooms one client address may make at once")
	fs.Float64Var(&c.hub.MintRate, "new-participant-rate", hub.DefaultMintRate, "new participants (hello without a token) per minute per client address (negative: no limit)")
	fs.IntVar(&c.hub.MintBurst, "new-participant-burst", hub.DefaultMintBurst, "new participants one client address may add at once")
	fs.Float64Var(&c.hub.RoomMintRate, "room-new-participant-rate", hub.DefaultRoomMintRate, "new participants per minute per room over all addresses (negative: no limit)")
	fs.IntVar(&c.hub.RoomMintBurst, "room-new-participant-burst", hub.DefaultRoomMintBurst, "new participants one room may take at once")
	fs.Float64Var(&c.hub.AddressPostRate, "address-post-rate", hub.DefaultAddressPostRate, "questions and comments per minute per client address in one room, everyone behind it together (negative: no limit)")
	fs.IntVar(&c.hub.AddressPostBurst, "address-post-burst", hub.DefaultAddressPostBurst, "questions and comments one client address may post at once in one room")
	fs.DurationVar(&c.hub.ShutdownTimeout, "shutdown-timeout", hub.DefaultShutdownTimeout, "time graceful shutdown waits for clients to close")
	fs.IntVar(&c.hub.RoomInbox, "room-inbox", hub.DefaultRoomInbox, "events waiting for one room's fan-out before they are dropped and refetched")

	fs.IntVar(&c.rooms.RetainedEvents, "retained-events", rooms.DefaultRetainedEvents, "durable events kept per room for resume (in memory, or in each room's Redis stream); older clients get a snapshot")
	fs.IntVar(&c.rooms.SnapshotComments, "snapshot-comments", rooms.DefaultSnapshotComments, "newest comments a snapshot carries")
	fs.Float64Var(&c.rooms.CommentRate, "comment-rate", rooms.DefaultCommentRate, "comments per second per participant")
	fs.IntVar(&c.rooms.CommentBurst, "comment-burst", rooms.DefaultCommentBurst, "comment burst per participant")
	fs.Float64Var(&c.rooms.CommandRate, "command-rate", rooms.DefaultCommandRate, "commands (all but react) per second per audience participant")
	fs.IntVar(&c.rooms.CommandBurst, "command-burst", rooms.DefaultCommandBurst, "command burst per audience participant")
	fs.Float64Var(&c.rooms.ReactRate, "react-rate", rooms.DefaultReactRate, "reactions per second per participant (excess dropped silently)")
	fs.IntVar(&c.rooms.ReactBurst, "react-burst", rooms.DefaultReactBurst, "reaction burst per participant")
	fs.Float64Var(&c.rooms.AskRate, "ask-rate", rooms.DefaultAskRate, "questions per second per participant (default 3 per minute)")
	fs.IntVar(&c.rooms.AskBurst, "ask-burst", rooms.DefaultAskBurst, "question burst per participant")
	fs.Float64Var(&c.rooms.RoomAskRate, "room-ask-rate", rooms.DefaultRoomAskRate, "questions per second per room, the audience together (all instances together: the room's rules count them over its log)")
	fs.IntVar(&c.rooms.RoomAskBurst, "room-ask-burst", rooms.DefaultRoomAskBurst, "question burst per room, the audience together (all instances together)")
	fs.DurationVar(&c.rooms.VoteFlush, "vote-flush", rooms.DefaultVoteFlush, "interval of coalesced votes events per room (at most 4 per second by default)")
	fs.DurationVar(&c.rooms.ResultsFlush, "results-flush", rooms.DefaultResultsFlush, "interval of coalesced poll results events (at most one per poll per interval)")
	fs.StringVar(&c.wordFilter, "word-filter", "", "word list file (one word per line, # comments) that replaces the built-in English and Chinese lists; matched words are masked, or the question held for moderation (room setting filter); 'none': no filter")
	fs.DurationVar(&c.rooms.ReactionFlush, "reaction-flush", rooms.DefaultReactionFlush, "interval of coalesced reactions events per room")
	fs.DurationVar(&c.rooms.TokenTTL, "token-ttl", rooms.DefaultTokenTTL, "how long a participant token unused is accepted; every join renews it")
	fs.DurationVar(&c.rooms.Retention, "retention", rooms.DefaultRetention, "how long a closed room's data is kept before it is deleted (both stores), unless the room's retention_days setting says otherwise")

	fs.IntVar(&c.caps.Questions, "max-questions", rooms.DefaultMaxQuestions, "most questions one room holds (deleted ones do not count); more are refused with room_full")
	fs.IntVar(&c.caps.Comments, "max-comments", rooms.DefaultMaxComments, "most comments one room holds; more are refused with room_full")
	fs.IntVar(&c.caps.Polls, "max-polls", rooms.DefaultMaxPolls, "most polls one room holds; more are refused with room_full")
	fs.DurationVar(&c.idleExpiry, "room-idle-expiry", rooms.DefaultIdleExpiry, "an open room with no activity for this long is deleted (the console warns a week before); 0: never")

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := applyEnv(fs, getenv); err != nil {
		return c, err
	}
	if c.redisTimeout <= 0 {
		return c, fmt.Errorf("-redis-timeout must be positive")
	}
	if c.headerTimeout <= 0 || c.idleTimeout <= 0 {
		// net/http takes 0 for "no timeout": a trickling or idle client
		// would hold its connection for ever.
		return c, fmt.Errorf("-http-header-timeout and -http-idle-timeout must be positive")
	}
	if c.instanceID == "" {
		return c, fmt.Errorf("-instance-id must not be empty")
	}
	if c.rooms.Retention <= 0 {
		return c, fmt.Errorf("-retention must be positive")
	}
	if c.caps.Questions <= 0 || c.caps.Comments <= 0 || c.caps.Polls <= 0 {
		return c, fmt.Errorf("-max-questions, -max-comments and -max-polls must be positive")
	}
	if c.idleExpiry < 0 || (c.idleExpiry > 0 && c.idleExpiry < time.Hour) {
		return c, fmt.Errorf("-room-idle-expiry must be 0 (never) or at least 1h")
	}
	if c.hub.FlushInterval < time.Millisecond {
		return c, fmt.Errorf("-flush-interval must be at least 1ms")
	}
	if err := checkPublicURL(c.hub.PublicURL); err != nil {
		return c, err
	}
	for _, a := range args {
		if a == "-secret" || a == "--secret" || strings.HasPrefix(a, "-secret=") || strings.HasPrefix(a, "--secret=") {
			c.secretInArgs = true
		}
	}
	if c.rooms.RetainedEvents > rooms.MaxRetainedEvents {
		return c, fmt.Errorf("-retained-events is at most %d", rooms.MaxRetainedEvents)
	}
	if c.secretFile != "" {
		if c.secret != "" {
			return c, errors.New("-secret and -secret-file: give one")
		}
		b, err := os.ReadFile(c.secretFile)
		if err != nil {
			return c, fmt.Errorf("-secret-file: %v", err)
		}
		c.secret = strings.TrimSpace(string(b))
	}
	if c.secret != "" {
		if err := checkSecret(c.secret); err != nil {
			return c, err
		}
	}
	c.rooms.Secret = []byte(c.secret)
	wf, err := loadWordFilter(c.wordFilter)
	if err != nil {
		return c, err
	}
	c.rooms.WordFilter = wf
	for _, o := range strings.Split(c.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.hub.AllowedOrigins = append(c.hub.AllowedOrigins, o)
		}
	}
	if c.hub.TrustedProxies, err = hub.ParseTrustedProxies(c.proxies, c.fwdHeader); err != nil {
		return c, fmt.Errorf("-trusted-proxies / -forwarded-header: %v", err)
	}
	for _, o := range strings.Split(c.embed, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		} else if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" && u.Path != "/" {
			return c, fmt.Errorf("-embed-origins: %q is not an origin like https://event.example", o)
		}
		c.hub.EmbedOrigins = append(c.hub.EmbedOrigins, strings.TrimSuffix(o, "/"))
	}
	return c, nil
}

// loadWordFilter returns the word filter of -word-filter: nil (the
// built-in lists) for "", an empty filter for "none", else the file's.
func loadWordFilter(arg string) (*rooms.WordFilter, error) {
	switch arg {
	case "":
		return nil, nil
	case "none":
		return rooms.NewWordFilter(nil), nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, fmt.Errorf("-word-filter: %w", err)
	}
	defer f.Close()
	wf, err := rooms.ParseWordFilter(f)
	if err != nil {
		return nil, fmt.Errorf("-word-filter %s: %w", arg, err)
	}
	return wf, nil
}

// checkPublicURL accepts "" or an absolute http(s) URL with a host and
// neither query nor fragment.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("-public-url %q must be an absolute http or https address without query or fragment, e.g. https://events.example.com", s)
	}
	return nil
}

// applyEnv sets every flag not given on the command line from its
// HUBBUB_* environment variable, when that is set.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

// envName is the environment variable of a flag: -flush-interval → HUBBUB_FLUSH_INTERVAL.
func envName(flagName string) string {
	return "HUBBUB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// MinSecretBytes is the least random material a token-signing secret must
// carry: a weaker one was brute-forced from a single token and used to forge
// another participant's.
const MinSecretBytes = 32

// checkSecret refuses a secret weaker than MinSecretBytes random bytes: it
// must decode (as hex or base64) to at least that many bytes, or be that
// many bytes as it is, and not be a few characters repeated.
func checkSecret(s string) error {
	material := []byte(s)
	if b, err := hex.DecodeString(s); err == nil {
		material = b
	} else if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		material = b
	} else if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		material = b
	}
	distinct := map[byte]bool{}
	for _, c := range material {
		distinct[c] = true
	}
	if len(material) < MinSecretBytes || len(distinct) < MinSecretBytes/2 {
		return fmt.Errorf("the token secret is too weak: it needs %d random bytes; make one with `head -c %d /dev/urandom | base64` and pass it with -secret-file (or HUBBUB_SECRET), not on the command line", MinSecretBytes, MinSecretBytes)
	}
	return nil
}
