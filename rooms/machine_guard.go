package rooms

import (
	"fmt"
	"slices"
)

// machineGuard is what the room's protections against abuse know of each
// participant, all of it from the entries: when it first joined
// (Room.HoldNewMinutes), when it last posted (Room.SlowModeSeconds), which
// address groups it joined from (a ban that covers its address), and the
// address groups whose new participants are refused.
type machineGuard struct {
	// joined: participant → time of the entry that first recorded its
	// join (OpSeen). A participant not in it has not been seen joining
	// yet, and counts as joining now.
	joined map[string]int64
	// addrs: participant → the keyed hashes of the address groups it
	// joined from, newest last, at most maxAddrsPerParticipant.
	addrs map[string][]string
	// posted: participant → time of its last question or comment.
	posted map[string]int64
	// covered: address hashes whose new participants are refused, until
	// the room is closed.
	covered map[string]bool
	// asks is the room's ask bucket: the audience's questions together,
	// counted in the log, so every instance's replica holds the same one
	// and N instances allow the room's rate once (Record.AskRefill).
	asks askBucket
}

// askBucket is a token bucket over the entries' times in integer units
// (a millionth of a question), so every replica computes the same.
type askBucket struct {
	Tokens int64 `json:"tokens"` // µquestions at At
	At     int64 `json:"at"`     // Unix ms; 0: full
}

// askUnit is one question in the bucket's units.
const askUnit = 1_000_000

// take takes one question at time at from a bucket that refills refill
// µquestions a millisecond up to burst questions; when it is empty it
// returns when one will be there.
func (b *askBucket) take(at, refill int64, burst int) (ok bool, retryAt int64) {
	full := int64(burst) * askUnit
	tokens := full
	if b.At != 0 && at > b.At {
		tokens = min(full, b.Tokens+(at-b.At)*refill)
	} else if b.At != 0 {
		tokens = b.Tokens // an entry no later than the last: no refill
	}
	if tokens < askUnit {
		return false, at + (askUnit-tokens+refill-1)/refill
	}
	b.Tokens, b.At = tokens-askUnit, max(at, b.At)
	return true, 0
}

// askRate applies the room-wide ask rate to an audience ask (r.AskRefill
// set by the appending instance), taking its question from the bucket.
func (m *Machine) askRate(r Record, at int64) *Error {
	if r.Staff || r.AskRefill <= 0 || r.AskBurst <= 0 {
		return nil
	}
	if ok, retry := m.guard.asks.take(at, r.AskRefill, r.AskBurst); !ok {
		return &Error{Code: CodeRateLimited, RetryAt: retry,
			Message: "the room is taking many questions at once; try again in a few seconds"}
	}
	return nil
}

// maxAddrsPerParticipant bounds the address groups kept per participant:
// a phone moving between Wi-Fi and mobile data has two or three.
const maxAddrsPerParticipant = 4

// Refusals of the room's protections.
var (
	ErrNameRequired = &Error{Code: CodeNameRequired, Message: "this room needs a name on every question and comment; set your name first"}
)

// seen records the joins of an OpSeen entry at time at: the first join of
// each participant, and the address groups they joined from.
func (g *machineGuard) seen(r Record, at int64) {
	for p := range r.Seen {
		if _, ok := g.joined[p]; ok {
			continue
		}
		if g.joined == nil {
			g.joined = make(map[string]int64)
		}
		g.joined[p] = at
	}
	for p, addr := range r.Addrs {
		if addr == "" {
			continue
		}
		list := g.addrs[p]
		if i := slices.Index(list, addr); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		list = append(list, addr)
		if len(list) > maxAddrsPerParticipant {
			list = slices.Delete(list, 0, len(list)-maxAddrsPerParticipant)
		}
		if g.addrs == nil {
			g.addrs = make(map[string][]string)
		}
		g.addrs[p] = list
	}
}

// cover refuses new participants from every address group participant
// joined from; it reports whether it knew of any.
func (g *machineGuard) cover(participant string) bool {
	list := g.addrs[participant]
	for _, addr := range list {
		if g.covered == nil {
			g.covered = make(map[string]bool)
		}
		g.covered[addr] = true
	}
	return len(list) > 0
}

// postRules applies the room's protections to a question (question true)
// or comment of r at time at: a name when the room needs one, slow mode,
// and the hold on newcomers. held reports a question that must start
// pending. Staff are exempt.
func (m *Machine) postRules(r Record, at int64, question bool) (held bool, err *Error) {
	if r.Staff {
		return false, nil
	}
	room, g := &m.room, &m.guard
	if room.NameRequired && r.Author == nil && !r.Named {
		return false, ErrNameRequired
	}
	if n := int64(room.SlowModeSeconds); n > 0 {
		if last, ok := g.posted[r.Participant]; ok && at < last+n*1000 {
			retry := last + n*1000
			return false, &Error{Code: CodeSlowMode, RetryAt: retry,
				Message: fmt.Sprintf("slow mode: one question or comment every %d seconds; you can post again in %d s", n, seconds(retry-at))}
		}
	}
	if n := int64(room.HoldNewMinutes); n > 0 {
		joined, ok := g.joined[r.Participant]
		if !ok {
			joined = at
		}
		if until := joined + n*60_000; at < until {
			if question {
				return true, nil
			}
			return false, &Error{Code: CodeTooNew, RetryAt: until,
				Message: fmt.Sprintf("new participants can comment %d minutes after joining; you can comment in %d s", n, seconds(until-at))}
		}
	}
	return false, nil
}

// seconds rounds ms up to whole seconds.
func seconds(ms int64) int64 { return (ms + 999) / 1000 }

// notePost records that r's sender posted at time at (slow mode).
func (m *Machine) notePost(r Record, at int64) {
	if r.Staff || r.Participant == "" {
		return
	}
	if m.guard.posted == nil {
		m.guard.posted = make(map[string]int64)
	}
	m.guard.posted[r.Participant] = at
}

// roomFull refuses a new item past the cap of r (Record.Cap), with have
// items of that kind (what: "questions") in the room.
func roomFull(r Record, have int, what string) *Error {
	if r.Cap <= 0 || have < r.Cap {
		return nil
	}
	return errorf(CodeRoomFull, "this room holds the most %s a room may have (%d); delete some first", what, r.Cap)
}

// hidePosts hides the live and pending questions of participant and
// deletes its comments, and returns the events and how many it hid.
// Answered questions stay: they are part of the session's record.
func (m *Machine) hidePosts(participant string) ([]Event, int) {
	var events []Event
	n := 0
	hidden := QuestionHidden
	for _, mq := range m.questions {
		if mq.q.Participant != participant || (mq.q.Status != QuestionLive && mq.q.Status != QuestionPending) {
			continue
		}
		q, err := QuestionPatch{Status: &hidden}.Apply(mq.q)
		if err != nil {
			continue
		}
		if m.pinned == q.ID {
			m.pinned = ""
		}
		mq.q = q
		events = append(events, questionEvent(m.next(), q))
		n++
	}
	kept := m.comments[:0]
	var gone []string
	for _, c := range m.comments {
		if c.Participant == participant {
			gone = append(gone, c.ID)
			continue
		}
		kept = append(kept, c)
	}
	clear(m.comments[len(kept):])
	m.comments = kept
	for _, id := range gone {
		seq := m.next()
		events = append(events, Event{Seq: seq, Type: EventCommentDeleted, Data: commentDeletedEvent(seq, id)})
		n++
	}
	return events, n
}

// AddressCovered reports whether new participants from the address group
// of hash addr are refused (a ban that covered it, this session).
func (m *Machine) AddressCovered(addr string) bool { return addr != "" && m.guard.covered[addr] }

// LastActive is the time of the last entry that someone's action made
// (every applied entry but presence reports, schedules, quiz timers and
// the run's own steps),
// Unix ms; 0 when unknown (a snapshot of an earlier version, and no entry
// since).
func (m *Machine) LastActive() int64 { return m.lastActive }

// activity reports whether an applied entry of op is someone's action.
func activity(op string) bool {
	switch op {
	case OpPresence, OpSchedule, OpPollExpire, OpRunAdvance, OpEpoch:
		return false
	}
	return true
}
