package hub

import (
	"github.com/coder/websocket"

	"github.com/hubbubhq/hubbub/rooms"
)

// Key rotation on the hub's side (rooms/keys.go has the rules): a staff
// client remembers the hash of the key it joined with; when a room's key
// is replaced (the internal EventKeys, on every instance that serves the
// room), each client of that staff identity holding another key is closed
// with rooms.CloseKeyRotated. The host connection that asked for the
// rotation takes the new key's hash before the rotation is applied, so it
// stays; its page keeps the new key from the ack.

// rememberKey keeps the hash of the key a staff client joined with.
func (c *client) rememberKey(key string) {
	if !c.staff {
		return
	}
	h := rooms.HashKey(key)
	c.staffKey.Store(&h)
}

// rotateKey handles a key_rotate from c: it draws the new key, makes it
// c's own when it replaces the key c holds (the host's), and applies it.
// Should the rotation fail, c keeps its old key.
func (h *Hub) rotateKey(c *client, cmd rooms.Command) (rooms.Ack, error) {
	key, err := h.svc.NewKey(c.actor, cmd.Key)
	if err != nil {
		return rooms.Ack{}, err
	}
	own := cmd.Key == rooms.KeyHost && c.actor.Participant == rooms.HostParticipant
	var old *[32]byte
	if own {
		next := rooms.HashKey(key)
		old = c.staffKey.Swap(&next)
	}
	ack, err := h.svc.RotateKey(h.ctx, c.actor, cmd.Key, key)
	if err != nil && own {
		c.staffKey.Store(old)
	}
	return ack, err
}

// closeRotated closes the room's clients of the staff identity whose key
// ev replaced, unless they hold the new key.
func (r *room) closeRotated(ev *rooms.Event) {
	who, hash, ok := rooms.KeyRotated(*ev)
	if !ok {
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, c := range r.members {
		if !c.staff || c.actor.Participant != who {
			continue
		}
		if k := c.staffKey.Load(); k == nil || *k != hash {
			c.closeWith(websocket.StatusCode(rooms.CloseKeyRotated), "key replaced: ask the host for the new link")
		}
	}
}

// keyStillValid reports whether a staff key still opens room code: read
// after its client became a member, so a rotation either is seen here or
// finds the client in the room. A failed read counts as valid (the key
// was valid a moment ago; the rotation's event still closes the client).
func (h *Hub) keyStillValid(code, key string) bool {
	_, err := h.svc.Authenticate(h.ctx, code, key)
	return err == nil || rooms.AsError(err) == nil
}
