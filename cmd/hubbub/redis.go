package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// secretKey holds the token-signing secret the instances sharing a Redis
// agree on when no -secret is given.
const secretKey = "hubbub:secret"

// defaultRedisPoolSize is how many connections to Redis one instance keeps
// at most, unless the URL says otherwise (?pool_size=N). go-redis's own
// default, 10 per CPU, is 20 on a 2-core machine: every command (a vote, a
// comment) holds a connection for its round trip, and a poll storm of
// 1,100 ballots/s over two busy instances found all 20 in use for longer
// than the pool timeout, failing votes with `unavailable`. Redis serves
// thousands of connections; more of them here only queue in Redis instead
// of in this process.
const defaultRedisPoolSize = 128

// newRedisClient connects to the Redis of url with timeouts that turn an
// outage into prompt errors. Commands are never retried: a script whose
// reply was lost could otherwise run twice. Without pool_size in the URL
// the pool holds up to defaultRedisPoolSize connections.
func newRedisClient(url string, timeout time.Duration) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = defaultRedisPoolSize
	}
	opts.DialTimeout = timeout
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = -1
	return redis.NewClient(opts), nil
}

// sharedSecret returns the secret every instance sharing rdb signs tokens
// with: the first instance to start stores a random one (SET NX), the
// others read it. It retries while Redis is unreachable, until ctx ends.
func sharedSecret(ctx context.Context, rdb redis.UniversalClient, log *zap.Logger) ([]byte, error) {
	backoff := 100 * time.Millisecond
	for {
		secret, err := loadSecret(ctx, rdb)
		if err == nil {
			return secret, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading the shared secret from Redis: %w", err)
		}
		log.Warn("Redis unreachable at start; retrying", zap.Error(err))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("reading the shared secret from Redis: %w", err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func loadSecret(ctx context.Context, rdb redis.UniversalClient) ([]byte, error) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if err := rdb.SetNX(ctx, secretKey, hex.EncodeToString(b), 0).Err(); err != nil {
		return nil, err
	}
	s, err := rdb.Get(ctx, secretKey).Result()
	if err != nil {
		return nil, err
	}
	if err := checkSecret(s); err != nil {
		return nil, fmt.Errorf("%s in Redis: %w", secretKey, err)
	}
	return []byte(s), nil
}

// warnIfRedisLoses logs, at start, each way the Redis behind rdb would lose
// what the server acknowledged: no append-only file (a restart brings back
// at best the last snapshot), an eviction policy (keys of live rooms can be
// dropped under memory pressure), or no memory bound at all (Redis grows
// until the operating system kills it). Managed Redis services that refuse
// CONFIG are logged as unknown, not failed.
func warnIfRedisLoses(ctx context.Context, rdb redis.UniversalClient, log *zap.Logger) {
	info, err := rdb.Info(ctx, "persistence").Result()
	switch {
	case err != nil:
		log.Info("could not read Redis persistence settings", zap.Error(err))
	case strings.Contains(info, "aof_enabled:0"):
		log.Warn("Redis has no append-only file (appendonly no): a Redis restart loses acknowledged questions, comments and ballots; set appendonly yes (docs/operations.md)")
	}
	cfg, err := rdb.ConfigGet(ctx, "maxmemory*").Result()
	if err != nil {
		log.Info("could not read Redis memory settings (CONFIG refused?)", zap.Error(err))
		return
	}
	if cfg["maxmemory"] == "0" {
		log.Warn("Redis has no maxmemory: it grows until the operating system kills it; set maxmemory with maxmemory-policy noeviction (docs/operations.md)")
	}
	if p := cfg["maxmemory-policy"]; p != "" && p != "noeviction" {
		log.Warn("Redis evicts keys under memory pressure (maxmemory-policy "+p+"): live rooms can lose data; use noeviction (docs/operations.md)", zap.String("policy", p))
	}
}
