package rooms

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisChannel is the pub/sub channel on which the Redis store publishes the
// room's events as envelopes (EncodeEnvelope), in seq order. It shares the
// room's hash tag so that, with sharded pub/sub on Redis Cluster, it lives
// on the room's slot.
func RedisChannel(code string) string { return "{room:" + code + "}:events" }

// RedisStoreOptions configure a RedisStore. The zero value is usable.
type RedisStoreOptions struct {
	// Retained is how many durable events each room keeps for Since,
	// exactly; 0 means DefaultRetainedEvents.
	Retained int
	// Sharded publishes with SPUBLISH (Redis 7 sharded pub/sub, for Redis
	// Cluster) instead of PUBLISH; subscribers then use SSUBSCRIBE.
	Sharded bool
}

// RedisStore is the Store of many instances: every room lives in Redis
// under the hash tag {room:CODE} (one Redis Cluster slot per room), and
// every durable change is one Lua script (lua/*.lua) that makes the change,
// takes the room's next seq, appends the event envelope to the room's
// stream (entry id "<seq>-0", trimmed to exactly Retained entries) and
// publishes it on RedisChannel(code). Redis runs scripts one at a time, so
// publish order is seq order on every instance; the store itself calls no
// Publisher: the broker of each instance subscribes to the channels.
//
// It is safe for concurrent use. Refusals are the memory store's; a Redis
// failure is returned as an error that is not a refusal (AsError is nil).
type RedisStore struct {
	rdb      redis.UniversalClient
	retained string
	publish  string
}

// NewRedisStore returns a store on rdb. It does no I/O (scripts are loaded
// on first use), so it never blocks.
//
// Configure rdb so that a Redis outage gives prompt errors: DialTimeout,
// ReadTimeout and WriteTimeout of a few seconds, and ContextTimeoutEnabled
// so that contexts' deadlines bound commands. go-redis retries commands
// that fail on the network (MaxRetries); a script whose reply was lost may
// then run twice — harmless for commands with a cid (idempotent), a
// duplicate otherwise; set MaxRetries to -1 to never retry.
func NewRedisStore(rdb redis.UniversalClient, opts RedisStoreOptions) *RedisStore {
	if opts.Retained <= 0 {
		opts.Retained = DefaultRetainedEvents
	}
	s := &RedisStore{rdb: rdb, retained: strconv.Itoa(opts.Retained), publish: "PUBLISH"}
	if opts.Sharded {
		s.publish = "SPUBLISH"
	}
	return s
}

//go:embed lua/*.lua
var luaFS embed.FS

// loadScript returns the script made of lua/common.lua followed by the
// named files of lua/ in order (a feature's shared prelude, then the script).
func loadScript(names ...string) *redis.Script {
	var src []byte
	for _, name := range append([]string{"common"}, names...) {
		part, err := luaFS.ReadFile("lua/" + name + ".lua")
		if err != nil {
			panic("rooms: " + err.Error())
		}
		src = append(append(src, part...), '\n')
	}
	return redis.NewScript(string(src))
}

var (
	scriptCreateRoom    = loadScript("create_room")
	scriptUpdateRoom    = loadScript("update_room")
	scriptAddComment    = loadScript("add_comment")
	scriptDeleteComment = loadScript("delete_comment")
	scriptBan           = loadScript("ban")
	scriptReactions     = loadScript("reactions")
	scriptSince         = loadScript("since")
	scriptState         = loadScript("state")
)

// Statuses of the scripts (lua/common.lua).
const (
	statusOK = iota
	statusNotFound
	statusExists
	statusBanned
	statusClosed
	statusCommentsOff
	statusNoComment
	statusNotAuthor
	statusDuplicate
	statusNoQuestion
	statusQAOff
	statusDuplicateText
	statusBadMove
	statusPinInvisible
	statusNoPoll
	statusPollNotOpen
	statusBallotKind
	statusBallotChoices
	statusQuizTimeUp
)

var statusErrors = [...]error{
	statusNotFound:    ErrRoomNotFound,
	statusExists:      ErrRoomExists,
	statusBanned:      ErrBanned,
	statusClosed:      ErrRoomClosed,
	statusCommentsOff: errCommentsOff,
	statusNoComment:   ErrCommentNotFound,
	statusNotAuthor:   ErrNotAuthor,
	statusNoQuestion:  ErrQuestionNotFound,
	statusQAOff:       ErrQAOff,
	// The Q&A code makes the precise refusals of these from the reply.
	statusDuplicateText: &Error{Code: CodeConflict, Message: "this question was already asked"},
	statusBadMove:       &Error{Code: CodeConflict, Message: "not a valid status change"},
	statusPinInvisible:  ErrPinInvisible,
	statusNoPoll:        ErrPollNotFound,
	statusPollNotOpen:   ErrPollNotOpen,
	statusBallotKind:    ErrBallotKind,
	statusBallotChoices: ErrBallotChoices,
	statusQuizTimeUp:    ErrQuizTimeUp,
}

// redisKeys are the room's keys in the order of lua/common.lua (and
// lua/poll_common.lua for 17...).
func redisKeys(code string) []string {
	p := "{room:" + code + "}:"
	return []string{p + "room", p + "seq", p + "log", p + "comments", p + "cids", p + "banned", p + "reactions", p + "ids",
		p + "questions", p + "qcids", p + "qtexts", p + "qvotes", p + "voters", p + "upvoted", p + "qchanged", p + "qa",
		p + "polls", p + "ballots", p + "pvoters", p + "pmine", p + "tally", p + "pwords", p + "panswers", p + "pchanged", p + "pmeta",
		p + "qzcast", p + "qzboard", p + "qztotal", p + "qznames"}
}

// run runs a script (EVALSHA, EVAL when Redis lost its script cache) with
// the common arguments, and returns its status and its reply after the
// status; statusOK and statusDuplicate are not errors. With a refusal the
// reply is returned too (some carry details).
func (s *RedisStore) run(ctx context.Context, sc *redis.Script, code string, at int64, args ...any) (int64, []any, error) {
	argv := make([]any, 0, 4+len(args))
	argv = append(argv, at, s.retained, s.publish, RedisChannel(code))
	argv = append(argv, args...)
	res, err := sc.Run(ctx, s.rdb, redisKeys(code), argv...).Slice()
	if err != nil {
		return 0, nil, fmt.Errorf("rooms: redis: %w", err)
	}
	return replyStatus(res)
}

func replyStatus(res []any) (int64, []any, error) {
	if len(res) == 0 {
		return 0, nil, errors.New("rooms: redis: empty script reply")
	}
	st, ok := res[0].(int64)
	switch {
	case !ok || st < 0 || st >= int64(len(statusErrors)):
		return 0, nil, fmt.Errorf("rooms: redis: bad script status %v", res[0])
	case st == statusOK || st == statusDuplicate:
		return st, res[1:], nil
	}
	return st, res[1:], statusErrors[st]
}

var errBadReply = errors.New("rooms: redis: unexpected script reply")

func replyInt(v []any, i int) (int64, error) {
	if i < len(v) {
		if n, ok := v[i].(int64); ok {
			return n, nil
		}
	}
	return 0, errBadReply
}

func replyString(v []any, i int) (string, bool) {
	if i < len(v) {
		s, ok := v[i].(string)
		return s, ok
	}
	return "", false
}

// Room fields are kept in the :room hash one by one, each as Go's JSON
// encoding of its value, so that a script can change some and rebuild the
// `room` event byte for byte as encodeEvent would (roomFields is the order).
var roomFields = func() []string {
	var names []string
	for _, f := range jsonFields(Room{}) {
		names = append(names, f[0])
	}
	return names
}()

// jsonFields returns v's JSON object as name, raw value pairs in order.
func jsonFields(v any) [][2]string {
	b, err := MarshalJSON(v)
	if err != nil {
		panic("rooms: " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var out [][2]string
	if _, err := dec.Token(); err != nil { // {
		panic("rooms: " + err.Error())
	}
	for dec.More() {
		k, err1 := dec.Token()
		var raw json.RawMessage
		err2 := dec.Decode(&raw)
		if err := errors.Join(err1, err2); err != nil {
			panic("rooms: " + err.Error())
		}
		out = append(out, [2]string{k.(string), string(raw)})
	}
	return out
}

func mustJSON(v any) string {
	b, err := MarshalJSON(v)
	if err != nil {
		panic("rooms: " + err.Error())
	}
	return string(b)
}

// parseRoomHash reads a :room hash given as field → value.
func parseRoomHash(h map[string]string) (RoomRecord, error) {
	var b strings.Builder
	b.WriteByte('{')
	for _, name := range roomFields {
		v, ok := h[name]
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(name))
		b.WriteByte(':')
		b.WriteString(v)
	}
	b.WriteByte('}')
	var rec RoomRecord
	if err := json.Unmarshal([]byte(b.String()), &rec.Room); err != nil {
		return rec, fmt.Errorf("rooms: redis: bad room record: %w", err)
	}
	if _, ok := h["filter"]; !ok {
		rec.Filter = FilterMask // a room made before the setting existed
	}
	copy(rec.HostKeyHash[:], h["hk"])
	copy(rec.ModeratorKeyHash[:], h["mk"])
	return rec, nil
}

// CreateRoom implements Store.
func (s *RedisStore) CreateRoom(ctx context.Context, rec RoomRecord) error {
	fields := jsonFields(rec.Room)
	args := make([]any, 0, 2*len(fields)+4)
	for _, f := range fields {
		args = append(args, f[0], f[1])
	}
	args = append(args, "hk", rec.HostKeyHash[:], "mk", rec.ModeratorKeyHash[:])
	_, _, err := s.run(ctx, scriptCreateRoom, rec.Code, 0, args...)
	return err
}

// Room implements Store.
func (s *RedisStore) Room(ctx context.Context, code string) (RoomRecord, error) {
	h, err := s.rdb.HGetAll(ctx, redisKeys(code)[0]).Result()
	if err != nil {
		return RoomRecord{}, fmt.Errorf("rooms: redis: %w", err)
	}
	if len(h) == 0 {
		return RoomRecord{}, ErrRoomNotFound
	}
	return parseRoomHash(h)
}

// UpdateRoom implements Store.
func (s *RedisStore) UpdateRoom(ctx context.Context, code string, patch RoomPatch) (Room, Event, error) {
	var set []any
	add := func(name string, v any) { set = append(set, name, mustJSON(v)) }
	if patch.Title != nil {
		add("title", *patch.Title)
	}
	if patch.Filter != nil {
		add("filter", *patch.Filter)
	}
	if patch.RetentionDays != nil {
		add("retention_days", *patch.RetentionDays)
	}
	for _, f := range []struct {
		name string
		v    *bool
	}{{"moderation", patch.Moderation}, {"comments", patch.Comments}, {"reactions", patch.Reactions}, {"qa", patch.QA}, {"closed", patch.Closed}} {
		if f.v != nil {
			add(f.name, *f.v)
		}
	}
	args := make([]any, 0, 1+len(set)+len(roomFields))
	args = append(args, len(set)/2)
	args = append(args, set...)
	for _, name := range roomFields {
		args = append(args, name)
	}
	at := time.Now().UnixNano()
	_, res, err := s.run(ctx, scriptUpdateRoom, code, at, args...)
	if err != nil {
		return Room{}, Event{}, err
	}
	seq, err1 := replyInt(res, 0)
	data, ok := replyString(res, 1)
	if err1 != nil || !ok {
		return Room{}, Event{}, errBadReply
	}
	var r Room
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return Room{}, Event{}, fmt.Errorf("rooms: redis: bad room event: %w", err)
	}
	return r, Event{Seq: uint64(seq), Type: EventRoom, Data: []byte(data), At: at}, nil
}

// commentIDPrefix is how Go encodes a Comment with an empty ID; the script
// gets the rest and puts the id it assigns in front.
const commentIDPrefix = `{"id":"",`

// AddComment implements Store.
func (s *RedisStore) AddComment(ctx context.Context, code string, c Comment, cid string) (Comment, Event, error) {
	c.ID = ""
	body, err := MarshalJSON(c)
	if err != nil || !bytes.HasPrefix(body, []byte(commentIDPrefix)) {
		return Comment{}, Event{}, fmt.Errorf("rooms: encoding comment: %v", err)
	}
	rest := body[len(commentIDPrefix):]
	at := time.Now().UnixNano()
	st, res, err := s.run(ctx, scriptAddComment, code, at, c.Participant, cid, rest)
	if err != nil {
		return Comment{}, Event{}, err
	}
	if st == statusDuplicate {
		id, ok := replyString(res, 0)
		if !ok {
			return Comment{}, Event{}, errBadReply
		}
		stored, ok := replyString(res, 1)
		if !ok {
			return Comment{ID: id}, Event{}, nil // made, then deleted
		}
		var prev Comment
		if err := json.Unmarshal([]byte(stored), &prev); err != nil {
			return Comment{}, Event{}, fmt.Errorf("rooms: redis: bad stored comment: %w", err)
		}
		return prev, Event{}, nil
	}
	seq, err1 := replyInt(res, 0)
	n, err2 := replyInt(res, 1)
	if err := errors.Join(err1, err2); err != nil {
		return Comment{}, Event{}, err
	}
	c.ID = "c" + strconv.FormatInt(n, 10)
	// The script's event data, made the same way: wrapEvent of the comment.
	data := make([]byte, 0, len(rest)+64)
	data = append(data, `{"type":"comment","seq":`...)
	data = strconv.AppendInt(data, seq, 10)
	data = append(data, `,"id":"`...)
	data = append(data, c.ID...)
	data = append(data, `",`...)
	data = append(data, rest...)
	return c, Event{Seq: uint64(seq), Type: TypeComment, Data: data, At: at}, nil
}

// DeleteComment implements Store.
func (s *RedisStore) DeleteComment(ctx context.Context, code, id, author string) (Event, error) {
	at := time.Now().UnixNano()
	_, res, err := s.run(ctx, scriptDeleteComment, code, at, id, author)
	if err != nil {
		return Event{}, err
	}
	seq, err := replyInt(res, 0)
	if err != nil {
		return Event{}, err
	}
	return Event{Seq: uint64(seq), Type: EventCommentDeleted, Data: commentDeletedEvent(uint64(seq), id), At: at}, nil
}

// Ban implements Store.
func (s *RedisStore) Ban(ctx context.Context, code, participant string) error {
	_, _, err := s.run(ctx, scriptBan, code, 0, participant, "1")
	return err
}

// Banned implements Store.
func (s *RedisStore) Banned(ctx context.Context, code, participant string) (bool, error) {
	_, res, err := s.run(ctx, scriptBan, code, 0, participant, "0")
	if err != nil {
		return false, err
	}
	n, err := replyInt(res, 0)
	return n == 1, err
}

func reactionArgs(delta Reactions) []any {
	args := make([]any, 0, 2*len(ReactionKinds))
	for _, k := range ReactionKinds {
		args = append(args, k)
	}
	for _, d := range delta {
		args = append(args, d)
	}
	return args
}

// parseCounts reads an HMGET reply of the reaction kinds.
func parseCounts(v any) (Reactions, error) {
	var r Reactions
	counts, ok := v.([]any)
	if !ok || len(counts) != len(r) {
		return r, errBadReply
	}
	for i, c := range counts {
		if c == nil {
			continue
		}
		s, _ := c.(string)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return r, errBadReply
		}
		r[i] = n
	}
	return r, nil
}

// AddReactions implements Store.
func (s *RedisStore) AddReactions(ctx context.Context, code string, delta Reactions) (Reactions, error) {
	_, res, err := s.run(ctx, scriptReactions, code, 0, reactionArgs(delta)...)
	if err != nil {
		return Reactions{}, err
	}
	if len(res) != 1 {
		return Reactions{}, errBadReply
	}
	return parseCounts(res[0])
}

// FlushReactions implements Store: the reactions script of every room,
// pipelined, in one round trip (two when Redis lost its script cache).
// Rooms that do not exist are skipped by the script, which adds nothing.
func (s *RedisStore) FlushReactions(ctx context.Context, deltas map[string]Reactions, watch []string) (map[string]Reactions, error) {
	codes := make([]string, 0, len(deltas)+len(watch))
	for code := range deltas {
		codes = append(codes, code)
	}
	for _, code := range watch {
		if _, ok := deltas[code]; !ok {
			codes = append(codes, code)
		}
	}
	totals := make(map[string]Reactions, len(codes))
	if len(codes) == 0 {
		return totals, nil
	}
	cmds, err := s.runEach(ctx, scriptReactions, codes, func(code string) []any { return reactionArgs(deltas[code]) })
	if err != nil {
		return nil, err
	}
	for i, cmd := range cmds {
		res, err := cmd.Slice()
		if err != nil {
			return nil, fmt.Errorf("rooms: redis: %w", err)
		}
		_, res, err = replyStatus(res)
		if errors.Is(err, ErrRoomNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(res) != 1 {
			return nil, errBadReply
		}
		if totals[codes[i]], err = parseCounts(res[0]); err != nil {
			return nil, err
		}
	}
	return totals, nil
}

// runEach runs the script once per room, pipelined (see evalEach), with
// the keys and leading arguments of every room script; args gives a room's
// own arguments.
func (s *RedisStore) runEach(ctx context.Context, sc *redis.Script, codes []string, args func(code string) []any) ([]*redis.Cmd, error) {
	return s.evalEach(ctx, sc, codes, redisKeys, func(code string) []any {
		return append([]any{0, s.retained, s.publish, RedisChannel(code)}, args(code)...)
	})
}

// evalEach runs sc once per room with its own keys and arguments,
// pipelined: one round trip (two when Redis lost its script cache, in
// which case only the scripts it did not know run again, so no counter is
// added twice).
func (s *RedisStore) evalEach(ctx context.Context, sc *redis.Script, codes []string, keys func(string) []string, args func(string) []any) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(codes))
	exec := func(idx []int, loaded bool) error {
		pipe := s.rdb.Pipeline()
		for _, i := range idx {
			if loaded {
				cmds[i] = sc.EvalSha(ctx, pipe, keys(codes[i]), args(codes[i])...)
			} else {
				cmds[i] = sc.Eval(ctx, pipe, keys(codes[i]), args(codes[i])...)
			}
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	all := make([]int, len(codes))
	for i := range all {
		all[i] = i
	}
	if err := exec(all, true); err != nil {
		var again []int
		for i, cmd := range cmds {
			if cmd.Err() != nil && redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
				again = append(again, i)
			}
		}
		if len(again) == 0 {
			return nil, fmt.Errorf("rooms: redis: %w", err)
		}
		if err := exec(again, false); err != nil {
			return nil, fmt.Errorf("rooms: redis: %w", err)
		}
	}
	return cmds, nil
}

// Since implements Store.
func (s *RedisStore) Since(ctx context.Context, code string, seq uint64) ([]Event, bool, error) {
	_, res, err := s.run(ctx, scriptSince, code, 0, strconv.FormatUint(seq, 10))
	if err != nil {
		return nil, false, err
	}
	ok, err := replyInt(res, 0)
	if err != nil || ok == 0 {
		return nil, false, err
	}
	events := make([]Event, 0, len(res)-1)
	for _, v := range res[1:] {
		env, isStr := v.(string)
		if !isStr {
			return nil, false, errBadReply
		}
		ev, err := DecodeEnvelope([]byte(env))
		if err != nil {
			return nil, false, err
		}
		events = append(events, ev)
	}
	return events, true, nil
}

// State implements Store: one script, so one consistent picture.
func (s *RedisStore) State(ctx context.Context, code string, comments int) (State, error) {
	st, _, err := s.state(ctx, code, comments, false)
	return st, err
}

// state runs the state script; with questions it also returns the
// :questions and :qvotes hashes as field, value pairs (parsed by
// StateWithQuestions).
func (s *RedisStore) state(ctx context.Context, code string, comments int, questions bool) (State, []any, error) {
	args := make([]any, 0, 2+len(ReactionKinds))
	args = append(args, max(comments, 0), "0")
	if questions {
		args[1] = "1"
	}
	for _, k := range ReactionKinds {
		args = append(args, k)
	}
	_, res, err := s.run(ctx, scriptState, code, 0, args...)
	if err != nil {
		return State{}, nil, err
	}
	return parseState(res, questions)
}

// parseState reads the state script's reply after its status (and with
// questions returns the two hashes after the state, unparsed).
func parseState(res []any, questions bool) (State, []any, error) {
	want := 4
	if questions {
		want = 6
	}
	seq, err := replyInt(res, 0)
	if err != nil || len(res) != want {
		return State{}, nil, errBadReply
	}
	h, ok1 := replyHash(res[1])
	list, ok2 := res[2].([]any)
	if !ok1 || !ok2 {
		return State{}, nil, errBadReply
	}
	rec, err := parseRoomHash(h)
	if err != nil {
		return State{}, nil, err
	}
	st := State{Seq: uint64(seq), Room: rec.Room, Comments: make([]Comment, 0, len(list))}
	for _, v := range list {
		js, _ := v.(string)
		var c Comment
		if err := json.Unmarshal([]byte(js), &c); err != nil {
			return State{}, nil, fmt.Errorf("rooms: redis: bad stored comment: %w", err)
		}
		st.Comments = append(st.Comments, c)
	}
	if st.Reactions, err = parseCounts(res[3]); err != nil {
		return State{}, nil, err
	}
	return st, res[4:], nil
}

// replyHash reads an HGETALL reply (field, value pairs).
func replyHash(v any) (map[string]string, bool) {
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, false
	}
	h := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, ok1 := flat[i].(string)
		v, ok2 := flat[i+1].(string)
		if !ok1 || !ok2 {
			return nil, false
		}
		h[k] = v
	}
	return h, true
}

// Seq implements Store.
func (s *RedisStore) Seq(ctx context.Context, code string) (uint64, error) {
	_, res, err := s.run(ctx, scriptState, code, 0, -1, "0")
	if err != nil {
		return 0, err
	}
	seq, err := replyInt(res, 0)
	return uint64(seq), err
}

// Ping implements Store: PING.
func (s *RedisStore) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("rooms: redis: %w", err)
	}
	return nil
}
