package roomlog

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestRedisPublishesEntries: every appended entry reaches a subscriber of
// the room's channel, in log order, as Append returned it.
func TestRedisPublishesEntries(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	sub := rdb.Subscribe(ctx, EntriesChannel("pub"))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	log := NewRedis(rdb, RedisOptions{})
	var want []rooms.Entry
	e, err := log.Create(ctx, "pub", 1, []byte("a b\nc"))
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, e)
	for _, d := range []string{"", "x", "y z"} {
		want = append(want, mustAppend(t, log, "pub", d))
	}
	for i, w := range want {
		msg, err := sub.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodePublished([]byte(msg.Payload))
		if err != nil {
			t.Fatal(err)
		}
		if got.Pos != w.Pos || got.Time != w.Time || got.Epoch != w.Epoch || got.Rules != w.Rules || !bytes.Equal(got.Data, w.Data) {
			t.Fatalf("published entry %d %+v, appended %+v", i, got, w)
		}
		if !bytes.Equal(EncodePublished(got), []byte(msg.Payload)) {
			t.Fatalf("EncodePublished(%+v) = %q, the script published %q", got, EncodePublished(got), msg.Payload)
		}
	}
}

// TestRedisRestartWithoutAOFStartsNewEpoch: Redis restarts from an older
// RDB save and has lost acknowledged entries; the next append from an
// instance that applied them starts a new epoch, so no replica mistakes the
// new entries at reused positions for the lost ones.
func TestRedisRestartWithoutAOFStartsNewEpoch(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := NewRedis(rdb, RedisOptions{})
	first, err := log.Create(ctx, "lost", 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		mustAppend(t, log, "lost", "saved")
	}
	if err := rdb.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	var last rooms.Entry
	for range 5 {
		last = mustAppend(t, log, "lost", "lost")
	}
	srv.Kill()
	srv.Start()
	waitForRedis(t, log)

	es := mustRead(t, log, "lost", 0, 100)
	if len(es) != 5 {
		t.Fatalf("after the restart the log holds %d entries, want the 5 saved", len(es))
	}
	e, err := log.Append(ctx, "lost", 1, []byte("after"), last.Epoch, last.Pos)
	if err != nil {
		t.Fatal(err)
	}
	if e.Epoch <= first.Epoch || e.Pos != 6 {
		t.Fatalf("first append after the loss: %+v, want a new epoch above %d at 6", e, first.Epoch)
	}
}

// TestRedisAOFKeepsAckedEntriesThroughKill: with AOF (appendfsync always),
// kill -9 of Redis loses nothing that Append acknowledged.
func TestRedisAOFKeepsAckedEntriesThroughKill(t *testing.T) {
	srv := redistest.Start(t, redistest.AOF())
	log := NewRedis(srv.Client(t), RedisOptions{})
	first, err := log.Create(ctx, "kept", 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	var last rooms.Entry
	for range 200 {
		last = mustAppend(t, log, "kept", "acked")
	}
	srv.Kill()
	srv.Start()
	waitForRedis(t, log)
	es := mustRead(t, log, "kept", 0, 1000)
	if len(es) != 201 || es[200].Pos != last.Pos {
		t.Fatalf("after kill -9 with AOF the log holds %d entries, want 201", len(es))
	}
	if e, err := log.Append(ctx, "kept", 1, []byte("after"), last.Epoch, last.Pos); err != nil || e.Epoch != first.Epoch {
		t.Fatalf("append after the restart: %+v, %v (no entry was lost, so the epoch stays)", e, err)
	}
}

func waitForRedis(t *testing.T, log *Redis) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := log.Read(ctx, "ping", 0, 1)
		if err == nil || errors.Is(err, rooms.ErrRoomNotFound) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis did not come back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisExpireAt: a room due for deletion has every key expire at its
// time, a snapshot saved afterwards too, and cancelling keeps them all.
func TestRedisExpireAt(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := NewRedis(rdb, RedisOptions{})
	if _, err := log.Create(ctx, "gone", 1, []byte("0")); err != nil {
		t.Fatal(err)
	}
	e := mustAppend(t, log, "gone", "a")
	at := time.Now().Add(time.Hour).UnixMilli()
	if err := log.ExpireAt(ctx, "gone", at); err != nil {
		t.Fatal(err)
	}
	if saved, err := log.SaveSnapshot(ctx, "gone", rooms.Snapshot{Pos: e.Pos, Epoch: e.Epoch, Rules: 1, Data: []byte("s")}); err != nil || !saved {
		t.Fatalf("SaveSnapshot: %v %v", saved, err)
	}
	keys := []string{metaKey("gone"), streamKey("gone"), snapshotKey("gone")}
	for _, k := range keys {
		got, err := rdb.PExpireTime(ctx, k).Result()
		if err != nil || got.Milliseconds() < at-1000 || got.Milliseconds() > at+1000 {
			t.Errorf("%s expires at %v (%v), want about %d", k, got, err, at)
		}
	}
	if err := log.ExpireAt(ctx, "gone", 0); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if ttl, err := rdb.PTTL(ctx, k).Result(); err != nil || ttl != -1 {
			t.Errorf("%s keeps a TTL of %v (%v) after the deletion was cancelled", k, ttl, err)
		}
	}
}
