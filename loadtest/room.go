package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// room is one room under test and the clients joined to it.
type room struct {
	code    string
	clients []*client

	ackSeq       atomic.Int64 // highest seq the server acknowledged to a publisher
	commentsSent atomic.Int64
	reactsSent   atomic.Int64
}

// noteSeq raises ackSeq to seq.
func (r *room) noteSeq(seq int64) {
	for {
		cur := r.ackSeq.Load()
		if seq <= cur || r.ackSeq.CompareAndSwap(cur, seq) {
			return
		}
	}
}

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

// createRoom creates a room through target's HTTP API and returns its code.
func createRoom(ctx context.Context, hc *http.Client, target, title string) (string, error) {
	body, _ := json.Marshal(map[string]any{"title": title, "moderation": false})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(target, "/")+"/api/rooms", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("create room on %s: %w", target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("create room on %s: %s: %s", target, resp.Status, bytes.TrimSpace(data))
	}
	var out struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Code == "" {
		return "", fmt.Errorf("create room on %s: no code in answer %q", target, data)
	}
	return out.Code, nil
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
