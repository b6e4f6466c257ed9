package rooms

import (
	"context"
	"slices"

	"go.uber.org/zap"
)

// CloneRoom makes a new room from room from's prepared content, for the
// holder of from's host key (credential): a room used as a template, or
// last week's session run again. The new room takes from's settings
// (moderation, Q&A, comments, reactions, the word filter's action,
// retention, the protections, the branding) and every poll and quiz, each as a draft with its options,
// answers, timer and speed bonus, in from's order. Nothing the audience
// made is copied (no question, comment, ballot, reaction or ban), and the
// new room is open with a fresh code and keys. title "" keeps from's title.
//
// Refusals: those of Authenticate, forbidden for a moderator key or a
// participant token, and those of CreateRoom. If copying fails halfway the
// new room is deleted again, so no room is left without its keys' holder.
func (s *Service) CloneRoom(ctx context.Context, credential, from, title string) (Created, error) {
	actor, err := s.Authenticate(ctx, from, credential)
	if err != nil {
		return Created{}, err
	}
	if actor.Role != RoleHost {
		return Created{}, &Error{Code: CodeForbidden, Message: "only the host may copy a room"}
	}
	src, err := s.store.StateWithPolls(ctx, actor.Room, 0)
	if err != nil {
		return Created{}, err
	}
	if title == "" {
		title = src.Room.Title
	}
	created, err := s.CreateRoom(ctx, title, src.Room.Moderation)
	if err != nil {
		return Created{}, err
	}
	if err := s.fillFromTemplate(ctx, created.Code, src); err != nil {
		if _, derr := s.store.DeleteRoom(context.WithoutCancel(ctx), created.Code, 0); derr != nil {
			s.log.Warn("half-copied room not deleted", zap.String("room", created.Code), zap.Error(derr))
		}
		return Created{}, err
	}
	s.log.Info("room copied", zap.String("from", actor.Room), zap.String("room", created.Code), zap.Int("polls", len(src.Polls)))
	return created, nil
}

// fillFromTemplate gives room code src's settings and src's polls as drafts.
func (s *Service) fillFromTemplate(ctx context.Context, code string, src State) error {
	if _, _, err := s.store.UpdateRoom(ctx, code, templateSettings(src.Room)); err != nil {
		return err
	}
	// In the source's run of show, so the copy's numbers follow it.
	polls := slices.Clone(src.Polls)
	slices.SortStableFunc(polls, func(a, b PollState) int { return RunOrder(a.Poll) - RunOrder(b.Poll) })
	for _, ps := range polls {
		p := ps.Poll
		draft := Poll{Kind: p.Kind, Title: p.Title, Options: p.Options, Max: p.Max, Seconds: p.Seconds,
			State: PollDraft, SpeedBonus: p.SpeedBonus, Advance: p.Advance, Correct: p.Correct}
		if _, _, err := s.store.CreatePoll(ctx, code, draft); err != nil {
			return err
		}
	}
	return nil
}

// templateSettings is the patch that gives a new room r's settings, all
// but its title (set at creation) and whether it is closed (a copy starts
// open).
func templateSettings(r Room) RoomPatch {
	p := RoomPatch{
		Moderation:    &r.Moderation,
		Comments:      &r.Comments,
		Reactions:     &r.Reactions,
		QA:            &r.QA,
		RetentionDays: &r.RetentionDays,
		// The room's protections against abuse go with it too.
		NameRequired:    &r.NameRequired,
		HoldNewMinutes:  &r.HoldNewMinutes,
		SlowModeSeconds: &r.SlowModeSeconds,
	}
	if r.Filter != "" { // rooms made before the setting have none
		p.Filter = &r.Filter
	}
	// The branding goes with the prepared content; the stage starts at auto.
	theme := r.Theme
	if theme == "" {
		theme = ThemeDark
	}
	p.Accent, p.Theme, p.Logo = &r.Accent, &theme, &r.Logo
	return p
}
