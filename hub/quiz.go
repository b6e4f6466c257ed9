package hub

import (
	"context"
	"errors"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// Quiz timers and leaderboards of a room, owned by the room's worker.
//
// The server owns a quiz's timer: every instance with clients in the room
// keeps one timer per room (not per connection) set for the earliest
// closes_at of the room's open timed quizzes, learnt from the store when
// the room starts and from every `poll` event after. When it fires, the
// worker asks the store to close the quizzes that are due, each only if it
// is still open with that closes_at (rooms.Service.ExpireQuiz): however
// many instances race, one `poll` event closes the quiz, and it reaches
// every instance like any event. The timer stops with the room's worker.
//
// A quiz that advances on its own (rooms.Poll.Advance) closed by its timer
// has advances_at: the same timer then asks the store to step the run on
// from it (rooms.Service.AdvanceRun), which steps only if the quiz is still
// the run's cursor with that advances_at: one step however many instances
// race, none when the host stepped meanwhile.
//
// Each `poll` event of a closed quiz (its close, or a reveal after it) is
// followed by the quiz's `leaderboard`, read from the store by each
// instance for its own clients: staff receive it always, the audience once
// the quiz is revealed.

// quizRetry is how long a room waits to retry a timer's close that the
// store could not apply.
const quizRetry = time.Second

// quizTimers is the worker's view of the room's open timed quizzes.
type quizTimers struct {
	due map[string]int64 // quiz id → closes_at, Unix ms
	// advance: quiz id → advances_at, Unix ms, of the quizzes whose own
	// step of the run is pending.
	advance map[string]int64
	timer   *time.Timer // set for the earliest due; nil until first needed
	retry   bool        // the last close failed: fire again after quizRetry
}

// startQuizzes loads the room's open timed quizzes (the worker calls it at
// start, after subscribing, so no event about them can be missed).
func (r *room) startQuizzes(ctx context.Context) {
	timers, err := r.hub.svc.Timers(ctx, r.code)
	if err != nil {
		r.hub.log.Warn("room quiz timers unknown", zap.String("room", r.code), zap.Error(err))
		return
	}
	for _, t := range timers.Closes {
		r.quiz.set(t.Poll, t.ClosesAt)
	}
	for _, a := range timers.Advances {
		r.quiz.setAdvance(a.Poll, a.At)
	}
	r.armQuizTimer()
}

func (q *quizTimers) setAdvance(id string, at int64) {
	if q.advance == nil {
		q.advance = make(map[string]int64)
	}
	q.advance[id] = at
}

func (q *quizTimers) set(id string, closesAt int64) {
	if q.due == nil {
		q.due = make(map[string]int64)
	}
	q.due[id] = closesAt
}

// quizTimerC returns the channel of the room's quiz timer; nil (never
// ready) when no quiz is due.
func (r *room) quizTimerC() <-chan time.Time {
	if r.quiz.timer == nil || len(r.quiz.due)+len(r.quiz.advance) == 0 {
		return nil
	}
	return r.quiz.timer.C
}

// armQuizTimer sets the timer for the earliest closes_at or advances_at
// (or quizRetry after a failure), on the Service's clock.
func (r *room) armQuizTimer() {
	if len(r.quiz.due)+len(r.quiz.advance) == 0 {
		if r.quiz.timer != nil {
			r.quiz.timer.Stop()
		}
		return
	}
	first := int64(0)
	for _, due := range []map[string]int64{r.quiz.due, r.quiz.advance} {
		for _, at := range due {
			if first == 0 || at < first {
				first = at
			}
		}
	}
	wait := time.Duration(first-r.hub.svc.Now().UnixMilli()) * time.Millisecond
	if r.quiz.retry {
		wait = max(wait, quizRetry)
	}
	wait = max(wait, 0)
	if r.quiz.timer == nil {
		r.quiz.timer = time.NewTimer(wait)
		return
	}
	r.quiz.timer.Reset(wait) // Go ≥ 1.23: no stale value is left to drain
}

// stopQuizTimer stops the timer when the worker ends.
func (r *room) stopQuizTimer() {
	if r.quiz.timer != nil {
		r.quiz.timer.Stop()
	}
}

// expireQuizzes closes the due quizzes and steps the run on from those
// whose pause is over (the timer fired).
func (r *room) expireQuizzes(ctx context.Context) {
	now := r.hub.svc.Now().UnixMilli()
	r.quiz.retry = false
	r.runDue(r.quiz.due, now, "quiz timer could not close the quiz; retrying", func(id string, at int64) error {
		_, err := r.hub.svc.ExpireQuiz(ctx, r.code, rooms.QuizTimer{Poll: id, ClosesAt: at})
		return err
	})
	r.runDue(r.quiz.advance, now, "the run could not step on by itself; retrying", func(id string, at int64) error {
		_, err := r.hub.svc.AdvanceRun(ctx, r.code, rooms.RunAdvance{Poll: id, At: at})
		return err
	})
	r.armQuizTimer()
}

// runDue calls do for each entry of due (poll id → Unix ms) that is due at
// now, and forgets it once done: applied, or made moot by another instance
// or by the host (the quiz reopened with a new timer, whose `poll` event
// sets it again; the run stepped meanwhile), or the poll or room gone. Any
// other error keeps it and retries after quizRetry.
func (r *room) runDue(due map[string]int64, now int64, failed string, do func(id string, at int64) error) {
	for id, at := range due {
		if at > now {
			continue
		}
		switch err := do(id, at); {
		case err == nil, errors.Is(err, rooms.ErrPollNotFound), errors.Is(err, rooms.ErrRoomNotFound):
			delete(due, id)
		default:
			r.hub.log.Warn(failed, zap.String("room", r.code), zap.String("poll", id), zap.Error(err))
			r.quiz.retry = true
		}
	}
}

// afterPollEvent keeps the timers in step with a durable event just fanned
// out, and follows a closed quiz's `poll` event with its leaderboard.
func (r *room) afterPollEvent(ctx context.Context, ev *rooms.Event) {
	info, ok := rooms.PollEventInfo(ev)
	if !ok || info.Kind != rooms.PollQuiz {
		return
	}
	_, had := r.quiz.due[info.ID]
	if info.State == rooms.PollOpen && info.ClosesAt > 0 {
		r.quiz.set(info.ID, info.ClosesAt)
		r.armQuizTimer()
	} else if had {
		delete(r.quiz.due, info.ID)
		r.armQuizTimer()
	}
	_, pending := r.quiz.advance[info.ID]
	if info.AdvancesAt > 0 {
		r.quiz.setAdvance(info.ID, info.AdvancesAt)
		r.armQuizTimer()
	} else if pending {
		delete(r.quiz.advance, info.ID)
		r.armQuizTimer()
	}
	if info.State != rooms.PollClosed {
		return
	}
	var who []string
	if info.Reveal { // the audience sees it: each player gets its own standing
		who = r.audienceParticipants()
	}
	lb, you, ok, err := r.hub.svc.LeaderboardOf(ctx, r.code, info.ID, who...)
	if err != nil {
		r.hub.log.Warn("leaderboard not sent", zap.String("room", r.code), zap.String("poll", info.ID), zap.Error(err))
		return
	}
	if ok {
		r.fanoutLeaderboard(&lb, you)
	}
}

// audienceParticipants returns the distinct participants of the room's
// audience clients on this instance.
func (r *room) audienceParticipants() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := make(map[string]bool, len(r.members))
	var out []string
	for _, c := range r.members {
		if p := c.actor.Participant; !c.staff && p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// fanoutLeaderboard fans out a `leaderboard` event: staff get it as it is,
// each audience client whose participant is in you gets the audience's
// version with its own "you" (rooms.WithYou, made once per participant;
// the shared part is encoded once), and an audience client that joined
// after you was read gets it without.
func (r *room) fanoutLeaderboard(ev *rooms.Event, you map[string]rooms.Standing) {
	if ev.Data == nil || len(you) == 0 {
		r.fanout(ev)
		return
	}
	mine := make(map[string]*rooms.Event, len(you))
	r.fanoutEach(ev, func(c *client) *rooms.Event {
		if c.staff {
			return ev
		}
		p := c.actor.Participant
		if e := mine[p]; e != nil {
			return e
		}
		st, ok := you[p]
		if !ok {
			return ev
		}
		e := *ev
		e.Data = rooms.WithYou(ev.Data, st)
		mine[p] = &e
		return &e
	})
}

// sendLeaderboard sends a client joining or resuming the leaderboard of
// the room's latest closed quiz, as far as its role may see it; an
// audience client's has its own standing ("you").
func (h *Hub) sendLeaderboard(c *client) {
	var who []string
	if !c.staff && c.actor.Participant != "" {
		who = []string{c.actor.Participant}
	}
	ev, you, ok, err := h.svc.LeaderboardOf(h.ctx, c.actor.Room, "", who...)
	if err != nil || !ok {
		return
	}
	b := ev.For(c.staff, c.actor.Participant)
	if b == nil {
		return
	}
	if st, mine := you[c.actor.Participant]; mine && !c.staff {
		b = rooms.WithYou(b, st)
	}
	c.send(b)
}
