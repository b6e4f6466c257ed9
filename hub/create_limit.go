package hub

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// createLimitEntries bounds the addresses createLimiter remembers; when it
// is reached, addresses whose bucket has refilled are forgotten first, and
// if none has, all are (a flood from many addresses then costs each one
// nothing more than a fresh bucket).
const createLimitEntries = 10000

// createLimiter limits how many rooms one client address creates: a token
// bucket per address, refilled at perMinute rooms a minute up to burst.
// Halls put many people behind one address, but only hosts create rooms, so
// the default still leaves a whole team of hosts room to work. Safe for
// concurrent use; a zero perMinute allows everything.
type createLimiter struct {
	limit rate.Limit
	burst int

	mu    sync.Mutex
	byIP  map[string]*rate.Limiter
	clock func() time.Time
}

func newCreateLimiter(perMinute float64, burst int) *createLimiter {
	return &createLimiter{
		limit: rate.Limit(perMinute / 60),
		burst: burst,
		byIP:  make(map[string]*rate.Limiter),
		clock: time.Now,
	}
}

// allow takes one room from ip's bucket. When it is empty it returns false
// and how long until the next room may be created.
func (l *createLimiter) allow(ip string) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := l.clock()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byIP[ip]
	if b == nil {
		if len(l.byIP) >= createLimitEntries {
			l.forget(now)
		}
		b = rate.NewLimiter(l.limit, l.burst)
		l.byIP[ip] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// forget drops the buckets that have refilled (they hold nothing a fresh
// bucket would not), or every bucket when none has. Called with l.mu held.
func (l *createLimiter) forget(now time.Time) {
	for ip, b := range l.byIP {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.byIP, ip)
		}
	}
	if len(l.byIP) >= createLimitEntries {
		clear(l.byIP)
	}
}
