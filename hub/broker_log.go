package hub

import (
	"context"
	"errors"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// eventEntry is the type under which the entries broker hands over a
// message of a room's entries channel, undecoded (Event.Data).
const eventEntry = "entry"

// LogBroker is the Broker of instances that share each room's log in
// Redis (roomlog.Redis) and keep a replica of it (rooms.LogStore). Events
// do not travel between instances: each instance's replica applies the
// room's entries, announced on the room's entries channel, and makes the
// room's events itself, which go to this instance's clients only.
//
// Subscribe subscribes the room's entries channel, then has the store
// follow the room (catching up with the log), so that every entry after
// the subscription reaches the replica, and its events the handler.
type LogBroker struct {
	local   *MemoryBroker
	entries *RedisBroker
	store   *rooms.LogStore
	log     *zap.Logger
	ctx     context.Context
	cancel  context.CancelFunc
}

// NewLogBroker returns the broker of store, whose log is in rdb and which
// publishes its events on local. Close it after use.
func NewLogBroker(rdb redis.UniversalClient, store *rooms.LogStore, local *MemoryBroker, log *zap.Logger, reg prometheus.Registerer, opts RedisBrokerOptions) *LogBroker {
	opts.Channel = roomlog.EntriesChannel
	opts.Decode = func(payload []byte) (rooms.Event, error) {
		return rooms.Event{Type: eventEntry, Data: payload}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &LogBroker{
		local: local, entries: NewRedisBroker(rdb, log, reg, opts),
		store: store, log: log, ctx: ctx, cancel: cancel,
	}
}

// Close ends the subscriptions.
func (b *LogBroker) Close() error {
	b.cancel()
	return b.entries.Close()
}

// Publish implements rooms.Publisher: to this instance's clients. (The
// events every instance must see come from every instance's replica.)
func (b *LogBroker) Publish(room string, ev rooms.Event) { b.local.Publish(room, ev) }

// Subscribe implements Broker.
func (b *LogBroker) Subscribe(ctx context.Context, room string, handler func(rooms.Event)) (func(), error) {
	unsubLocal, err := b.local.Subscribe(ctx, room, handler)
	if err != nil {
		return nil, err
	}
	unsubEntries, err := b.entries.Subscribe(ctx, room, func(ev rooms.Event) { b.follow(room, ev) })
	if err != nil {
		unsubLocal()
		return nil, err
	}
	if err := b.store.Follow(ctx, room); err != nil && !errors.Is(err, rooms.ErrRoomNotFound) {
		unsubEntries()
		unsubLocal()
		return nil, err
	}
	return func() {
		unsubEntries()
		unsubLocal()
		b.store.Unfollow(room)
	}, nil
}

// follow hands one message of the room's entries channel to the store: an
// entry to apply, or, after the subscription was lost and restored, the
// order to catch up with the log.
func (b *LogBroker) follow(room string, ev rooms.Event) {
	var err error
	switch ev.Type {
	case rooms.EventResync:
		err = b.store.CatchUp(b.ctx, room)
	case eventEntry:
		if string(ev.Data) == roomlog.DeletedAnnouncement {
			b.store.Forget(room)
			b.local.Publish(room, rooms.Event{Type: rooms.EventRoomDeleted})
			return
		}
		var e rooms.Entry
		if e, err = roomlog.DecodePublished(ev.Data); err != nil {
			b.log.Warn("malformed log entry announcement dropped", zap.String("room", room), zap.Error(err))
			return
		}
		err = b.store.Receive(b.ctx, room, e)
	default:
		return
	}
	switch {
	case err == nil:
	case errors.Is(err, rooms.ErrNewerRules):
		b.local.Publish(room, rooms.Event{Type: rooms.EventUpgrade})
	case b.ctx.Err() == nil:
		// The next announcement, or the next resync, fills the gap.
		b.log.Warn("room replica behind its log", zap.String("room", room), zap.Error(err))
	}
}
