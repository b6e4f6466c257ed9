package rooms_test

import (
	"context"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
	"go.uber.org/zap"
)

// TestRedisKeysExpireWhenTheRoomIsDue: on Redis, every key of a room
// carries the room's deletion time, so it goes when it is due even if no
// instance has it open then: an open room's idle expiry (its last activity
// plus IdleExpiry, rounded up to the hour), a closed room's scheduled
// deletion, and the idle expiry again once that is cancelled.
func TestRedisKeysExpireWhenTheRoomIsDue(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	store := rooms.NewLogStore(roomlog.NewRedis(rdb, roomlog.RedisOptions{}), nopPublisher{},
		rooms.LogStoreOptions{Shared: true, IdleExpiry: 24 * time.Hour})
	svc := rooms.NewService(store, nopPublisher{}, rooms.Config{Secret: []byte("s")}, zap.NewNop(), nil)
	created, err := svc.CreateRoom(ctx, "idle", false)
	if err != nil {
		t.Fatal(err)
	}
	expiries := func() map[string]int64 {
		t.Helper()
		keys, err := rdb.Keys(ctx, "*"+created.Code+"*").Result()
		if err != nil || len(keys) < 2 {
			t.Fatalf("the room's keys: %v %v", keys, err)
		}
		out := map[string]int64{}
		for _, k := range keys {
			if k == "hubbub:rooms" {
				continue
			}
			at, err := rdb.PExpireTime(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			out[k] = at.Milliseconds()
		}
		return out
	}
	within := func(what string, lo, hi int64) {
		t.Helper()
		for k, at := range expiries() {
			if at < lo || at > hi {
				t.Errorf("%s: %s expires at %d, want %d–%d", what, k, at, lo, hi)
			}
		}
	}
	now := time.Now()
	idleLo, idleHi := now.Add(24*time.Hour).UnixMilli(), now.Add(25*time.Hour).UnixMilli()
	within("an open room", idleLo, idleHi)

	deleteAt := now.Add(2 * time.Hour).UnixMilli()
	if err := store.ScheduleDeletion(ctx, created.Code, now.UnixMilli(), deleteAt); err != nil {
		t.Fatal(err)
	}
	within("a room scheduled for deletion", deleteAt, deleteAt)
	if err := store.ScheduleDeletion(ctx, created.Code, 0, 0); err != nil {
		t.Fatal(err)
	}
	within("a room whose deletion was cancelled", idleLo, idleHi)
}
