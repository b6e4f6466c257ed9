// Package rooms is what happens in a room: its settings, roles, Q&A,
// polls and quizzes, comments, reactions and bans, the wire types of the
// protocol, and participant tokens.
//
// The network side lives in package hub: it decodes a client's frame into a
// Command and calls Service.Handle. The Service checks the command (texts,
// word filter, rate limits, roles) and calls its Store. The serving Store is
// the LogStore (store_log*.go): it appends the command as one Record to the
// room's ordered Log (log.go; implementations in package roomlog) and the
// room's Replica (replica.go) applies it, and every entry before it, with
// Machine.Apply (machine*.go): every room rule, written once, as a pure,
// deterministic state machine. The replica publishes each entry's events in
// seq order. The protections a host switches on (a name to post, holding
// newcomers, slow mode), the per-room caps and the bans that hide posts and
// cover addresses are rules of the machine too (machine_guard.go). docs/architecture.md follows one event along this path.
//
// Package storetest tests the LogStore through the Store interface, over
// the memory and the disk log.
//
// Every exported method of Service, of LogStore and of Replica is safe for
// concurrent use; a Machine is used under its
// replica's lock.
package rooms
