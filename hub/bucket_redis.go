package hub

import (
	"context"
	_ "embed"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

//go:embed lua/bucket.lua
var bucketLua string

var bucketScript = redis.NewScript(bucketLua)

// bucketTimeout bounds one bucket check in Redis; past it (or on any Redis
// error) the instance's own buckets decide, so a slow or lost Redis never
// stops joins on its own.
const bucketTimeout = 500 * time.Millisecond

// redisBuckets are buckets kept in Redis, shared by every instance that
// uses the same Redis: N instances allow the limit once, not N times. Keys
// are hubbub:limit:<name>:<key>, each expiring once its bucket is full.
// When Redis fails, local decides.
type redisBuckets struct {
	rdb      redis.UniversalClient
	name     string
	interval time.Duration // one token
	burst    int
	local    *keyLimiter
	log      *zap.Logger
}

// newBuckets returns the buckets of one limit: perMinute tokens a minute up
// to burst per key (perMinute ≤ 0: no limit), in Redis when rdb is not nil.
func newBuckets(rdb redis.UniversalClient, name string, perMinute float64, burst int, log *zap.Logger) buckets {
	local := newKeyLimiter(perMinute, burst)
	if rdb == nil || perMinute <= 0 {
		return local
	}
	interval := max(time.Millisecond, time.Duration(float64(time.Minute)/perMinute))
	return &redisBuckets{rdb: rdb, name: name, interval: interval, burst: burst, local: local, log: log}
}

func (b *redisBuckets) allow(key string) (bool, time.Duration) {
	wait, err := b.run(key, true)
	if err != nil {
		return b.local.allow(key)
	}
	return wait == 0, wait
}

func (b *redisBuckets) exhausted(key string) (bool, time.Duration) {
	wait, err := b.run(key, false)
	if err != nil {
		return b.local.exhausted(key)
	}
	return wait > 0, wait
}

func (b *redisBuckets) run(key string, take bool) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	flag := "0"
	if take {
		flag = "1"
	}
	ms, err := bucketScript.Run(ctx, b.rdb, []string{"hubbub:limit:" + b.name + ":" + key},
		b.interval.Milliseconds(), b.burst, flag).Int64()
	if err != nil {
		b.log.Debug("shared limit unavailable; this instance's own limit decides", zap.String("limit", b.name), zap.Error(err))
		return 0, err
	}
	return time.Duration(ms) * time.Millisecond, nil
}
