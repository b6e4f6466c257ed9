package roomlog

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hubbubhq/hubbub/rooms"
)

var (
	//go:embed lua/append.lua
	appendLua string
	//go:embed lua/save_snapshot.lua
	saveSnapshotLua string
	//go:embed lua/trim.lua
	trimLua string

	scriptAppend       = redis.NewScript(appendLua)
	scriptSaveSnapshot = redis.NewScript(saveSnapshotLua)
	scriptTrim         = redis.NewScript(trimLua)
)

// Redis is the rooms.Log of many instances: each room's entries are a
// Redis stream (entry id "<pos>-0") beside a meta hash and a snapshot hash,
// all under the room's hash tag so a room lives on one Redis Cluster slot.
// One script appends: it stamps Redis TIME, the epoch and the rules version
// and publishes the entry on EntriesChannel (EncodePublished), so every
// instance sees the entries in log order. It is safe for concurrent use;
// durability is Redis's (AOF with appendfsync always or everysec).
type Redis struct {
	rdb     redis.UniversalClient
	publish string
}

// RedisOptions configure a Redis log. The zero value is usable.
type RedisOptions struct {
	// Sharded publishes with SPUBLISH (sharded pub/sub, Redis Cluster).
	Sharded bool
}

// NewRedis returns a log on rdb. It does no I/O.
func NewRedis(rdb redis.UniversalClient, opts RedisOptions) *Redis {
	r := &Redis{rdb: rdb, publish: "PUBLISH"}
	if opts.Sharded {
		r.publish = "SPUBLISH"
	}
	return r
}

// EntriesChannel is the pub/sub channel on which a room's entries are
// published as they are appended.
func EntriesChannel(room string) string { return "{room:" + room + "}:entries" }

func metaKey(room string) string     { return "{room:" + room + "}:log:meta" }
func streamKey(room string) string   { return "{room:" + room + "}:log" }
func snapshotKey(room string) string { return "{room:" + room + "}:log:snap" }

// Create implements rooms.Log.
func (r *Redis) Create(ctx context.Context, room string, rules uint32, data []byte) (rooms.Entry, error) {
	return r.append(ctx, room, "create", rules, data, 0, 0)
}

// Append implements rooms.Log.
func (r *Redis) Append(ctx context.Context, room string, rules uint32, data []byte, epoch, known uint64) (rooms.Entry, error) {
	return r.append(ctx, room, "append", rules, data, epoch, known)
}

func (r *Redis) append(ctx context.Context, room, mode string, rules uint32, data []byte, epoch, known uint64) (rooms.Entry, error) {
	res, err := scriptAppend.Run(ctx, r.rdb, []string{metaKey(room), streamKey(room)},
		mode, rules, data, strconv.FormatUint(epoch, 10), known, EntriesChannel(room), r.publish).StringSlice()
	if err != nil {
		return rooms.Entry{}, fmt.Errorf("roomlog: append to %s: %w", room, err)
	}
	switch {
	case len(res) == 1 && res[0] == "exists":
		return rooms.Entry{}, rooms.ErrRoomExists
	case len(res) == 1 && res[0] == "missing":
		return rooms.Entry{}, rooms.ErrRoomNotFound
	case len(res) != 4 || res[0] != "ok":
		return rooms.Entry{}, fmt.Errorf("roomlog: append to %s answered %q", room, res)
	}
	e := rooms.Entry{Rules: rules, Data: append([]byte(nil), data...)}
	if err := parseUints(res[1:], &e.Pos, (*uint64)(nil), &e.Epoch); err != nil {
		return rooms.Entry{}, err
	}
	e.Time, err = strconv.ParseInt(res[2], 10, 64)
	return e, err
}

// parseUints parses each of s into the matching destination; a nil one is
// skipped.
func parseUints(s []string, dst ...*uint64) error {
	for i, d := range dst {
		if d == nil {
			continue
		}
		v, err := strconv.ParseUint(s[i], 10, 64)
		if err != nil {
			return fmt.Errorf("roomlog: bad number %q from Redis", s[i])
		}
		*d = v
	}
	return nil
}

// Read implements rooms.Log.
func (r *Redis) Read(ctx context.Context, room string, after uint64, max int) ([]rooms.Entry, error) {
	if max <= 0 {
		return nil, nil
	}
	pipe := r.rdb.TxPipeline()
	meta := pipe.HMGet(ctx, metaKey(room), "first")
	msgs := pipe.XRangeN(ctx, streamKey(room), strconv.FormatUint(after+1, 10), "+", int64(max))
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("roomlog: read %s: %w", room, err)
	}
	first, ok := meta.Val()[0].(string)
	if !ok {
		return nil, rooms.ErrRoomNotFound
	}
	if n, err := strconv.ParseUint(first, 10, 64); err != nil || after+1 < n {
		if err != nil {
			return nil, fmt.Errorf("roomlog: bad first position %q", first)
		}
		return nil, rooms.ErrLogTrimmed
	}
	out := make([]rooms.Entry, 0, len(msgs.Val()))
	for _, m := range msgs.Val() {
		e, err := parseStreamEntry(m)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func parseStreamEntry(m redis.XMessage) (rooms.Entry, error) {
	id, _, _ := bytes.Cut([]byte(m.ID), []byte("-"))
	str := func(k string) string { s, _ := m.Values[k].(string); return s }
	var e rooms.Entry
	var rules uint64
	if err := parseUints([]string{string(id), str("e"), str("r")}, &e.Pos, &e.Epoch, &rules); err != nil {
		return e, err
	}
	t, err := strconv.ParseInt(str("t"), 10, 64)
	if err != nil {
		return e, fmt.Errorf("roomlog: bad entry time %q", str("t"))
	}
	e.Time, e.Rules, e.Data = t, uint32(rules), []byte(str("d"))
	return e, nil
}

// Snapshot implements rooms.Log.
func (r *Redis) Snapshot(ctx context.Context, room string) (rooms.Snapshot, bool, error) {
	pipe := r.rdb.TxPipeline()
	exists := pipe.Exists(ctx, metaKey(room))
	fields := pipe.HMGet(ctx, snapshotKey(room), "pos", "epoch", "rules", "data")
	if _, err := pipe.Exec(ctx); err != nil {
		return rooms.Snapshot{}, false, fmt.Errorf("roomlog: snapshot of %s: %w", room, err)
	}
	if exists.Val() == 0 {
		return rooms.Snapshot{}, false, rooms.ErrRoomNotFound
	}
	v := fields.Val()
	s := make([]string, len(v))
	for i := range v {
		var ok bool
		if s[i], ok = v[i].(string); !ok {
			return rooms.Snapshot{}, false, nil
		}
	}
	var snap rooms.Snapshot
	var rules uint64
	if err := parseUints(s[:3], &snap.Pos, &snap.Epoch, &rules); err != nil {
		return rooms.Snapshot{}, false, err
	}
	snap.Rules, snap.Data = uint32(rules), []byte(s[3])
	return snap, true, nil
}

// SaveSnapshot implements rooms.Log.
func (r *Redis) SaveSnapshot(ctx context.Context, room string, snap rooms.Snapshot) (bool, error) {
	n, err := scriptSaveSnapshot.Run(ctx, r.rdb, []string{metaKey(room), snapshotKey(room)},
		snap.Pos, strconv.FormatUint(snap.Epoch, 10), snap.Rules, snap.Data).Int()
	switch {
	case err != nil:
		return false, fmt.Errorf("roomlog: save snapshot of %s: %w", room, err)
	case n < 0:
		return false, rooms.ErrRoomNotFound
	}
	return n == 1, nil
}

// Trim implements rooms.Log.
func (r *Redis) Trim(ctx context.Context, room string, through uint64) error {
	n, err := scriptTrim.Run(ctx, r.rdb, []string{metaKey(room), snapshotKey(room), streamKey(room)}, through).Int()
	switch {
	case err != nil:
		return fmt.Errorf("roomlog: trim %s: %w", room, err)
	case n < 0:
		return rooms.ErrRoomNotFound
	}
	return nil
}

// Delete implements rooms.Log.
func (r *Redis) Delete(ctx context.Context, room string) error {
	_, err := r.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, metaKey(room), streamKey(room), snapshotKey(room))
		pipe.Do(ctx, r.publish, EntriesChannel(room), DeletedAnnouncement)
		return nil
	})
	if err != nil {
		return fmt.Errorf("roomlog: delete %s: %w", room, err)
	}
	return nil
}

// ExpireAt makes Redis delete the room's keys (its log, meta and
// snapshot) at Unix milliseconds at, even if no instance is there to
// delete the room then; at 0 keeps them again. A snapshot saved later
// takes the same expiry.
func (r *Redis) ExpireAt(ctx context.Context, room string, at int64) error {
	_, err := r.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, k := range []string{metaKey(room), streamKey(room), snapshotKey(room)} {
			if at > 0 {
				pipe.PExpireAt(ctx, k, time.UnixMilli(at))
			} else {
				pipe.Persist(ctx, k)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("roomlog: expiry of %s: %w", room, err)
	}
	return nil
}

// DeletedAnnouncement is published on a room's EntriesChannel when its log
// is deleted, so that every instance following it lets its clients go.
const DeletedAnnouncement = "deleted"

// EncodePublished is how the append script publishes an entry:
// "pos time epoch rules data", numbers in decimal.
func EncodePublished(e rooms.Entry) []byte {
	b := strconv.AppendUint(nil, e.Pos, 10)
	b = strconv.AppendInt(append(b, ' '), e.Time, 10)
	b = strconv.AppendUint(append(b, ' '), e.Epoch, 10)
	b = strconv.AppendUint(append(b, ' '), uint64(e.Rules), 10)
	return append(append(b, ' '), e.Data...)
}

// DecodePublished reads an entry published on EntriesChannel.
func DecodePublished(msg []byte) (rooms.Entry, error) {
	var fields [4]string
	rest := msg
	for i := range fields {
		f, r, ok := bytes.Cut(rest, []byte(" "))
		if !ok {
			return rooms.Entry{}, errors.New("roomlog: published entry without its header")
		}
		fields[i], rest = string(f), r
	}
	var e rooms.Entry
	var rules uint64
	if err := parseUints([]string{fields[0], fields[2], fields[3]}, &e.Pos, &e.Epoch, &rules); err != nil {
		return e, err
	}
	t, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return e, fmt.Errorf("roomlog: bad published time %q", fields[1])
	}
	e.Time, e.Rules, e.Data = t, uint32(rules), append([]byte(nil), rest...)
	return e, nil
}
