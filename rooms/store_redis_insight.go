package rooms

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisDeletionsKey is the sorted set of rooms whose deletion is
// scheduled: member the room code, score when (Unix ms). It is the one key
// outside the rooms' hash tags; the Service's sweep reads it.
const RedisDeletionsKey = "hubbub:deletions"

// loadInsightScript returns lua/insight_common.lua followed by the named
// script of lua/.
func loadInsightScript(name string) *redis.Script {
	var src []byte
	for _, n := range []string{"insight_common", name} {
		part, err := luaFS.ReadFile("lua/" + n + ".lua")
		if err != nil {
			panic("rooms: " + err.Error())
		}
		src = append(append(src, part...), '\n')
	}
	return redis.NewScript(string(src))
}

var (
	scriptInsightAdd      = loadInsightScript("insight_add")
	scriptInsightPresence = loadInsightScript("insight_presence")
	scriptInsightPoll     = loadInsightScript("insight_poll")
	scriptInsightGet      = loadInsightScript("insight_get")
	scriptInsightSchedule = loadInsightScript("insight_schedule")
	scriptInsightDelete   = loadInsightScript("insight_delete")
)

// insightKeys are the keys of lua/insight_common.lua.
func insightKeys(code string) []string {
	p := "{room:" + code + "}:"
	return []string{p + "room", p + "ins", p + "insmin", p + "insseen", p + "insactive", p + "insreact", p + "inspoll", p + "insopen", p + "polls"}
}

// allRoomKeys are insightKeys followed by the rest of redisKeys: every key
// of the room.
func allRoomKeys(code string) []string {
	keys := insightKeys(code)
	for _, k := range redisKeys(code) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// insightMinuteFields are the letters of the per-minute fields, in
// InsightCounts order (lua/insight_common.lua).
var insightMinuteFields = [insightKinds]string{"q", "u", "b", "r", "c"}

func insightAddArgs(d *InsightDelta) []any {
	var args []any
	var counts []any
	for m, c := range d.Counts {
		for k, n := range c {
			if n != 0 {
				counts = append(counts, strconv.FormatInt(m, 10)+"|"+insightMinuteFields[k], n)
			}
		}
	}
	args = append(args, len(counts)/2)
	args = append(args, counts...)
	args = append(args, len(d.Seen))
	for p, m := range d.Seen {
		args = append(args, p, m)
	}
	args = append(args, len(d.Active))
	for p := range d.Active {
		args = append(args, p)
	}
	args = append(args, len(d.ReactionSeconds))
	for sec, n := range d.ReactionSeconds {
		args = append(args, sec, n)
	}
	return args
}

// AddInsight implements InsightStore: one script per room, pipelined.
func (s *RedisStore) AddInsight(ctx context.Context, deltas map[string]*InsightDelta) error {
	codes := make([]string, 0, len(deltas))
	for code, d := range deltas {
		if !d.IsZero() {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := s.evalEach(ctx, scriptInsightAdd, codes, insightKeys, func(code string) []any { return insightAddArgs(deltas[code]) })
	return err
}

// RecordPresence implements InsightStore: one script per room, pipelined.
func (s *RedisStore) RecordPresence(ctx context.Context, counts map[string]int, now int64) error {
	codes := make([]string, 0, len(counts))
	for code := range counts {
		codes = append(codes, code)
	}
	if len(codes) == 0 {
		return nil
	}
	_, err := s.evalEach(ctx, scriptInsightPresence, codes, insightKeys, func(code string) []any { return []any{counts[code], now} })
	return err
}

// runInsight runs one insight script of one room and returns its reply;
// a reply of 0 is ErrRoomNotFound.
func (s *RedisStore) runInsight(ctx context.Context, sc *redis.Script, keys []string, args ...any) (any, error) {
	res, err := sc.Run(ctx, s.rdb, keys, args...).Result()
	if err != nil {
		return nil, fmt.Errorf("rooms: redis: %w", err)
	}
	if n, ok := res.(int64); ok && n == 0 {
		return nil, ErrRoomNotFound
	}
	return res, nil
}

// PollOpened implements InsightStore.
func (s *RedisStore) PollOpened(ctx context.Context, code, id string) error {
	_, err := s.runInsight(ctx, scriptInsightPoll, insightKeys(code), id, "open")
	return err
}

// PollClosed implements InsightStore.
func (s *RedisStore) PollClosed(ctx context.Context, code, id string, deleted bool) error {
	op := "close"
	if deleted {
		op = "delete"
	}
	_, err := s.runInsight(ctx, scriptInsightPoll, insightKeys(code), id, op)
	return err
}

// Insight implements InsightStore: one script, so one consistent picture.
func (s *RedisStore) Insight(ctx context.Context, code string) (Insight, error) {
	res, err := scriptInsightGet.Run(ctx, s.rdb, insightKeys(code)).Slice()
	if err != nil {
		return Insight{}, fmt.Errorf("rooms: redis: %w", err)
	}
	if n, err := replyInt(res, 0); err != nil || n == 0 {
		if err != nil {
			return Insight{}, err
		}
		return Insight{}, ErrRoomNotFound
	}
	if len(res) != 7 {
		return Insight{}, errBadReply
	}
	ins, ok1 := replyHash(res[1])
	mins, ok2 := replyHash(res[4])
	react, ok3 := replyHash(res[5])
	ppres, ok4 := replyHash(res[6])
	unique, err1 := replyInt(res, 2)
	active, err2 := replyInt(res, 3)
	if !ok1 || !ok2 || !ok3 || !ok4 || err1 != nil || err2 != nil {
		return Insight{}, errBadReply
	}
	num := func(s string) int64 {
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	out := Insight{
		Unique: unique, Active: active,
		Connected: num(ins["connected"]), Peak: num(ins["peak"]), PeakAt: num(ins["peak_at"]),
		ClosedAt: num(ins["closed_at"]), DeleteAt: num(ins["delete_at"]),
		Minutes:         make(map[int64]InsightMinute),
		ReactionSeconds: make(map[int64]int64, len(react)),
		PollPresent:     make(map[string]int64, len(ppres)),
	}
	for f, v := range mins {
		ms, k, ok := strings.Cut(f, "|")
		if !ok {
			return Insight{}, errBadReply
		}
		m := num(ms)
		im := out.Minutes[m]
		switch k {
		case "j":
			im.Joined = num(v)
		case "n":
			im.Connected = num(v)
		default:
			i := slices.Index(insightMinuteFields[:], k)
			if i < 0 {
				return Insight{}, errBadReply
			}
			im.Counts[i] = num(v)
		}
		out.Minutes[m] = im
	}
	for sec, v := range react {
		out.ReactionSeconds[num(sec)] = num(v)
	}
	for id, v := range ppres {
		out.PollPresent[id] = num(v)
	}
	return out, nil
}

// ScheduleDeletion implements InsightStore: every key of the room expires
// at deleteAt, and the room is in RedisDeletionsKey for the sweep.
func (s *RedisStore) ScheduleDeletion(ctx context.Context, code string, closedAt, deleteAt int64) error {
	if deleteAt <= 0 {
		closedAt, deleteAt = 0, 0
	}
	if _, err := s.runInsight(ctx, scriptInsightSchedule, allRoomKeys(code), closedAt, deleteAt); err != nil {
		return err
	}
	var err error
	if deleteAt > 0 {
		err = s.rdb.ZAdd(ctx, RedisDeletionsKey, redis.Z{Score: float64(deleteAt), Member: code}).Err()
	} else {
		err = s.rdb.ZRem(ctx, RedisDeletionsKey, code).Err()
	}
	if err != nil {
		return fmt.Errorf("rooms: redis: %w", err)
	}
	return nil
}

// DueDeletions implements InsightStore.
func (s *RedisStore) DueDeletions(ctx context.Context, now int64) ([]string, error) {
	codes, err := s.rdb.ZRangeByScore(ctx, RedisDeletionsKey, &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now, 10)}).Result()
	if err != nil {
		return nil, fmt.Errorf("rooms: redis: %w", err)
	}
	return codes, nil
}

// DeleteRoom implements InsightStore: every key of the room in one script,
// then its entry in RedisDeletionsKey.
func (s *RedisStore) DeleteRoom(ctx context.Context, code string, dueBy int64) (bool, error) {
	n, err := scriptInsightDelete.Run(ctx, s.rdb, allRoomKeys(code), max(dueBy, 0)).Int64()
	if err != nil {
		return false, fmt.Errorf("rooms: redis: %w", err)
	}
	if n != 2 {
		if err := s.rdb.ZRem(ctx, RedisDeletionsKey, code).Err(); err != nil {
			return n == 1, fmt.Errorf("rooms: redis: %w", err)
		}
	}
	return n == 1, nil
}
