package rooms

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters holds the per-participant rate limiters of every room, so that a
// participant's limits hold across all its connections on this instance.
// Limiters unused for limiterIdle are dropped by sweep.
type limiters struct {
	cfg Config

	mu    sync.Mutex
	all   map[string]*participantLimits // room "|" participant
	rooms map[string]*roomLimits        // room
}

// roomLimits are a room's limits on everyone in it together: many fresh
// identities cannot flood a room by each staying under its own limits.
type roomLimits struct {
	ask      *rate.Limiter
	lastUsed time.Time
}

// room returns the room-wide limiters of room, creating them at first use.
func (l *limiters) room(room string, now time.Time) *roomLimits {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.rooms[room]
	if r == nil {
		r = &roomLimits{ask: rate.NewLimiter(rate.Limit(l.cfg.RoomAskRate), l.cfg.RoomAskBurst)}
		l.rooms[room] = r
	}
	r.lastUsed = now
	return r
}

type participantLimits struct {
	comment *rate.Limiter
	react   *rate.Limiter
	ask     *rate.Limiter
	command *rate.Limiter
	// reactAllowedUntil: until then the participant may react without the
	// store being asked again (see Service.react).
	reactAllowedUntil time.Time
	lastUsed          time.Time
}

func newLimiters(cfg Config) *limiters {
	return &limiters{cfg: cfg, all: make(map[string]*participantLimits), rooms: make(map[string]*roomLimits)}
}

// get returns the limiters of participant in room, creating them at first use.
func (l *limiters) get(room, participant string, now time.Time) *participantLimits {
	key := room + "|" + participant
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.all[key]
	if p == nil {
		p = &participantLimits{
			comment: rate.NewLimiter(rate.Limit(l.cfg.CommentRate), l.cfg.CommentBurst),
			react:   rate.NewLimiter(rate.Limit(l.cfg.ReactRate), l.cfg.ReactBurst),
			ask:     rate.NewLimiter(rate.Limit(l.cfg.AskRate), l.cfg.AskBurst),
			command: rate.NewLimiter(rate.Limit(l.cfg.CommandRate), l.cfg.CommandBurst),
		}
		l.all[key] = p
	}
	p.lastUsed = now
	return p
}

// sweep drops limiters unused since before cutoff.
func (l *limiters) sweep(cutoff time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, p := range l.all {
		if p.lastUsed.Before(cutoff) {
			delete(l.all, k)
		}
	}
	for k, r := range l.rooms {
		if r.lastUsed.Before(cutoff) {
			delete(l.rooms, k)
		}
	}
}

// reactTrusted reports whether p may react at now without asking the store.
func (l *limiters) reactTrusted(p *participantLimits, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return now.Before(p.reactAllowedUntil)
}

// trustReact lets p react without asking the store until the given time.
func (l *limiters) trustReact(p *participantLimits, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p.reactAllowedUntil = until
}

// distrustReactions makes every participant of room ask the store again at
// its next reaction: this instance changed the room's settings or bans.
func (l *limiters) distrustReactions(room string) {
	prefix := room + "|"
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, p := range l.all {
		if strings.HasPrefix(k, prefix) {
			p.reactAllowedUntil = time.Time{}
		}
	}
}
