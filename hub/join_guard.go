package hub

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// Failed-join and new-participant refusal reasons, as label values.
const (
	reasonUnknownRoom = "unknown_room"
	reasonThrottled   = "throttled"
	limitAddress      = "address"
	limitRoom         = "room"
)

// joinGuard makes guessing room codes and minting identities expensive:
// joins to rooms that do not exist are counted per client address, and
// once an address has used up its failed joins, every join from it that
// does not carry a token waits, valid code or not (so the answer tells a
// guesser nothing). New participants are counted per address and per room.
// Safe for concurrent use.
type joinGuard struct {
	failed      buckets // failed joins per address
	mintsByAddr buckets // new participants per address
	mintsByRoom buckets // new participants per room
	metrics     *Metrics
}

// newJoinGuard returns the guard of cfg's limits, shared by every instance
// through cfg.SharedLimits when it is set.
func newJoinGuard(cfg Config, m *Metrics, log *zap.Logger) *joinGuard {
	return &joinGuard{
		failed:      newBuckets(cfg.SharedLimits, "failed-join", cfg.FailedJoinRate, cfg.FailedJoinBurst, log),
		mintsByAddr: newBuckets(cfg.SharedLimits, "new-participant", cfg.MintRate, cfg.MintBurst, log),
		mintsByRoom: newBuckets(cfg.SharedLimits, "room-new-participant", cfg.RoomMintRate, cfg.RoomMintBurst, log),
		metrics:     m,
	}
}

// admit checks a join from addr to room (a hello, or a room lookup when
// minting is false) before the room is looked up. It returns a rate_limited
// refusal, with how long to wait, when the address has used up its failed
// joins (joins with a valid token pass: they cannot be guesses), or when
// minting a participant would pass the address's or the room's limit.
func (g *joinGuard) admit(addr, room string, hasToken, minting bool) *rooms.Error {
	if !hasToken {
		if exhausted, wait := g.failed.exhausted(addr); exhausted {
			g.metrics.failedJoins.WithLabelValues(reasonThrottled).Inc()
			return waitError("too many joins to unknown rooms from your network", wait)
		}
	}
	if !minting {
		return nil
	}
	if ok, wait := g.mintsByAddr.allow(addr); !ok {
		g.metrics.mintsRefused.WithLabelValues(limitAddress).Inc()
		return waitError("too many new participants from your network", wait)
	}
	if ok, wait := g.mintsByRoom.allow(strings.ToUpper(room)); !ok {
		g.metrics.mintsRefused.WithLabelValues(limitRoom).Inc()
		return waitError("too many new participants joining this room", wait)
	}
	return nil
}

// joined records the outcome of a join from addr: a room that does not
// exist (or a code that cannot be one) costs one failed join.
func (g *joinGuard) joined(addr string, err error) {
	if errors.Is(err, rooms.ErrRoomNotFound) || errors.Is(err, rooms.ErrBadHello) {
		g.failed.allow(addr)
		g.metrics.failedJoins.WithLabelValues(reasonUnknownRoom).Inc()
	}
}

func waitError(what string, wait time.Duration) *rooms.Error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &rooms.Error{Code: rooms.CodeRateLimited, Message: fmt.Sprintf("%s; try again in %d s", what, secs)}
}
