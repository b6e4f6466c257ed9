package hub

import (
	"context"

	"github.com/hubbubhq/hubbub/rooms"
)

// Broker carries each room's events to every instance that has clients in
// the room. Publish must not block; per room, handlers see events in publish
// order (which the stores make seq order for durable events). Delivery is at
// most once: an instance detects a durable gap by seq and fills it from the
// Store, so a Broker may drop under pressure but must count what it drops.
type Broker interface {
	rooms.Publisher
	// Subscribe calls handler for every event of room until the returned
	// function is called. It returns once the subscription is active, so
	// everything published after it returns reaches handler. handler must
	// not block. A second subscription to a room replaces the first, and
	// the first's unsubscribe then does nothing. After the subscription was
	// lost and restored, handler receives an rooms.EventResync event.
	Subscribe(ctx context.Context, room string, handler func(rooms.Event)) (unsubscribe func(), err error)
}
