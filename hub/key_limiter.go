package hub

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyLimitEntries bounds the keys a keyLimiter remembers; when it is
// reached, keys whose bucket has refilled are forgotten first, and if none
// has, all are (a flood from many addresses then costs each one nothing
// more than a fresh bucket).
const keyLimitEntries = 10000

// keyLimiter is a token bucket per key (a client address, a room code),
// refilled at perMinute tokens a minute up to burst: room creation per
// address, new participants per address and per room, failed joins per
// address. Safe for concurrent use; a perMinute of zero or less allows
// everything.
type keyLimiter struct {
	limit rate.Limit
	burst int

	mu    sync.Mutex
	byKey map[string]*rate.Limiter
	clock func() time.Time
}

func newKeyLimiter(perMinute float64, burst int) *keyLimiter {
	return &keyLimiter{
		limit: rate.Limit(perMinute / 60),
		burst: burst,
		byKey: make(map[string]*rate.Limiter),
		clock: time.Now,
	}
}

// allow takes one token from key's bucket. When it is empty it returns
// false and how long until the next token.
func (l *keyLimiter) allow(key string) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byKey[key]
	if b == nil {
		if len(l.byKey) >= keyLimitEntries {
			l.forget(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.byKey[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// exhausted reports, without taking anything, whether key's bucket is
// empty, and how long until it holds a token again.
func (l *keyLimiter) exhausted(key string) (bool, time.Duration) {
	if l.limit <= 0 {
		return false, 0
	}
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byKey[key]
	if b == nil {
		return false, 0
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		return true, time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
	}
	return false, 0
}

// forget drops the buckets that have refilled (they hold nothing a fresh
// bucket would not), or every bucket when none has. Called with l.mu held.
func (l *keyLimiter) forget(now time.Time) {
	for key, b := range l.byKey {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.byKey, key)
		}
	}
	if len(l.byKey) >= keyLimitEntries {
		clear(l.byKey)
	}
}
