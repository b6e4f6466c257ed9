package rooms

import (
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// PostAllowance is what one client address may post (questions and
// comments) in a room, all the participants behind it together: Allow
// takes one post from key's allowance (key: Actor.Addr, which is already
// particular to the room) and, when none is left, returns false and how
// long until there is one. Safe for concurrent use.
type PostAllowance interface {
	Allow(key string) (bool, time.Duration)
}

// addressPosts holds the Service's PostAllowance; empty: no limit.
type addressPosts struct {
	p atomic.Pointer[PostAllowance]
}

// LimitAddressPosts makes every audience question and comment take one post
// from its address's allowance, after the participant's own limits passed
// (one identity alone cannot spend its network's allowance faster than its
// own limits let it). The hub sets it from its per-address limits, shared
// by every instance when they share Redis; until it is set, nothing is
// counted per address.
func (s *Service) LimitAddressPosts(a PostAllowance) {
	s.posts.p.Store(&a)
}

// addressPost takes one post from actor's address allowance. Staff, and
// actors whose address the hub did not give, are not counted.
func (s *Service) addressPost(actor Actor, kind string) error {
	a := s.posts.p.Load()
	if a == nil || actor.Role.Staff() || actor.Addr == "" {
		return nil
	}
	ok, wait := (*a).Allow(actor.Addr)
	if ok {
		return nil
	}
	s.metrics.rateLimited.WithLabelValues(kind).Inc()
	s.metrics.protections.WithLabelValues("address_posts").Inc()
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &Error{Code: CodeRateLimited, RetryAt: s.Now().Add(wait).UnixMilli(),
		Message: fmt.Sprintf("many questions and comments are coming from your network; try again in %d s", secs)}
}
