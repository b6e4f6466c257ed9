package rooms

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// cachedSnapshot is the shared part of a room's snapshot at one seq. Many
// clients join a room at once (a QR code on the projector); they share it.
type cachedSnapshot struct {
	seq  uint64
	made time.Time
	body []byte // `"room":{...},...,"reactions":{...}` without braces
}

// Snapshot returns the `snapshot` event for actor: the room's state at its
// current seq, presence as given by the caller, and actor's own state under
// "you". It also returns that seq.
func (s *Service) Snapshot(ctx context.Context, actor Actor, presence int) ([]byte, uint64, error) {
	seq, body, err := s.snapshotBody(ctx, actor.Room)
	if err != nil {
		return nil, 0, err
	}
	out := make([]byte, 0, len(body)+96)
	out = append(out, `{"type":"snapshot","seq":`...)
	out = strconv.AppendUint(out, seq, 10)
	out = append(out, ',')
	out = append(out, body...)
	out = append(out, `,"presence":`...)
	out = strconv.AppendInt(out, int64(presence), 10)
	out = append(out, `,"you":{"upvoted":[],"votes":{}}}`...)
	return out, seq, nil
}

// snapshotBody returns the shared part of the room's snapshot, from the
// cache while the room's seq is unchanged and the entry is younger than
// DefaultSnapshotCacheTTL (reaction totals are not durable, so they may lag
// by that much; the next `reactions` event corrects them).
func (s *Service) snapshotBody(ctx context.Context, code string) (uint64, []byte, error) {
	seq, err := s.store.Seq(ctx, code)
	if err != nil {
		return 0, nil, err
	}
	now := time.Now()
	s.snapMu.Lock()
	c, ok := s.snapshots[code]
	s.snapMu.Unlock()
	if ok && c.seq == seq && now.Sub(c.made) < DefaultSnapshotCacheTTL {
		return c.seq, c.body, nil
	}
	st, err := s.store.State(ctx, code, s.cfg.SnapshotComments)
	if err != nil {
		return 0, nil, err
	}
	comments := st.Comments
	if comments == nil {
		comments = []Comment{}
	}
	body, err := json.Marshal(struct {
		Room      Room       `json:"room"`
		Questions []struct{} `json:"questions"`
		Polls     []struct{} `json:"polls"`
		Comments  []Comment  `json:"comments"`
		Reactions Reactions  `json:"reactions"`
	}{st.Room, []struct{}{}, []struct{}{}, comments, st.Reactions})
	if err != nil {
		return 0, nil, err
	}
	body = body[1 : len(body)-1]
	s.snapMu.Lock()
	if old, ok := s.snapshots[code]; !ok || old.seq <= st.Seq {
		s.snapshots[code] = cachedSnapshot{seq: st.Seq, made: now, body: body}
	}
	s.snapMu.Unlock()
	return st.Seq, body, nil
}
