package rooms_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/redis/go-redis/v9"
)

// fillRedisRoom gives a room data under most of its keys: a comment, a
// question with an upvote, a ban, reactions, insight figures, presence.
func fillRedisRoom(t *testing.T, s *rooms.RedisStore, code string) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.AddComment(ctx, code, rooms.Comment{Text: "c", Participant: "p_a"}, "cid"); err != nil {
		t.Fatal(err)
	}
	q, _, err := s.AddQuestion(ctx, code, rooms.Question{Text: "q", Participant: "p_a"}, "qcid")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Vote(ctx, code, q.ID, "p_b", true); err != nil {
		t.Fatal(err)
	}
	if err := s.Ban(ctx, code, "p_x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddReactions(ctx, code, rooms.Reactions{1, 2}); err != nil {
		t.Fatal(err)
	}
	d := &rooms.InsightDelta{
		Counts: map[int64]rooms.InsightCounts{1: {1}}, Seen: map[string]int64{"p_a": 1},
		Active: map[string]struct{}{"p_a": {}}, ReactionSeconds: map[int64]int64{60: 3},
	}
	if err := s.AddInsight(ctx, map[string]*rooms.InsightDelta{code: d}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPresence(ctx, map[string]int{code: 2}, time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

func roomKeys(t *testing.T, rdb *redis.Client, code string) []string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), "{room:"+code+"}*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// TestRedisRetentionKeys: scheduling a closed room's deletion gives every
// key of that room (and only that room) the deletion time as its expiry;
// keys the insight makes later get it too; cancelling removes it; the
// sweep's DeleteRoom removes every key of the room, also those made after
// the close without an expiry, and nothing of another room; and a room
// whose time comes goes by Redis's expiry alone, with no instance running.
func TestRedisRetentionKeys(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rdb := redisClient(t, srv)
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	closing, other, lapsing := newRedisRoom(t, s), newRedisRoom(t, s), newRedisRoom(t, s)
	for _, code := range []string{closing, other, lapsing} {
		fillRedisRoom(t, s, code)
	}
	otherKeys := roomKeys(t, rdb, other)
	if len(otherKeys) < 12 {
		t.Fatalf("the other room has only %d keys: %v", len(otherKeys), otherKeys)
	}

	now := time.Now().UnixMilli()
	deleteAt := now + time.Hour.Milliseconds()
	if err := s.ScheduleDeletion(ctx, closing, now, deleteAt); err != nil {
		t.Fatal(err)
	}
	expiry := func(key string) int64 {
		t.Helper()
		n, err := rdb.Do(ctx, "PEXPIRETIME", key).Int64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, k := range roomKeys(t, rdb, closing) {
		if e := expiry(k); e != deleteAt {
			t.Fatalf("%s expires at %d, want %d", k, e, deleteAt)
		}
	}
	// Made after the close: a poll (no expiry; the sweep deletes it) and
	// insight keys (given the room's expiry).
	if _, _, err := s.CreatePoll(ctx, closing, rooms.Poll{Kind: rooms.PollRating, Title: "late", Options: []string{}, State: rooms.PollOpen}); err != nil {
		t.Fatal(err)
	}
	if err := s.PollOpened(ctx, closing, "p1"); err != nil {
		t.Fatal(err)
	}
	late := "{room:" + closing + "}:inspoll"
	if e := expiry(late); e != deleteAt {
		t.Fatalf("%s made after the close expires at %d, want %d", late, e, deleteAt)
	}
	for _, k := range roomKeys(t, rdb, other) {
		if e := expiry(k); e != -1 {
			t.Fatalf("the other room's %s expires at %d", k, e)
		}
	}

	// Cancelled (reopened): no key expires.
	if err := s.ScheduleDeletion(ctx, other, now, deleteAt); err != nil {
		t.Fatal(err)
	}
	if err := s.ScheduleDeletion(ctx, other, 0, 0); err != nil {
		t.Fatal(err)
	}
	for _, k := range roomKeys(t, rdb, other) {
		if e := expiry(k); e != -1 {
			t.Fatalf("after the cancel %s expires at %d", k, e)
		}
	}
	due, err := s.DueDeletions(ctx, deleteAt)
	if err != nil || !slices.Equal(due, []string{closing}) {
		t.Fatalf("DueDeletions = %v, %v", due, err)
	}

	if ok, err := s.DeleteRoom(ctx, closing, deleteAt); !ok || err != nil {
		t.Fatalf("DeleteRoom = %v, %v", ok, err)
	}
	if keys := roomKeys(t, rdb, closing); len(keys) != 0 {
		t.Fatalf("keys left of the deleted room: %v", keys)
	}
	if keys := roomKeys(t, rdb, other); !slices.Equal(keys, otherKeys) {
		t.Fatalf("the other room's keys changed:\n got %v\nwant %v", keys, otherKeys)
	}
	if n, err := rdb.ZCard(ctx, rooms.RedisDeletionsKey).Result(); err != nil || n != 0 {
		t.Fatalf("%s holds %d rooms, %v", rooms.RedisDeletionsKey, n, err)
	}

	// Redis deletes a room by itself when its time comes.
	soon := time.Now().UnixMilli() + 300
	if err := s.ScheduleDeletion(ctx, lapsing, soon, soon); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(roomKeys(t, rdb, lapsing)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("keys of the lapsed room still there: %v", roomKeys(t, rdb, lapsing))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.Room(ctx, lapsing); err != rooms.ErrRoomNotFound {
		t.Fatalf("Room of the lapsed room: %v", err)
	}
	if keys := roomKeys(t, rdb, other); !slices.Equal(keys, otherKeys) {
		t.Fatalf("the other room's keys changed:\n got %v\nwant %v", keys, otherKeys)
	}
}

// TestRedisInsightScriptCacheFlushed: after Redis lost its scripts (a
// restart, SCRIPT FLUSH), the pipelined insight scripts load again and
// every room's figures are added exactly once; a room that does not exist
// gets no keys.
func TestRedisInsightScriptCacheFlushed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redisClient(t, srv)
	ctx := context.Background()
	s := rooms.NewRedisStore(rdb, rooms.RedisStoreOptions{})
	a, b := newRedisRoom(t, s), newRedisRoom(t, s)
	delta := func(p string) *rooms.InsightDelta {
		return &rooms.InsightDelta{Counts: map[int64]rooms.InsightCounts{7: {1, 0, 0, 2}}, Seen: map[string]int64{p: 7}}
	}
	if err := s.AddInsight(ctx, map[string]*rooms.InsightDelta{a: delta("p_1")}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInsight(ctx, map[string]*rooms.InsightDelta{a: delta("p_2"), b: delta("p_1"), "ZZZZZZ": delta("p_1")}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPresence(ctx, map[string]int{a: 3, b: 4, "ZZZZZZ": 5}, 7*60000); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]rooms.InsightMinute{
		a: {Counts: rooms.InsightCounts{2, 0, 0, 4}, Joined: 2, Connected: 3},
		b: {Counts: rooms.InsightCounts{1, 0, 0, 2}, Joined: 1, Connected: 4},
	} {
		in, err := s.Insight(ctx, code)
		if err != nil || len(in.Minutes) != 1 || in.Minutes[7] != want {
			t.Fatalf("room %s: %+v, %v; want minute 7 %+v", code, in, err, want)
		}
	}
	if keys := roomKeys(t, rdb, "ZZZZZZ"); len(keys) != 0 {
		t.Fatalf("keys of a room that does not exist: %v", keys)
	}
}
