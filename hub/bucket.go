package hub

import "time"

// buckets are token buckets by key (a client address, a room code) for one
// limit. Implementations: keyLimiter, this instance's own; redisBuckets,
// shared by every instance on one Redis. Safe for concurrent use.
type buckets interface {
	// allow takes one token from key's bucket. When it is empty it returns
	// false and how long until the next token.
	allow(key string) (bool, time.Duration)
	// exhausted reports, without taking anything, whether key's bucket is
	// empty, and how long until it holds a token again.
	exhausted(key string) (bool, time.Duration)
}

// postAllowance gives the Service a client address's allowance of posts
// in a room (rooms.PostAllowance) from buckets keyed by the address's hash
// in that room.
type postAllowance struct{ buckets }

func (p postAllowance) Allow(key string) (bool, time.Duration) { return p.allow(key) }
