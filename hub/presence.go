package hub

import (
	"context"

	"go.uber.org/zap"
)

// Presence sums each room's audience connections (not staff, not displays
// such as the screen) over every instance serving it.
type Presence interface {
	// Report records this instance's connection count per room (a room
	// whose last local client left is reported once with 0) and returns the
	// total across live instances of every room reported.
	Report(ctx context.Context, local map[string]int) (map[string]int, error)
	// Count returns one room's total across live instances.
	Count(ctx context.Context, room string) (int, error)
}

// LocalPresence is the Presence of a single instance: a room's total is its
// local count. Count is answered from the last Report.
type LocalPresence struct{ hub *Hub }

// Report implements Presence.
func (LocalPresence) Report(_ context.Context, local map[string]int) (map[string]int, error) {
	return local, nil
}

// Count implements Presence.
func (p LocalPresence) Count(_ context.Context, room string) (int, error) {
	return p.hub.localAudience(room), nil
}

// reportPresence reports the local counts and queues a `presence` event to
// every local room whose total changed. Called once per presenceInterval.
func (h *Hub) reportPresence() {
	h.mu.Lock()
	list := make([]*room, 0, len(h.rooms))
	local := make(map[string]int, len(h.rooms)+len(h.emptied))
	for code := range h.emptied {
		local[code] = 0
	}
	clear(h.emptied)
	for code, r := range h.rooms {
		list = append(list, r)
		local[code] = r.audience()
	}
	h.mu.Unlock()
	if len(local) == 0 {
		return
	}
	totals, err := h.presence.Report(h.ctx, local)
	if err != nil {
		h.log.Warn("presence not reported", zap.Error(err))
		return
	}
	for _, r := range list {
		if n, ok := totals[r.code]; ok {
			r.sendPresence(n)
		}
	}
	h.svc.RecordPresence(h.ctx, totals)
}

// Presence returns how many people are connected to a room across all
// instances (0 when it cannot be told).
func (h *Hub) Presence(ctx context.Context, code string) int {
	n, err := h.presence.Count(ctx, code)
	if err != nil {
		h.log.Warn("presence unknown", zap.String("room", code), zap.Error(err))
	}
	return n
}

// localCount returns how many clients this instance has in a room.
func (h *Hub) localCount(code string) int {
	h.mu.Lock()
	r := h.rooms[code]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	return r.size()
}

// localAudience returns how many clients this instance has in a room's
// presence count (room.audience).
func (h *Hub) localAudience(code string) int {
	h.mu.Lock()
	r := h.rooms[code]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	return r.audience()
}
