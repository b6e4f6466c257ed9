package hub

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

func TestRedisPresenceSumsOverInstances(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	a := NewRedisPresence(rdb, "a", 0)
	b := NewRedisPresence(rdb, "b", 0)

	if _, err := a.Report(ctx, map[string]int{"AAAAAA": 3, "CCCCCC": 2}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Report(ctx, map[string]int{"AAAAAA": 4, "BBBBBB": 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"AAAAAA": 7, "BBBBBB": 1}; !maps.Equal(got, want) {
		t.Fatalf("totals = %v, want %v", got, want)
	}
	for room, want := range map[string]int{"AAAAAA": 7, "BBBBBB": 1, "CCCCCC": 2, "DDDDDD": 0} {
		if n, err := a.Count(ctx, room); err != nil || n != want {
			t.Errorf("Count(%s) = %d, %v; want %d", room, n, err, want)
		}
	}

	// A room whose last local client left is reported with 0: its field goes.
	got, err = a.Report(ctx, map[string]int{"AAAAAA": 0})
	if err != nil || got["AAAAAA"] != 4 {
		t.Fatalf("after a left: %v, %v", got, err)
	}
	if fields, _ := rdb.HKeys(ctx, RedisPresenceKey("AAAAAA")).Result(); len(fields) != 1 || fields[0] != "b" {
		t.Fatalf("fields = %v", fields)
	}
	// The key expires with the last live count.
	if ttl, _ := rdb.PTTL(ctx, RedisPresenceKey("BBBBBB")).Result(); ttl <= 0 || ttl > DefaultPresenceTTL {
		t.Fatalf("key TTL = %v", ttl)
	}

	// Redis forgot the script (restart, SCRIPT FLUSH): it is loaded again.
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Report(ctx, map[string]int{"AAAAAA": 5}); err != nil || got["AAAAAA"] != 5 {
		t.Fatalf("after SCRIPT FLUSH: %v, %v", got, err)
	}
}

func TestRedisPresenceExpiresAnInstanceThatStopsReporting(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	const ttl = 300 * time.Millisecond
	alive := NewRedisPresence(rdb, "alive", ttl)
	crashed := NewRedisPresence(rdb, "crashed", ttl)
	if _, err := crashed.Report(ctx, map[string]int{"AAAAAA": 10}); err != nil {
		t.Fatal(err)
	}
	got, err := alive.Report(ctx, map[string]int{"AAAAAA": 2})
	if err != nil || got["AAAAAA"] != 12 {
		t.Fatalf("both: %v, %v", got, err)
	}
	// Only "alive" keeps reporting, as an instance does every second.
	deadline := time.Now().Add(2 * time.Second)
	for {
		time.Sleep(ttl / 3)
		got, err = alive.Report(ctx, map[string]int{"AAAAAA": 2})
		if err != nil {
			t.Fatal(err)
		}
		if got["AAAAAA"] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the silent instance still counts: %v", got)
		}
	}
	if fields, _ := rdb.HKeys(ctx, RedisPresenceKey("AAAAAA")).Result(); len(fields) != 1 || fields[0] != "alive" {
		t.Fatalf("expired field not deleted: %v", fields)
	}
	// When every instance stops, the key itself goes.
	time.Sleep(ttl + 100*time.Millisecond)
	if n, _ := rdb.Exists(ctx, RedisPresenceKey("AAAAAA")).Result(); n != 0 {
		t.Fatal("presence key outlived every instance")
	}
	if n, err := alive.Count(ctx, "AAAAAA"); err != nil || n != 0 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}
