package rooms

import "context"

// runStep: moderators and the host step the run of show, next or previous,
// from the cursor they saw (machine_runstep.go). The ack carries the poll
// the step opened (absent: none) and the seq of its last event (absent:
// nothing changed, at the end of the run with nothing open).
func (s *Service) runStep(ctx context.Context, actor Actor, cmd Command) (Ack, error) {
	if !actor.Role.Staff() {
		return Ack{}, &Error{Code: CodeForbidden, Message: "only moderators and hosts step through the run"}
	}
	if cmd.Dir != RunNext && cmd.Dir != RunPrevious {
		return Ack{}, errorf(CodeBadRequest, "run_step needs \"dir\": \"next\" or \"previous\"")
	}
	rs, err := s.store.RunStep(ctx, actor.Room, cmd.Dir, cmd.From)
	if err != nil {
		return Ack{}, err
	}
	ack := Ack{Seq: rs.Seq}
	if rs.Opened != nil {
		ack.Poll = rs.Opened.ID
	}
	return ack, nil
}

// AdvanceRun is a quiz's own step once its pause is over: next from quiz
// a.Poll, only when it still has that AdvancesAt and is the run's cursor
// (see PollStore.AdvanceRun). Seq is 0 when it changed nothing (another
// instance stepped first, or the host stepped meanwhile).
func (s *Service) AdvanceRun(ctx context.Context, code string, a RunAdvance) (RunStepped, error) {
	return s.store.AdvanceRun(ctx, code, a.Poll, a.At)
}

// RunAdvance is a quiz's pending own step: the run steps next from Poll at
// At, Unix milliseconds (Poll.AdvancesAt).
type RunAdvance struct {
	Poll string
	At   int64
}
