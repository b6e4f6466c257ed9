package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// abuseCommandsPerIdentity is how many commands an attacker sends on each
// identity it mints before it drops it and mints the next: more than the
// server's command burst, so the per-participant limits are always hit.
const abuseCommandsPerIdentity = 60

// abuseHelloTimeout bounds the wait for an attacker's welcome or refusal.
const abuseHelloTimeout = 5 * time.Second

// AbuseReport is what the attacking clients of the abuse scenario did and
// how the server answered them.
type AbuseReport struct {
	Attackers int   `json:"attackers"`
	Hellos    int64 `json:"hellos"` // connections that sent a hello without a token
	Minted    int64 `json:"minted"` // of them, welcomed as a new participant
	// Refused counts the other hellos by close code (4029: a join or
	// new-participant limit), or "dial" when the connection failed.
	Refused  map[string]int64 `json:"refused,omitempty"`
	Commands int64            `json:"commands"` // commands written
	// Answers counts the answers to them: "ack" or the error code.
	Answers map[string]int64 `json:"answers,omitempty"`
}

// abuse is the attackers' shared tally; safe for concurrent use.
type abuse struct {
	hellos, minted, commands atomic.Int64

	mu      sync.Mutex
	refused map[string]int64
	answers map[string]int64
}

func (a *abuse) count(m *map[string]int64, key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if *m == nil {
		*m = make(map[string]int64)
	}
	(*m)[key]++
}

func (a *abuse) report(attackers int) *AbuseReport {
	a.mu.Lock()
	defer a.mu.Unlock()
	return &AbuseReport{Attackers: attackers, Hellos: a.hellos.Load(), Minted: a.minted.Load(),
		Refused: a.refused, Commands: a.commands.Load(), Answers: a.answers}
}

// attack runs one attacker against room r until ctx ends: it mints an
// identity (a hello without a token), fires abuseCommandsPerIdentity
// commands at full speed — questions, comments, reactions and, when poll is
// set, ballots — without waiting for answers, drops the connection and
// mints the next, as a script evading per-participant limits would.
func (a *abuse) attack(ctx context.Context, hc *http.Client, r *room, poll string) {
	url := wsURL(r.target)
	for n := 0; ctx.Err() == nil; n++ {
		a.hellos.Add(1)
		conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{"hubbub.v1"}})
		if err != nil {
			if ctx.Err() == nil {
				a.count(&a.refused, "dial")
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		conn.SetReadLimit(-1)
		a.identity(ctx, conn, r.code, poll, n)
	}
}

// identity runs one minted identity on conn and closes it.
func (a *abuse) identity(ctx context.Context, conn *websocket.Conn, code, poll string, n int) {
	var readers sync.WaitGroup
	defer func() {
		conn.CloseNow() // ends the reader's Read
		readers.Wait()
	}()
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": code})
	if conn.Write(ctx, websocket.MessageText, hello) != nil {
		return
	}
	welcomed := make(chan bool, 1)
	readers.Go(func() {
		first := true
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				if first {
					a.count(&a.refused, strconv.Itoa(int(websocket.CloseStatus(err))))
					welcomed <- false
				}
				return
			}
			for line := range bytes.SplitSeq(data, []byte("\n")) {
				var ev struct {
					Type string `json:"type"`
					Code string `json:"code"`
				}
				if json.Unmarshal(line, &ev) != nil {
					continue
				}
				switch {
				case first && ev.Type == "welcome":
					first = false
					a.minted.Add(1)
					welcomed <- true
				case ev.Type == "ack":
					a.count(&a.answers, "ack")
				case ev.Type == "error":
					a.count(&a.answers, ev.Code)
				}
			}
		}
	})
	select {
	case ok := <-welcomed:
		if !ok {
			return
		}
	case <-time.After(abuseHelloTimeout):
		return
	case <-ctx.Done():
		return
	}
	for i := range abuseCommandsPerIdentity {
		cmd := map[string]any{"id": i + 1}
		switch i % 4 {
		case 0:
			cmd["type"], cmd["text"] = "ask", fmt.Sprintf("abuse question %d-%d", n, i)
		case 1:
			cmd["type"], cmd["text"] = "comment", fmt.Sprintf("abuse comment %d-%d", n, i)
		case 2:
			cmd["type"], cmd["kind"] = "react", "like"
		case 3:
			if poll == "" {
				cmd["type"], cmd["kind"] = "react", "clap"
			} else {
				cmd["type"], cmd["poll"], cmd["choices"] = "vote", poll, []int{i % 2}
			}
		}
		b, _ := json.Marshal(cmd)
		if conn.Write(ctx, websocket.MessageText, b) != nil {
			return
		}
		a.commands.Add(1)
	}
	// Give the answers a moment to come back, then drop the identity.
	time.Sleep(50 * time.Millisecond)
	conn.Close(websocket.StatusNormalClosure, "")
}
