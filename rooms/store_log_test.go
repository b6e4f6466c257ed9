package rooms_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
	"github.com/hubbubhq/hubbub/rooms/storetest"
)

// TestLogStore runs the Store conformance suite against the LogStore over
// the memory log and the disk log.
func TestLogStore(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, pub rooms.Publisher, retained int) rooms.Store {
			c := new(clockedStore)
			log := rooms.NewMemoryLogWithClock(c.now.Load)
			c.LogStore = rooms.NewLogStore(log, pub, rooms.LogStoreOptions{Retained: retained})
			return c
		})
	})
	t.Run("disk", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, pub rooms.Publisher, retained int) rooms.Store {
			c := new(clockedStore)
			log, err := roomlog.OpenDisk(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { log.Close() })
			// Snapshots every 64 entries: the suite's rooms are small.
			c.LogStore = rooms.NewLogStore(log.WithClock(c.now.Load), pub, rooms.LogStoreOptions{Retained: retained, SnapshotEvery: 64})
			return c
		})
	})
}

// clockedStore is a LogStore whose log's clock is set by the times the
// suite passes in: the log stamps every entry, and the rules take every
// time from the entry, so the suite's times must reach the log's clock.
type clockedStore struct {
	*rooms.LogStore
	now atomic.Int64 // Unix ms
}

func (c *clockedStore) at(ms int64) {
	if ms > 0 {
		c.now.Store(ms)
	}
}

func (c *clockedStore) CreateRoom(ctx context.Context, rec rooms.RoomRecord) error {
	c.at(rec.CreatedAt)
	return c.LogStore.CreateRoom(ctx, rec)
}

func (c *clockedStore) AddComment(ctx context.Context, code string, cm rooms.Comment, cid string) (rooms.Comment, rooms.Event, error) {
	c.at(cm.At)
	return c.LogStore.AddComment(ctx, code, cm, cid)
}

func (c *clockedStore) AddQuestion(ctx context.Context, code string, q rooms.Question, cid string) (rooms.Question, rooms.Event, error) {
	c.at(q.At)
	return c.LogStore.AddQuestion(ctx, code, q, cid)
}

func (c *clockedStore) CreatePoll(ctx context.Context, code string, p rooms.Poll) (rooms.Poll, rooms.Event, error) {
	if p.ClosesAt > 0 {
		c.at(p.ClosesAt - int64(p.Seconds)*1000)
	}
	return c.LogStore.CreatePoll(ctx, code, p)
}

func (c *clockedStore) SetPoll(ctx context.Context, code, id string, patch rooms.PollPatch) (rooms.Event, rooms.Poll, error) {
	c.at(patch.At)
	return c.LogStore.SetPoll(ctx, code, id, patch)
}

func (c *clockedStore) CastBallot(ctx context.Context, code, id, participant string, b rooms.Ballot) (bool, error) {
	c.at(b.At)
	return c.LogStore.CastBallot(ctx, code, id, participant, b)
}

func (c *clockedStore) RecordPresence(ctx context.Context, counts map[string]int, now int64) error {
	c.at(now)
	return c.LogStore.RecordPresence(ctx, counts, now)
}
