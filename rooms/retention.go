package rooms

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// EventRoomDeleted is internal: it travels on a room's channel when the
// room was deleted (by its host or when its retention ran out), so that
// every instance closes the room's connections with 4004. It is never sent
// to clients.
const EventRoomDeleted = "room_deleted"

// CloseRoomDeleted is the close code of the connections of a deleted room:
// 4004, no such room.
const CloseRoomDeleted = 4004

// retentionOf is how long room r's data is kept once it is closed.
func (s *Service) retentionOf(r Room) time.Duration {
	if r.RetentionDays > 0 {
		return time.Duration(r.RetentionDays) * 24 * time.Hour
	}
	return s.cfg.Retention
}

// scheduleDeletion brings the store's deletion time of a room in line with
// its settings after a room_set: a closed room is deleted its retention
// after it was closed (the close time is kept when only the retention
// changes); an open one is not deleted.
func (s *Service) scheduleDeletion(ctx context.Context, code string) error {
	rec, err := s.store.Room(ctx, code)
	if err != nil {
		return err
	}
	if !rec.Closed {
		return s.store.ScheduleDeletion(ctx, code, 0, 0)
	}
	ins, err := s.store.Insight(ctx, code)
	if err != nil {
		return err
	}
	closedAt := ins.ClosedAt
	if closedAt <= 0 {
		closedAt = s.cfg.Now().UnixMilli()
	}
	return s.store.ScheduleDeletion(ctx, code, closedAt, closedAt+s.retentionOf(rec.Room).Milliseconds())
}

// SweepDeletions deletes every room whose deletion is due, and closes its
// connections on every instance. Run calls it every DeletionSweep.
func (s *Service) SweepDeletions(ctx context.Context) {
	now := s.cfg.Now().UnixMilli()
	due, err := s.store.DueDeletions(ctx, now)
	if err != nil {
		s.log.Warn("rooms due for deletion unknown", zap.Error(err))
		return
	}
	for _, code := range due {
		deleted, err := s.store.DeleteRoom(ctx, code, now)
		if err != nil {
			s.log.Warn("room not deleted", zap.String("room", code), zap.Error(err))
			continue
		}
		if deleted {
			s.roomDeleted(code)
			s.log.Info("room deleted: retention ran out", zap.String("room", code))
		}
	}
}

// DeleteRoom deletes room code and all its data now, for the holder of its
// host key (credential), and closes its connections on every instance.
// Refusals: ErrRoomNotFound; unauthorized without a credential or with one
// not valid for the room; forbidden for a moderator key or participant token.
func (s *Service) DeleteRoom(ctx context.Context, credential, code string) error {
	actor, err := s.Authenticate(ctx, code, credential)
	if err != nil {
		return err
	}
	if actor.Role != RoleHost {
		return &Error{Code: CodeForbidden, Message: "only the host may delete a room"}
	}
	deleted, err := s.store.DeleteRoom(ctx, actor.Room, 0)
	if err != nil {
		return err
	}
	if !deleted {
		return ErrRoomNotFound
	}
	s.roomDeleted(actor.Room)
	s.log.Info("room deleted by its host", zap.String("room", actor.Room))
	return nil
}

// roomDeleted forgets what this instance holds of a deleted room and tells
// every instance to close its connections.
func (s *Service) roomDeleted(code string) {
	s.snapMu.Lock()
	delete(s.snapshots, code)
	s.snapMu.Unlock()
	s.insight.mu.Lock()
	delete(s.insight.pending, code)
	s.insight.mu.Unlock()
	s.pub.Publish(code, Event{Type: EventRoomDeleted, At: time.Now().UnixNano()})
}

// IdleExpiresAt returns when open room code will be deleted for want of
// activity (Unix ms): its last activity plus the store's idle expiry,
// rounded up to the hour. 0 when it will not (closed: its retention
// decides; no idle expiry) or cannot be read.
func (s *Service) IdleExpiresAt(ctx context.Context, code string) int64 {
	at, _ := s.store.IdleAt(ctx, code)
	return at
}
