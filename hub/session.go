package hub

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/zap"
)

// Close codes of the protocol.
const (
	closeBadHello   websocket.StatusCode = 4000
	closeBadToken   websocket.StatusCode = 4001
	closeBanned     websocket.StatusCode = 4003
	closeNoRoom     websocket.StatusCode = 4004
	closeTooSlow    websocket.StatusCode = 4008
	closeTooMany    websocket.StatusCode = 4029
	closeRestarting                      = websocket.StatusServiceRestart // 1012
)

// ServeWS upgrades GET /ws and runs the connection's session: hello and
// catch-up on the calling goroutine, then the read loop on a goroutine
// owned by the hub (Shutdown waits for it), which is the connection's only
// long-lived goroutine. Starting it after the catch-up keeps its stack to
// what the read loop needs, and returning from the handler lets net/http
// free the request and the handler's deep stack.
func (h *Hub) ServeWS(w http.ResponseWriter, r *http.Request) {
	hj := &hijacker{ResponseWriter: w}
	conn, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: h.cfg.AllowedOrigins,
	})
	if err != nil {
		return // Accept wrote the HTTP error (bad origin, not a WebSocket request)
	}
	conn.SetReadLimit(ReadLimit)
	c := newClient(h, conn, h.cfg.TrustedProxies.addressKey(r))
	c.sock, c.netConn = hj.sock, hj.netConn
	if code, reason, ok := h.admit(c); !ok {
		conn.Close(code, reason)
		return
	}
	rm := h.startSession(c)
	if rm == nil {
		c.finish()
		h.release(c)
		return
	}
	go func() {
		defer h.release(c)
		defer c.finish()
		defer h.leave(c, rm)
		h.readLoop(c)
	}()
}

// startSession reads the hello, admits the participant to its room and
// sends the catch-up. It returns the room, or nil when the connection was
// refused (and is being closed).
func (h *Hub) startSession(c *client) *room {
	log := h.log.With(zap.Uint64("conn", c.id))
	helloTimer := time.AfterFunc(h.cfg.HelloTimeout, func() { c.closeWith(closeBadHello, "no hello in time") })
	data, err := c.read()
	if !helloTimer.Stop() || err != nil {
		return nil
	}
	hello, err := rooms.DecodeHello(data)
	if err != nil {
		c.closeWith(closeBadHello, rooms.AsError(err).Message)
		return nil
	}
	if refused := h.joins.admit(c.ip, hello.Room, hello.Token != "", hello.Token == ""); refused != nil {
		c.closeWith(closeTooMany, refused.Message)
		return nil
	}
	actor, token, err := h.svc.JoinFrom(h.ctx, hello, c.ip)
	if err != nil {
		h.joins.joined(c.ip, err)
		code, reason := joinCloseCode(err)
		if code == websocket.StatusInternalError {
			log.Error("join failed", zap.Error(err))
		}
		c.closeWith(code, reason)
		return nil
	}
	c.actor, c.staff, c.syncing = actor, actor.Role.Staff(), true
	c.rememberKey(token)
	c.counted = !c.staff && !hello.Display
	log = log.With(zap.String("room", actor.Room), zap.String("participant", actor.Participant))
	rm := h.join(c)
	if !rm.awaitReady(h.cfg.HelloTimeout) {
		log.Warn("room not ready in time")
		c.closeWith(websocket.StatusTryAgainLater, "could not load the room; try again")
		h.leave(c, rm)
		return nil
	}
	if err := h.catchUp(c, hello.Since, token, rm); err != nil {
		log.Warn("catch-up failed", zap.Error(err))
		c.closeWith(websocket.StatusTryAgainLater, "could not load the room; try again")
		h.leave(c, rm)
		return nil
	}
	if c.staff && !h.keyStillValid(actor.Room, token) {
		// The key was replaced while this client joined, before the room's
		// EventKeys could find it among the members.
		c.closeWith(websocket.StatusCode(rooms.CloseKeyRotated), "key replaced: ask the host for the new link")
		h.leave(c, rm)
		return nil
	}
	log.Debug("joined", zap.String("role", string(actor.Role)), zap.Uint64("since", hello.Since))
	return rm
}

// readLoop applies the client's commands until the connection ends.
func (h *Hub) readLoop(c *client) {
	for {
		data, err := c.read()
		if err != nil {
			return
		}
		h.handleFrame(c, data)
	}
}

// catchUp sends welcome and then either the durable events after since
// (resume) or a snapshot, and switches the client to live delivery. Events
// published meanwhile were held by the client and follow without gap or
// duplicate.
func (h *Hub) catchUp(c *client, since uint64, token string, rm *room) error {
	code := c.actor.Room
	var replay [][]byte
	resumed := false
	seq := since
	if since > 0 {
		events, ok, err := h.svc.Since(h.ctx, code, since)
		if err != nil {
			return err
		}
		size := 0
		for i := range events {
			if b := events[i].For(c.staff, c.actor.Participant); b != nil {
				replay = append(replay, b)
				size += len(b) + 1
			}
			seq = events[i].Seq
		}
		// A replay that would fill half the queue is slower than a snapshot.
		resumed = ok && size < h.cfg.MaxQueueBytes/2
	}
	var snapshot []byte
	if !resumed {
		var err error
		snapshot, seq, err = h.svc.Snapshot(h.ctx, c.actor, h.Presence(h.ctx, code))
		if err != nil {
			return err
		}
	}
	we := welcomeEvent{
		Type: rooms.EventWelcome, Room: code, Role: c.actor.Role, Participant: c.actor.Participant,
		Token: token, Seq: seq, Resumed: resumed, Epoch: h.svc.Epoch(h.ctx, code),
	}
	if c.staff {
		we.IdleExpiresAt = h.svc.IdleExpiresAt(h.ctx, code)
	}
	welcome, _ := rooms.MarshalJSON(we)
	c.sendCatchUp(welcome)
	if resumed {
		for _, b := range replay {
			c.sendCatchUp(b)
		}
	} else {
		c.sendCatchUp(snapshot)
	}
	c.goLive(seq)
	// Counters are not replayed, and a cached snapshot's may lag: send
	// their current values, and the latest closed quiz's leaderboard.
	if votes, err := h.svc.CurrentVotes(h.ctx, code); err == nil {
		if b := rooms.VotesEvent(votes.Counts, c.staff); b != nil {
			c.send(b)
		}
	}
	if results, err := h.svc.CurrentResults(h.ctx, code); err == nil {
		for _, res := range results.Results {
			ev := resultsEvent(res, 0)
			if b := ev.For(c.staff, c.actor.Participant); b != nil {
				c.send(b)
			}
		}
	}
	h.sendLeaderboard(c)
	if resumed {
		if b, err := h.svc.CurrentReactions(h.ctx, code); err == nil {
			c.send(b)
		}
		c.send(presenceEvent(h.Presence(h.ctx, code)))
	}
	return nil
}

type welcomeEvent struct {
	Type        string     `json:"type"`
	Room        string     `json:"room"`
	Role        rooms.Role `json:"role"`
	Participant string     `json:"participant"`
	Token       string     `json:"token"`
	Seq         uint64     `json:"seq"`
	Resumed     bool       `json:"resumed"`
	// Epoch is the generation of the room's history (rooms.Entry.Epoch);
	// left out by stores without one.
	Epoch uint64 `json:"epoch,omitempty"`
	// IdleExpiresAt (staff only) is when the open room will be deleted if
	// nothing happens in it (Unix ms); left out when it will not.
	IdleExpiresAt int64 `json:"idle_expires_at,omitempty"`
}

// handleFrame decodes and applies one command, answering with ack (when
// the command has an id) or error. A bad command never closes the connection.
func (h *Hub) handleFrame(c *client, data []byte) {
	cmd, err := rooms.DecodeCommand(data)
	if err != nil {
		// Garbage counts against the command limit like a command.
		if limited := h.svc.AllowCommand(c.actor); limited != nil {
			err = limited
		}
	} else if cmd.Type == rooms.TypePing {
		// Liveness for the client, answered before anything else; it still
		// costs a command, so it cannot be a way around the limit.
		if err = h.svc.AllowCommand(c.actor); err == nil {
			c.send(encodePong(cmd.ID))
			return
		}
	} else {
		var ack rooms.Ack
		if cmd.Type == rooms.TypeKeyRotate {
			ack, err = h.rotateKey(c, cmd)
		} else {
			ack, err = h.svc.Handle(h.ctx, c.actor, cmd)
		}
		if err == nil {
			h.metrics.commands.WithLabelValues(commandLabel(cmd.Type), "ok").Inc()
			if cmd.ID != nil {
				c.send(encodeAck(*cmd.ID, ack))
			}
			return
		}
	}
	e := answerOf(err) // newer rules: the room's clients are being closed with 1012
	if e == nil {
		h.log.Error("command failed", zap.String("room", c.actor.Room), zap.String("type", cmd.Type), zap.Error(err))
		e = &rooms.Error{Code: rooms.CodeUnavailable, Message: "the server could not apply the command; try again"}
	}
	h.metrics.commands.WithLabelValues(commandLabel(cmd.Type), e.Code).Inc()
	c.send(encodeError(cmd.ID, e))
}

// read returns the next text message from the peer.
func (c *client) read() ([]byte, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		return nil, err
	}
	c.lastActive.Store(time.Now().UnixNano())
	if typ != websocket.MessageText {
		return []byte("binary"), nil // decodes to bad_request: commands are JSON text
	}
	return data, nil
}

// joinCloseCode maps a refused hello to its close code.
func joinCloseCode(err error) (websocket.StatusCode, string) {
	switch {
	case errors.Is(err, rooms.ErrBadHello):
		return closeBadHello, "bad room code"
	case errors.Is(err, rooms.ErrRoomNotFound):
		return closeNoRoom, "no such room"
	case errors.Is(err, rooms.ErrBadToken):
		return closeBadToken, "bad token"
	case errors.Is(err, rooms.ErrBanned):
		return closeBanned, "banned"
	case errors.Is(err, rooms.ErrNewerRules):
		// A rolling upgrade: reconnect, to an upgraded instance.
		return websocket.StatusServiceRestart, "the room runs newer rules: reconnect"
	}
	return websocket.StatusInternalError, "server error"
}

// knownCommands bounds the "type" label of the commands metric.
var knownCommands = map[string]bool{
	rooms.TypeHello: true, rooms.TypeAsk: true, rooms.TypeUpvote: true, rooms.TypeUnvote: true,
	rooms.TypeQuestionDelete: true, rooms.TypeQuestionSet: true, rooms.TypeComment: true,
	rooms.TypeCommentDelete: true, rooms.TypeReact: true, rooms.TypePollCreate: true,
	rooms.TypePollSet: true, rooms.TypePollDelete: true, rooms.TypeVote: true,
	rooms.TypeRoomSet: true, rooms.TypeBan: true, rooms.TypePing: true, rooms.TypeKeyRotate: true,
	rooms.TypeQuestionEdit: true, rooms.TypePollAnswerRemove: true, rooms.TypeRunStep: true,
}

func commandLabel(typ string) string {
	if knownCommands[typ] {
		return typ
	}
	return "unknown"
}
