// Package rooms is what happens in a room: its settings, roles, comments,
// reactions and bans (Q&A and polls follow), the wire types of the protocol,
// participant tokens, and the Store that keeps a room's state and its ordered
// event log.
//
// The network side lives in package hub: it decodes a client's frame into a
// Command and calls Service.Handle. The Service validates the command against
// the room's rules and the actor's role and applies it to the Store, which
// performs the state change, assigns the room's next seq and appends the event
// to the room's bounded log atomically, and publishes the event on the room's
// channel so that publish order is seq order.
//
// The rules are moving to one place (docs/architecture.md): a room as a
// deterministic state machine (Machine, machine*.go) over an ordered Log
// (log.go; implementations in package roomlog), kept by a Replica on every
// instance that serves the room (replica.go). The Store path above serves
// rooms until the Service runs on replicas.
//
// Every exported method of Service, of the Store implementations and of
// Replica is safe for concurrent use; a Machine is used under its
// replica's lock.
package rooms
