package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// apiClient talks to the server's HTTP API, for what a test sets up or
// checks outside the pages (seeding a room, counting what it holds).
// Keep-alives are off so that no idle connection (and its goroutines)
// outlives a request: goleak checks the package at the end.
var apiClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// room is the answer of POST /api/rooms.
type room struct {
	Code         string `json:"code"`
	HostKey      string `json:"host_key"`
	ModeratorKey string `json:"moderator_key"`
}

// createRoom makes a room through the API.
func createRoom(t *testing.T, s *server, title string, moderation bool) room {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"title": title, "moderation": moderation})
	var r room
	apiDo(t, http.MethodPost, s.URL+"/api/rooms", "", body, http.StatusCreated, &r)
	if r.Code == "" || r.HostKey == "" {
		t.Fatalf("POST /api/rooms answered no code or host key: %+v", r)
	}
	return r
}

// command sends one command with the credential (a key or a participant
// token) through POST /api/rooms/{code}/commands and returns the ack.
func command(t *testing.T, s *server, code, credential string, cmd map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(cmd)
	var ack map[string]any
	apiDo(t, http.MethodPost, s.URL+"/api/rooms/"+code+"/commands", credential, body, http.StatusOK, &ack)
	return ack
}

// export is the room's JSON export, read with the host key.
func export(t *testing.T, s *server, r room) map[string]any {
	t.Helper()
	var out map[string]any
	apiDo(t, http.MethodGet, s.URL+"/api/rooms/"+r.Code+"/export?format=json", r.HostKey, nil, http.StatusOK, &out)
	return out
}

// waitExport reads the room's export every 50 ms until done holds of it,
// and fails the test with what it waited for once timeout has passed. A
// page shows some changes at once (an upvote, a switch) and the room has
// them once the command is applied: a test waits here for the room. done
// may fail the test itself on a state that must never appear.
func waitExport(t *testing.T, s *server, r room, timeout time.Duration, what string, done func(exp map[string]any) bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !done(export(t, s, r)); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in the room's export after %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRoomSetting waits until the room's export shows setting at want
// (numbers as JSON numbers); an option that is off is left out.
func waitRoomSetting(t *testing.T, s *server, r room, setting string, want any) {
	t.Helper()
	waitExport(t, s, r, 5*time.Second, fmt.Sprintf("the room's %s at %v, as the console set it", setting, want), func(exp map[string]any) bool {
		return exp["room"].(map[string]any)[setting] == want
	})
}

func apiDo(t *testing.T, method, url, bearer string, body []byte, want int, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, url, b, err)
		}
	}
}
