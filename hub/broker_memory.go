package hub

import (
	"context"
	"sync"

	"github.com/hubbubhq/hubbub/rooms"
)

// MemoryBroker is the Broker of a single instance: Publish calls the room's
// handler directly. It is safe for concurrent use; use NewMemoryBroker.
type MemoryBroker struct {
	mu   sync.RWMutex
	subs map[string]*memorySubscription
}

type memorySubscription struct{ handler func(rooms.Event) }

// NewMemoryBroker returns a broker with no subscriptions.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{subs: make(map[string]*memorySubscription)}
}

// Publish implements rooms.Publisher. Events of rooms nobody subscribed to
// are discarded: there is nobody to deliver them to.
func (b *MemoryBroker) Publish(room string, ev rooms.Event) {
	b.mu.RLock()
	sub := b.subs[room]
	b.mu.RUnlock()
	if sub != nil {
		sub.handler(ev)
	}
}

// Subscribe implements Broker; it is active at once and never fails.
func (b *MemoryBroker) Subscribe(_ context.Context, room string, handler func(rooms.Event)) (func(), error) {
	sub := &memorySubscription{handler: handler}
	b.mu.Lock()
	b.subs[room] = sub
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		if b.subs[room] == sub {
			delete(b.subs, room)
		}
		b.mu.Unlock()
	}, nil
}
