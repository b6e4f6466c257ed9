package hub

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// getWithHeaders is a GET that also returns the answer's headers.
func (ts *testServer) getWithHeaders(t *testing.T, path, bearer string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// TestStatsEndpoint: GET /api/rooms/{code}/stats on the real router — the
// live figures of a room with clients, every documented key present, lists
// never null, the export's refusals; and the stats export in CSV.
func TestStatsEndpoint(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Stats")
	a, wa, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	a.mustAck(1, map[string]any{"type": "ask", "text": "how many?"})

	var st rooms.Stats
	eventually(t, waitTimeout, "the figures", func() bool {
		status, body := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code+"/stats?key="+room.ModeratorKey, "", nil)
		if status != http.StatusOK || json.Unmarshal(body, &st) != nil {
			t.Fatalf("GET stats: %d %s", status, body)
		}
		return st.Participants.PeakConnected == 2 // the audience: the host is not counted
	})
	if p := st.Participants; p.Unique != 2 || p.Active != 1 || p.ParticipationRate != 0.5 || p.Connected != 2 || p.PeakConnectedAtMS == 0 {
		t.Fatalf("participants: %+v", p)
	}
	if st.Interactions.Questions != 1 || st.Questions.Asked != 1 || st.Questions.Live != 1 || len(st.Questions.Top) != 1 ||
		st.Room.Code != room.Code || len(st.Timeline) == 0 || st.Retention.RetentionHours != 720 {
		t.Fatalf("stats: %+v", st)
	}

	status, header, body := ts.getWithHeaders(t, "/api/rooms/"+room.Code+"/stats", room.HostKey)
	var doc map[string]json.RawMessage
	if status != http.StatusOK || json.Unmarshal(body, &doc) != nil || header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET stats: %d %v %s", status, header, body)
	}
	for _, k := range []string{"format", "room", "generated_at", "generated_at_ms", "participants", "interactions", "questions", "polls", "reaction_bursts", "timeline", "retention"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("stats has no %q", k)
		}
	}
	for _, k := range []string{"polls", "reaction_bursts"} {
		if string(doc[k]) != "[]" {
			t.Errorf("%s = %s, want []", k, doc[k])
		}
	}
	if string(doc["format"]) != `"hubbub.stats.v1"` {
		t.Errorf("format = %s", doc["format"])
	}

	for _, tt := range []struct {
		path, bearer string
		want         int
	}{
		{"/api/rooms/" + room.Code + "/stats", "", http.StatusUnauthorized},
		{"/api/rooms/" + room.Code + "/stats", "hk_forged", http.StatusUnauthorized},
		{"/api/rooms/" + room.Code + "/stats", wa.Token, http.StatusForbidden},
		{"/api/rooms/ZZZZZZ/stats", room.HostKey, http.StatusNotFound},
		{"/api/rooms/nope/stats", room.HostKey, http.StatusNotFound},
		{"/api/rooms/" + room.Code + "/export?part=everything", room.HostKey, http.StatusBadRequest},
		{"/api/rooms/" + room.Code + "/export?part=stats&format=xml", room.HostKey, http.StatusBadRequest},
		{"/api/rooms/" + room.Code + "/export?part=stats", wa.Token, http.StatusForbidden},
	} {
		if status, body := ts.request(t, http.MethodGet, tt.path, tt.bearer, nil); status != tt.want {
			t.Errorf("GET %s: %d %s, want %d", tt.path, status, body, tt.want)
		}
	}

	status, header, body = ts.getWithHeaders(t, "/api/rooms/"+room.Code+"/export?part=stats&format=csv&key="+room.HostKey, "")
	csv := string(body)
	if status != http.StatusOK || !strings.HasPrefix(csv, "\ufeffsection,key,minute,joined,connected,questions,upvotes,ballots,reactions,comments,value\r\n") ||
		!strings.Contains(csv, "\r\nsummary,unique,,,,,,,,,2\r\n") || !strings.Contains(csv, "\r\nsummary,questions,,,,,,,,,1\r\n") ||
		!strings.Contains(csv, "\r\ntop_question,q1,,,,,0,,,,how many?\r\n") || !strings.Contains(csv, "\r\ntimeline,,") ||
		!strings.Contains(header.Get("Content-Disposition"), `filename="hubbub-`+room.Code+`-stats-`) ||
		header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("stats CSV: %d %v\n%s", status, header, csv)
	}
	status, header, body = ts.getWithHeaders(t, "/api/rooms/"+room.Code+"/export?part=stats", room.HostKey)
	if status != http.StatusOK || json.Unmarshal(body, &st) != nil || st.Format != rooms.StatsFormat ||
		!strings.HasSuffix(header.Get("Content-Disposition"), `.json"`) {
		t.Fatalf("stats JSON export: %d %v %s", status, header, body)
	}
}

// TestDeleteRoomClosesClients: DELETE /api/rooms/{code} with the host key
// closes every client of the room with 4004, and the room is gone; other
// keys are refused and change nothing.
func TestDeleteRoomClosesClients(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Doomed")
	keep := ts.createRoom(t, "Kept")
	a, wa, _ := ts.join(t, rooms.Hello{Room: room.Code}, dialOpts{})
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, dialOpts{})
	other, _, _ := ts.join(t, rooms.Hello{Room: keep.Code}, dialOpts{})

	for _, bearer := range []string{room.ModeratorKey, wa.Token, keep.HostKey, ""} {
		status, body := ts.request(t, http.MethodDelete, "/api/rooms/"+room.Code, bearer, nil)
		if status != http.StatusForbidden && status != http.StatusUnauthorized {
			t.Fatalf("DELETE with %q: %d %s", bearer, status, body)
		}
	}
	if status, _ := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil); status != http.StatusOK {
		t.Fatalf("the room is gone after refused deletes: %d", status)
	}
	if status, body := ts.request(t, http.MethodDelete, "/api/rooms/"+room.Code+"?key="+room.HostKey, "", nil); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	a.expectClose(rooms.CloseRoomDeleted)
	host.expectClose(rooms.CloseRoomDeleted)
	if status, _ := ts.request(t, http.MethodGet, "/api/rooms/"+room.Code, "", nil); status != http.StatusNotFound {
		t.Fatalf("GET the deleted room: %d", status)
	}
	if status, _ := ts.request(t, http.MethodDelete, "/api/rooms/"+room.Code, room.HostKey, nil); status != http.StatusNotFound {
		t.Fatalf("DELETE again: %d", status)
	}
	late := ts.mustDial(t, dialOpts{})
	late.send(rooms.Hello{Type: rooms.TypeHello, Room: room.Code})
	late.expectClose(4004)
	// The other room's client is still served.
	ack := other.mustAck(1, map[string]any{"type": "comment", "text": "still here"})
	if ack.Seq == 0 {
		t.Fatalf("comment in the other room: %+v", ack)
	}
}
