package rooms

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var scriptPollAllBallots = loadScript("poll_common", "poll_all_ballots")

// AllBallots implements PollBallotsStore: one script reads every poll
// record and every ballot of the room (lua/poll_all_ballots.lua); Go
// parses and orders them. A text ballot keeps the results version it was
// cast at ("t<version> <text>"), which orders the answers as cast.
func (s *RedisStore) AllBallots(ctx context.Context, code string) ([]PollBallots, error) {
	_, res, err := s.run(ctx, scriptPollAllBallots, code, 0)
	if err != nil {
		return nil, err
	}
	if len(res) != 2 {
		return nil, errBadReply
	}
	polls, ok1 := res[0].([]any)
	ballots, ok2 := res[1].([]any)
	if !ok1 || !ok2 || len(polls)%2 != 0 || len(ballots)%2 != 0 {
		return nil, errBadReply
	}
	out := make([]PollBallots, 0, len(polls)/2)
	byNumber := make(map[string]int, len(polls)/2) // "<n>" of "p<n>" → index in out
	for i := 0; i < len(polls); i += 2 {
		id, ok1 := polls[i].(string)
		rec, ok2 := polls[i+1].(string)
		if !ok1 || !ok2 {
			return nil, errBadReply
		}
		p, err := parsePollRecord(id, rec)
		if err != nil {
			return nil, err
		}
		byNumber[strings.TrimPrefix(id, "p")] = len(out)
		out = append(out, PollBallots{Poll: p, Ballots: []VoterBallot{}})
	}
	castAt := make(map[string]uint64) // "<poll index>|participant" → version (text)
	for i := 0; i < len(ballots); i += 2 {
		field, ok1 := ballots[i].(string)
		rec, ok2 := ballots[i+1].(string)
		cut := strings.LastIndexByte(field, '|')
		if !ok1 || !ok2 || cut < 0 {
			return nil, errBadReply
		}
		participant, n := field[:cut], field[cut+1:]
		at, ok := byNumber[n]
		if !ok {
			continue // not one of the polls read (cannot happen in one script)
		}
		b, err := parseBallot(rec)
		if err != nil {
			return nil, err
		}
		if rec[0] == 't' {
			ver, _, _ := strings.Cut(rec[1:], " ")
			v, err := strconv.ParseUint(ver, 10, 64)
			if err != nil {
				return nil, errBadReply
			}
			castAt[strconv.Itoa(at)+"|"+participant] = v
		}
		out[at].Ballots = append(out[at].Ballots, VoterBallot{Participant: participant, Ballot: b})
	}
	for i := range out {
		bs := out[i].Ballots
		if out[i].Poll.Kind == PollText {
			prefix := strconv.Itoa(i) + "|"
			sort.Slice(bs, func(a, b int) bool {
				return castAt[prefix+bs[a].Participant] < castAt[prefix+bs[b].Participant]
			})
		} else {
			slices.SortFunc(bs, func(a, b VoterBallot) int { return strings.Compare(a.Participant, b.Participant) })
		}
	}
	slices.SortFunc(out, func(a, b PollBallots) int { return cmp.Compare(pollNumber(a.Poll.ID), pollNumber(b.Poll.ID)) })
	return out, nil
}
