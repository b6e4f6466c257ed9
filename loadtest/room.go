package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// room is one room under test and the clients joined to it.
type room struct {
	code    string
	hostKey string // from room creation; "" for -room-codes
	target  string // base URL the room was created on
	clients []*client

	ackSeq        atomic.Int64 // highest seq the server acknowledged to a publisher
	commentsSent  atomic.Int64
	reactsSent    atomic.Int64
	questionsSent atomic.Int64
	upvotesSent   atomic.Int64 // upvote and unvote commands written

	// upvoteQs are the ids of the questions the harness asked for the upvote
	// driver, set once before the pacers start; readers load it.
	upvoteQs atomic.Pointer[[]string]
	// Per upvote question: acks of upvotes and of unvotes. Every client
	// alternates upvote, unvote, upvote, ... on each question, so the
	// count the room should end at is up - down.
	upAcked, downAcked [MaxUpvoteQuestions]atomic.Int64
	upvoteErrors       atomic.Int64 // error answers to upvote/unvote
	maxAckVotes        atomic.Int64 // highest count any upvote ack carried

	polls roomPolls // the poll storm (polls.go)

	// verify logs what the server acknowledged, for Scenario.Verify
	// (verify.go); nil otherwise.
	verify *ackLog
}

// questions returns the upvote questions' ids (nil before they are asked).
func (r *room) questions() []string {
	if p := r.upvoteQs.Load(); p != nil {
		return *p
	}
	return nil
}

// expectedVotes is the count question i should end at: upvotes acked
// minus unvotes acked.
func (r *room) expectedVotes(i int) int64 { return r.upAcked[i].Load() - r.downAcked[i].Load() }

// upvoteReplies counts the acks and errors answering upvote commands.
func (r *room) upvoteReplies() int64 {
	n := r.upvoteErrors.Load()
	for i := range r.upAcked {
		n += r.upAcked[i].Load() + r.downAcked[i].Load()
	}
	return n
}

// raise sets a to max(a, v).
func raise(a *atomic.Int64, v int64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
			return
		}
	}
}

// noteSeq raises ackSeq to seq.
func (r *room) noteSeq(seq int64) { raise(&r.ackSeq, seq) }

// finalSeq is the room's last durable seq as far as the harness knows: the
// highest acknowledged or received by any client.
func (r *room) finalSeq() int64 {
	max := r.ackSeq.Load()
	for _, c := range r.clients {
		if s := c.lastSeq.Load(); s > max {
			max = s
		}
	}
	return max
}

// createdRoom is the answer to POST /api/rooms.
type createdRoom struct {
	Code    string `json:"code"`
	HostKey string `json:"host_key"`
}

// createRoom creates a room through target's HTTP API and returns its code
// and host key.
func createRoom(ctx context.Context, hc *http.Client, target, title string) (createdRoom, error) {
	var out createdRoom
	body, _ := json.Marshal(map[string]any{"title": title, "moderation": false})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(target, "/")+"/api/rooms", bytes.NewReader(body))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return out, fmt.Errorf("create room on %s: %w", target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("create room on %s: %s: %s", target, resp.Status, bytes.TrimSpace(data))
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Code == "" {
		return out, fmt.Errorf("create room on %s: no code in answer %q", target, data)
	}
	return out, nil
}

// askQuestion asks a question in room through target's HTTP API with the
// host key and returns its id.
func askQuestion(ctx context.Context, hc *http.Client, target, code, hostKey, text string) (string, error) {
	var ack struct {
		Question string `json:"question"`
	}
	cmd := map[string]any{"type": "ask", "text": text, "cid": text}
	if err := hostCommand(ctx, hc, target, code, hostKey, cmd, &ack, func() bool { return ack.Question != "" }); err != nil {
		return "", err
	}
	return ack.Question, nil
}

// hostCommand sends cmd to room through target's HTTP API with the host key
// and decodes its ack into ack; an error status, or an ack that made
// nothing (made false), is an error naming the command.
func hostCommand(ctx context.Context, hc *http.Client, target, code, hostKey string, cmd map[string]any, ack any, made func() bool) error {
	body, _ := json.Marshal(cmd)
	url := strings.TrimRight(target, "/") + "/api/rooms/" + code + "/commands"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+hostKey)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s in %s: %w", cmd["type"], code, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, ack) != nil || !made() {
		return fmt.Errorf("%s in %s: %s: %s", cmd["type"], code, resp.Status, bytes.TrimSpace(data))
	}
	return nil
}

// wsURL turns a target base URL into its WebSocket endpoint.
func wsURL(target string) string {
	t := strings.TrimRight(target, "/")
	switch {
	case strings.HasPrefix(t, "https://"):
		t = "wss://" + strings.TrimPrefix(t, "https://")
	case strings.HasPrefix(t, "http://"):
		t = "ws://" + strings.TrimPrefix(t, "http://")
	}
	return t + "/ws"
}

// ackKey names one comment or question of the harness: its publisher and
// the publisher's n, both in its text ("lt <unixnano> <pub> <n>").
type ackKey struct {
	pub int
	n   uint64
}

// ackLog is every comment and question of a room the server acknowledged.
type ackLog struct {
	mu        sync.Mutex
	comments  []ackKey
	questions []ackKey
}

func (l *ackLog) add(list *[]ackKey, pub int, n uint64) {
	l.mu.Lock()
	*list = append(*list, ackKey{pub, n})
	l.mu.Unlock()
}
