package hub

import "github.com/hubbubhq/hubbub/rooms"

// Broker carries each room's events to every instance that has clients in
// the room. Publish must not block; per room, handlers see events in publish
// order (which the stores make seq order for durable events). Delivery is at
// most once: an instance detects a durable gap by seq and fills it from the
// Store, so a Broker may drop under pressure but must count what it drops.
type Broker interface {
	rooms.Publisher
	// Subscribe calls handler for every event of room until the returned
	// function is called. handler must not block. One subscription per room
	// per instance.
	Subscribe(room string, handler func(rooms.Event)) (unsubscribe func())
}
