// Package loadtest is hubbub's load-test harness: it opens thousands of real
// WebSocket clients against one or several hubbub instances, drives comments
// and reactions at set rates, and reports latency, throughput and loss.
//
// # How it measures
//
// Every comment's text carries its publish time ("lt <unixnano> <publisher>
// <n>"); each receiving client reads it back on the same clock, so delivery
// latency is end to end: command write, server apply, fan-out, and read.
// Latencies go into HdrHistograms, one per group of reader goroutines
// (a shard), merged once per second into the timeline and the total.
//
// Loss is counted on the room's durable seq: from its first welcome at seq W
// a client must see W+1, W+2, ... exactly once and in order, including
// across resumes after 1001/1012/4008 closes (the client reconnects with
// since = its last seq). Gaps that never fill are lost; a seq seen twice is a
// duplicate; one that arrives after a later one is out of order. The room's
// final seq is the highest the server acknowledged or any client received.
//
// Reactions are coalesced by the server, so they are checked in bulk: sent
// minus rate limited against the growth of the room's totals.
//
// Server cost comes from each target's /metrics (Prometheus text), scraped
// before, every second during, at the peak (traffic over, clients still
// connected) and after the run. The harness's own CPU (getrusage) is
// reported per delivery to show it was not the bottleneck.
//
// # Cost on the harness side
//
// One reader goroutine per connection and no writer goroutine: pacers (one
// per room and interaction kind) write commands on the publishers'
// connections. Read loops reuse one buffer per client and scan each event
// line with a small allocation-free scanner (scan.go) instead of decoding
// JSON. Dials go through one dialer that spreads loopback connections over
// many 127.0.x.y source addresses.
//
// # Extending
//
// A new interaction kind (questions, upvotes, votes) is a Driver: a rate,
// a per-client rate, and a function that appends one command.
//
// The entry point is Run; cmd/hubbub-load turns flags into a Scenario.
package loadtest
