package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Q&A of the Redis store. Every change of a question is one Lua script
// (lua/question_*.lua, after lua/common.lua and lua/question_common.lua),
// like the rest of the store: the change, the room's next seq (two for a pin
// that unpins another question), the stream entries and the publications.
// The scripts build the events by splicing JSON that Go encoded, so they are
// byte for byte questionEvent's. Upvotes are no events: a script adds or
// removes the pair participant "|" n, moves the count with it and advances
// the room's vote version; VoteChanges reads what changed past a version
// with one script per room, pipelined. Keys: lua/common.lua.

var _ Store = (*RedisStore)(nil)

var (
	scriptQuestionAdd     = loadScript("question_common", "question_add")
	scriptQuestionSet     = loadScript("question_common", "question_set")
	scriptQuestionDelete  = loadScript("question_common", "question_delete")
	scriptQuestionVote    = loadScript("question_common", "question_vote")
	scriptQuestionChanges = loadScript("question_common", "question_changes")
	scriptQuestionUpvoted = loadScript("question_common", "question_upvoted")
)

// AddQuestion implements QuestionStore.
func (s *RedisStore) AddQuestion(ctx context.Context, code string, q Question, cid string) (Question, Event, error) {
	pending := "0"
	if q.Status == QuestionPending {
		pending = "1"
	}
	at := time.Now().UnixNano()
	st, res, err := s.run(ctx, scriptQuestionAdd, code, at,
		q.Participant, cid, mustJSON(q.Text), mustJSON(q.Author), strconv.FormatInt(q.At, 10), pending)
	switch {
	case st == statusDuplicateText:
		id, ok := replyString(res, 0)
		if !ok {
			return Question{}, Event{}, errBadReply
		}
		return Question{}, Event{}, DuplicateQuestion(id)
	case err != nil:
		return Question{}, Event{}, err
	case st == statusDuplicate:
		id, ok := replyString(res, 0)
		if !ok {
			return Question{}, Event{}, errBadReply
		}
		rec, ok := replyString(res, 1)
		if !ok {
			return Question{ID: id}, Event{}, nil // asked, then deleted
		}
		prev, err := parseQuestionRecord(id, rec, res, 2)
		return prev, Event{}, err
	}
	env, ok := replyString(res, 2)
	if !ok {
		return Question{}, Event{}, errBadReply
	}
	ev, err := DecodeEnvelope([]byte(env))
	if err != nil {
		return Question{}, Event{}, err
	}
	// The Staff version is the whole question as stored.
	var made Question
	if err := json.Unmarshal(ev.Staff, &made); err != nil {
		return Question{}, Event{}, fmt.Errorf("rooms: redis: bad question event: %w", err)
	}
	return made, ev, nil
}

// SetQuestion implements QuestionStore.
func (s *RedisStore) SetQuestion(ctx context.Context, code, id string, patch QuestionPatch) ([]Event, Question, error) {
	var status, pinned, answer string
	if patch.Status != nil {
		status = "=" + *patch.Status // "" keeps the status
	}
	if patch.Pinned != nil {
		pinned = "0"
		if *patch.Pinned {
			pinned = "1"
		}
	}
	if patch.Answer != nil {
		answer = mustJSON(*patch.Answer) // never "" (JSON)
	}
	st, res, err := s.run(ctx, scriptQuestionSet, code, time.Now().UnixNano(), id, status, pinned, answer)
	if st == statusBadMove || st == statusPinInvisible {
		rec, ok := replyString(res, 0)
		if !ok {
			return nil, Question{}, errBadReply
		}
		q, perr := parseQuestionRecord(id, rec, res, 1)
		if perr != nil {
			return nil, Question{}, perr
		}
		if st == statusBadMove {
			err = errorf(CodeConflict, "a %s question cannot become %s", q.Status, *patch.Status)
		}
		return nil, q, err
	}
	if err != nil {
		return nil, Question{}, err
	}
	rec, ok := replyString(res, 0)
	if !ok {
		return nil, Question{}, errBadReply
	}
	q, err := parseQuestionRecord(id, rec, res, 1)
	if err != nil {
		return nil, Question{}, err
	}
	var events []Event
	for i := 2; i < len(res); i++ {
		env, ok := replyString(res, i)
		if !ok {
			return nil, Question{}, errBadReply
		}
		ev, err := DecodeEnvelope([]byte(env))
		if err != nil {
			return nil, Question{}, err
		}
		events = append(events, ev)
	}
	return events, q, nil
}

// DeleteQuestion implements QuestionStore.
func (s *RedisStore) DeleteQuestion(ctx context.Context, code, id, author string) (Event, error) {
	at := time.Now().UnixNano()
	_, res, err := s.run(ctx, scriptQuestionDelete, code, at, id, author)
	if err != nil {
		return Event{}, err
	}
	seq, err := replyInt(res, 0)
	if err != nil {
		return Event{}, err
	}
	return Event{Seq: uint64(seq), Type: EventQuestionDeleted, Data: questionDeletedEvent(uint64(seq), id), At: at}, nil
}

// Vote implements QuestionStore.
func (s *RedisStore) Vote(ctx context.Context, code, id, participant string, up bool) (int64, bool, error) {
	dir := "0"
	if up {
		dir = "1"
	}
	_, res, err := s.run(ctx, scriptQuestionVote, code, 0, id, participant, dir)
	if err != nil {
		return 0, false, err
	}
	votes, err1 := replyInt(res, 0)
	changed, err2 := replyInt(res, 1)
	if err := errors.Join(err1, err2); err != nil {
		return 0, false, err
	}
	return votes, changed == 1, nil
}

// VoteChanges implements QuestionStore: the changes script of every room,
// pipelined, in one round trip. For a room whose version has not moved the
// script reads one hash field.
func (s *RedisStore) VoteChanges(ctx context.Context, since map[string]uint64) (map[string]VoteChanges, error) {
	out := make(map[string]VoteChanges)
	err := s.changesPast(ctx, scriptQuestionChanges, since, func(code string, ver uint64, res []any) error {
		if len(res) != 3 {
			return errBadReply
		}
		ids, ok1 := res[0].([]any)
		counts, ok2 := res[1].([]any)
		visible, ok3 := res[2].([]any)
		if !ok1 || !ok2 || !ok3 || len(counts) != len(ids) || len(visible) != len(ids) {
			return errBadReply
		}
		ch := VoteChanges{Version: ver, Counts: make([]VoteCount, 0, len(ids))}
		for j := range ids {
			id, ok := ids[j].(string)
			n, err1 := replyInt(counts, j)
			v, err2 := replyInt(visible, j)
			if !ok || err1 != nil || err2 != nil {
				return errBadReply
			}
			ch.Counts = append(ch.Counts, VoteCount{ID: id, Votes: n, Visible: v == 1})
		}
		sort.Slice(ch.Counts, func(a, b int) bool {
			return questionNumber(ch.Counts[a].ID) < questionNumber(ch.Counts[b].ID)
		})
		out[code] = ch
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// changesPast runs sc, a *_changes script that answers a room's version
// followed by what changed past the version given, for every room in
// since, pipelined; for each room whose version is past the one given it
// calls each with the room, its version and the rest of the reply.
func (s *RedisStore) changesPast(ctx context.Context, sc *redis.Script, since map[string]uint64, each func(code string, ver uint64, rest []any) error) error {
	if len(since) == 0 {
		return nil
	}
	codes := make([]string, 0, len(since))
	for code := range since {
		codes = append(codes, code)
	}
	cmds, err := s.runEach(ctx, sc, codes, func(code string) []any {
		return []any{strconv.FormatUint(since[code], 10)}
	})
	if err != nil {
		return err
	}
	for i, cmd := range cmds {
		res, err := cmd.Slice()
		if err != nil {
			return fmt.Errorf("rooms: redis: %w", err)
		}
		if _, res, err = replyStatus(res); err != nil {
			return err
		}
		ver, err := replyInt(res, 0)
		if err != nil {
			return err
		}
		if uint64(ver) <= since[codes[i]] {
			continue
		}
		if err := each(codes[i], uint64(ver), res[1:]); err != nil {
			return err
		}
	}
	return nil
}

// Upvoted implements QuestionStore.
func (s *RedisStore) Upvoted(ctx context.Context, code, participant string) ([]string, error) {
	_, res, err := s.run(ctx, scriptQuestionUpvoted, code, 0, participant)
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := range res {
		n, ok := replyString(res, i)
		if !ok {
			return nil, errBadReply
		}
		ids = append(ids, "q"+n)
	}
	sortQuestionIDs(ids)
	return ids, nil
}

// StateWithQuestions implements QuestionStore: the state script with the
// questions, so one consistent picture.
func (s *RedisStore) StateWithQuestions(ctx context.Context, code string, comments int) (State, error) {
	st, extra, err := s.state(ctx, code, comments, true)
	if err != nil {
		return State{}, err
	}
	if err := fillQuestions(&st, extra); err != nil {
		return State{}, err
	}
	return st, nil
}

// fillQuestions sets st.Questions from the :questions and :qvotes hashes of
// the state script's reply.
func fillQuestions(st *State, extra []any) error {
	recs, ok1 := replyHash(extra[0])
	votes, ok2 := replyHash(extra[1])
	if !ok1 || !ok2 {
		return errBadReply
	}
	st.Questions = make([]Question, 0, len(recs))
	for id, rec := range recs {
		q, err := parseQuestionRecord(id, rec, []any{votes[id]}, 0)
		if err != nil {
			return err
		}
		st.Questions = append(st.Questions, q)
	}
	sort.Slice(st.Questions, func(a, b int) bool {
		return questionNumber(st.Questions[a].ID) < questionNumber(st.Questions[b].ID)
	})
	return nil
}

// parseQuestionRecord reads a question's record (lua/question_common.lua)
// with its count, v[i]: an integer, a decimal string, or nil or "" for 0.
func parseQuestionRecord(id, rec string, v []any, i int) (Question, error) {
	bad := func(why string) (Question, error) {
		return Question{}, fmt.Errorf("rooms: redis: bad question record %s: %s", id, why)
	}
	q := Question{ID: id}
	if i < len(v) {
		switch n := v[i].(type) {
		case int64:
			q.Votes = n
		case string:
			if n != "" {
				c, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return bad("votes " + n)
				}
				q.Votes = c
			}
		}
	}
	head, body, ok := strings.Cut(rec, "\n")
	f := strings.Split(head, " ")
	if !ok || len(f) != 6 {
		return bad("header")
	}
	q.Status, q.Pinned = f[0], f[1] == "1"
	at, err1 := strconv.ParseInt(f[2], 10, 64)
	alen, err2 := strconv.Atoi(f[4])
	tlen, err3 := strconv.Atoi(f[5])
	if errors.Join(err1, err2, err3) != nil || alen < 0 || tlen < 0 || alen+tlen > len(body) {
		return bad("header")
	}
	q.At = at
	if f[3] != "-" {
		q.Participant = f[3]
	}
	err1 = json.Unmarshal([]byte(body[:alen]), &q.Answer)
	err2 = json.Unmarshal([]byte(body[alen:alen+tlen]), &q.Text)
	err3 = json.Unmarshal([]byte(body[alen+tlen:]), &q.Author)
	if err := errors.Join(err1, err2, err3); err != nil {
		return bad(err.Error())
	}
	return q, nil
}
