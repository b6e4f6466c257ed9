// Command hubbub serves live audience interaction: the WebSocket hub, the
// HTTP API and the browser pages, in one binary. Run with -h for the flags;
// each has an HUBBUB_* environment equivalent.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/hubbubhq/hubbub/hub"
	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
	"github.com/hubbubhq/hubbub/static"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "hubbub:", err)
		os.Exit(2)
	}
	log, err := newLogger(cfg.logLevel)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubbub:", err)
		os.Exit(2)
	}
	defer log.Sync()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("hubbub stopped", zap.Error(err))
		os.Exit(1)
	}
}

// run listens on cfg.addr and serves until ctx ends.
func run(ctx context.Context, cfg config, log *zap.Logger) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if cfg.pprofAddr != "" {
		stopPprof, err := servePprof(cfg.pprofAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopPprof()
	}
	return serve(ctx, cfg, ln, log)
}

// serve serves on ln until ctx ends, then shuts down gracefully: stop
// accepting, close every client with 1012, finish within the shutdown timeout.
func serve(ctx context.Context, cfg config, ln net.Listener, log *zap.Logger) error {
	reg := prometheus.NewRegistry()
	// side is the private listener's mux (-metrics-addr): /metrics, and
	// /backup once an embedded disk log is open.
	side := http.NewServeMux()
	if cfg.metricsAddr != "" {
		side.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		stopMetrics, err := serveSide(cfg.metricsAddr, side, "metrics", log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopMetrics()
		cfg.hub.SeparateMetrics = true
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var (
		store     rooms.Store
		broker    hub.Broker
		storeName = "memory"
		closeAll  = func() {}
	)
	if cfg.secretInArgs {
		log.Warn("-secret on the command line can be read by anyone on this machine (ps); use -secret-file or HUBBUB_SECRET")
	}
	if cfg.redisURL == "" {
		roomLog, closeLog, err := openDataLog(cfg.dataDir)
		if err != nil {
			ln.Close()
			return err
		}
		switch {
		case len(cfg.rooms.Secret) > 0:
		case cfg.dataDir == "":
			log.Warn("no -secret and no -data: participant tokens will not survive a restart or work on other instances")
		default:
			if cfg.rooms.Secret, err = dataSecret(cfg.dataDir); err != nil {
				closeLog()
				ln.Close()
				return fmt.Errorf("the token secret in -data: %w", err)
			}
		}
		disk, isDisk := roomLog.(*roomlog.Disk)
		if isDisk && cfg.metricsAddr != "" {
			side.Handle("GET /backup", backupHandler(disk, log))
		}
		if cfg.restored {
			if !isDisk {
				closeLog()
				ln.Close()
				return fmt.Errorf("-restored needs the disk log of -data DIR")
			}
			n, err := disk.NewEpochs()
			if err != nil {
				closeLog()
				ln.Close()
				return fmt.Errorf("-restored: %w", err)
			}
			log.Info("restored data directory: every room starts a new epoch", zap.Int("rooms", n))
		}
		mb := hub.NewMemoryBroker()
		store, broker = rooms.NewLogStore(roomLog, mb, rooms.LogStoreOptions{Retained: cfg.rooms.RetainedEvents, Caps: cfg.caps, IdleExpiry: cfg.idleExpiry}), mb
		storeName = "disk " + cfg.dataDir
		if cfg.dataDir == "" {
			storeName = "memory"
		}
		closeAll = func() {
			if err := closeLog(); err != nil {
				log.Warn("closing the room log", zap.Error(err))
			}
		}
	} else {
		rdb, err := newRedisClient(cfg.redisURL, cfg.redisTimeout)
		if err != nil {
			ln.Close()
			return err
		}
		if len(cfg.rooms.Secret) == 0 {
			secret, err := sharedSecret(ctx, rdb, log)
			if err != nil {
				rdb.Close()
				ln.Close()
				return err
			}
			cfg.rooms.Secret = secret
			log.Info("participant tokens signed with the secret shared in Redis", zap.String("key", secretKey))
		} else {
			log.Info("participant tokens signed with -secret")
		}
		warnIfRedisLoses(ctx, rdb, log)
		local := hub.NewMemoryBroker()
		ls := rooms.NewLogStore(roomlog.NewRedis(rdb, roomlog.RedisOptions{}), local, rooms.LogStoreOptions{Retained: cfg.rooms.RetainedEvents, Shared: true, Caps: cfg.caps, IdleExpiry: cfg.idleExpiry})
		lb := hub.NewLogBroker(rdb, ls, local, log, reg, hub.RedisBrokerOptions{})
		store, broker, storeName = ls, lb, "redis"
		cfg.hub.Presence = hub.NewRedisPresence(rdb, cfg.instanceID, 0)
		cfg.hub.SharedLimits = rdb
		closeAll = func() {
			_ = lb.Close()
			_ = rdb.Close()
		}
	}
	defer closeAll()
	svc := rooms.NewService(store, broker, cfg.rooms, log, reg)
	h := hub.New(cfg.hub, svc, broker, log, reg)

	srv := &http.Server{
		Handler:           hub.NewRouter(h, reg, static.Pages),
		ReadHeaderTimeout: cfg.headerTimeout,
		IdleTimeout:       cfg.idleTimeout,
	}
	runCtx, cancelRun := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(runCtx) })
	wg.Go(func() { h.Run(runCtx) })
	serveErr := make(chan error, 1)
	ln = hub.LimitConnsPerIP(ln, cfg.maxHTTPConnsPerIP, cfg.hub.TrustedProxies, reg)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("hubbub serving", zap.String("addr", ln.Addr().String()), zap.String("store", storeName), zap.String("instance", cfg.instanceID),
		zap.String("word_filter", cmp.Or(cfg.wordFilter, "built-in")), zap.Int("filtered_words", cmp.Or(cfg.rooms.WordFilter, rooms.DefaultWordFilter()).Len()))

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.hub.ShutdownTimeout)
	defer cancel()
	// Both at once: srv.Shutdown stops accepting and waits for requests in
	// flight (a slow body among them), while the hub closes every WebSocket
	// with 1012 at once instead of after them.
	var stopping sync.WaitGroup
	stopping.Go(func() { _ = srv.Shutdown(shutdownCtx) })
	if e := h.Shutdown(shutdownCtx); e != nil {
		log.Warn("shutdown timed out", zap.Error(e))
	}
	stopping.Wait()
	cancelRun()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("-log-level: %v", err)
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(lvl)
	zc.Sampling = nil
	return zc.Build()
}
