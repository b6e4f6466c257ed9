package hub

import (
	"context"
	_ "embed"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPresenceTTL is how long an instance's reported count stays valid:
// three report intervals, so one late report does not drop it, and a crashed
// instance stops counting within seconds.
const DefaultPresenceTTL = 3 * presenceInterval

//go:embed lua/presence.lua
var presenceLua string

var presenceScript = redis.NewScript(presenceLua)

// RedisPresence sums each room's connections over instances in Redis: every
// instance keeps its count in the room's hash {room:CODE}:presence (field:
// instance id, value: "count expiryUnixMs" on Redis's clock). Counts past
// their expiry are left out of the sum and deleted. It is safe for
// concurrent use.
type RedisPresence struct {
	rdb      redis.UniversalClient
	instance string
	ttl      time.Duration
}

// NewRedisPresence returns the presence of the instance named instanceID
// (unique among the instances sharing rdb); ttl ≤ 0 takes DefaultPresenceTTL.
func NewRedisPresence(rdb redis.UniversalClient, instanceID string, ttl time.Duration) *RedisPresence {
	if ttl <= 0 {
		ttl = DefaultPresenceTTL
	}
	return &RedisPresence{rdb: rdb, instance: instanceID, ttl: ttl}
}

// RedisPresenceKey is the hash holding a room's counts per instance.
func RedisPresenceKey(room string) string { return "{room:" + room + "}:presence" }

// Report implements Presence: it writes this instance's count of every room
// in local and reads every room's total, in one pipeline.
func (p *RedisPresence) Report(ctx context.Context, local map[string]int) (map[string]int, error) {
	codes := make([]string, 0, len(local))
	for code := range local {
		codes = append(codes, code)
	}
	args := func(code string) []any {
		return []any{p.instance, strconv.Itoa(local[code]), p.ttl.Milliseconds()}
	}
	return p.run(ctx, codes, args)
}

// Count implements Presence.
func (p *RedisPresence) Count(ctx context.Context, room string) (int, error) {
	totals, err := p.run(ctx, []string{room}, func(string) []any {
		return []any{p.instance, "", p.ttl.Milliseconds()}
	})
	return totals[room], err
}

// run runs the presence script for every room in one pipeline, loading the
// script first when Redis does not have it (after a restart).
func (p *RedisPresence) run(ctx context.Context, codes []string, args func(string) []any) (map[string]int, error) {
	if len(codes) == 0 {
		return map[string]int{}, nil
	}
	for attempt := 0; ; attempt++ {
		cmds := make([]*redis.Cmd, len(codes))
		_, err := p.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i, code := range codes {
				cmds[i] = presenceScript.EvalSha(ctx, pipe, []string{RedisPresenceKey(code)}, args(code)...)
			}
			return nil
		})
		if err != nil && attempt == 0 && redis.HasErrorPrefix(err, "NOSCRIPT") {
			if err := presenceScript.Load(ctx, p.rdb).Err(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		totals := make(map[string]int, len(codes))
		for i, code := range codes {
			n, err := cmds[i].Int()
			if err != nil {
				return nil, errors.Join(errors.New("presence script"), err)
			}
			totals[code] = n
		}
		return totals, nil
	}
}
