package rooms

// RedisChannel is the pub/sub channel on which the Redis store publishes the
// room's events as envelopes (EncodeEnvelope), in seq order. It shares the
// room's hash tag so that, with sharded pub/sub on Redis Cluster, it lives
// on the room's slot.
func RedisChannel(code string) string { return "{room:" + code + "}:events" }
