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
// Every exported method of Service and of the Store implementations is safe
// for concurrent use.
package rooms
