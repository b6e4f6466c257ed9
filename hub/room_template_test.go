package hub

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestCopyRoom: POST /api/rooms with "from" and the source's host key makes
// a new room with the source's settings and every poll and quiz as a
// draft, in the source's run of show, with answers, timer and speed bonus,
// its branding (the stage starts at auto), and nothing the
// audience made. Only the source's host may copy it.
func TestCopyRoom(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	src := ts.createRoom(t, "Weekly all-hands")
	host, _, _ := ts.join(t, rooms.Hello{Room: src.Code, Token: src.HostKey}, dialOpts{})
	voter, _, _ := ts.join(t, rooms.Hello{Room: src.Code, Name: "Ada"}, dialOpts{})
	host.mustAck(1, map[string]any{"type": "room_set", "moderation": true, "comments": false, "filter": "moderate", "retention_days": 7,
		"name_required": true, "slow_mode_seconds": 30})
	host.mustAck(2, map[string]any{"type": "poll_create", "kind": "single", "title": "Lunch?", "options": []string{"pizza", "soup"}, "state": "open"})
	host.mustAck(3, map[string]any{"type": "poll_create", "kind": "quiz", "title": "Capital of France?",
		"options": []string{"Lyon", "Paris", "Nice"}, "correct": []int{1}, "seconds": 20, "speed_bonus": true, "advance": 5})
	host.mustAck(4, map[string]any{"type": "poll_create", "kind": "wordcloud", "title": "One word for today"})
	// The run of show: the word cloud first, lunch last; branding and a stage.
	host.mustAck(5, map[string]any{"type": "poll_set", "poll": "p3", "order": 1})
	host.mustAck(6, map[string]any{"type": "poll_set", "poll": "p1", "order": 3})
	host.mustAck(7, map[string]any{"type": "room_set", "accent": "#FF5A1F", "theme": "light", "stage": "podium"})
	var opened struct {
		ID string `json:"id"`
	}
	voter.nextOf("poll").decode(t, &opened)
	voter.mustAck(1, map[string]any{"type": "vote", "poll": opened.ID, "choices": []int{0}})
	voter.mustAck(2, map[string]any{"type": "ask", "text": "Is this copied?"})

	for _, tc := range []struct {
		name, key string
		want      int
	}{
		{"no key", "", http.StatusUnauthorized},
		{"the moderator key", src.ModeratorKey, http.StatusForbidden},
		{"another room's host key", ts.createRoom(t, "Other").HostKey, http.StatusUnauthorized},
	} {
		if status, body := ts.request(t, http.MethodPost, "/api/rooms", tc.key, map[string]any{"from": src.Code}); status != tc.want {
			t.Errorf("copy with %s: %d %s, want %d", tc.name, status, body, tc.want)
		}
	}

	if status, body := ts.request(t, http.MethodPost, "/api/rooms", src.HostKey, map[string]any{"from": "ZZZZZZ"}); status != http.StatusNotFound {
		t.Errorf("copy of an unknown room: %d %s, want 404", status, body)
	}

	status, body := ts.request(t, http.MethodPost, "/api/rooms", src.HostKey, map[string]any{"from": src.Code, "title": "Next week's all-hands"})
	if status != http.StatusCreated {
		t.Fatalf("copy: %d %s", status, body)
	}
	var cp rooms.Created
	if err := json.Unmarshal(body, &cp); err != nil || cp.Code == src.Code || cp.HostKey == "" || cp.HostKey == src.HostKey {
		t.Fatalf("copy: %s (%v): want a new room with its own keys", body, err)
	}
	_, _, snap := ts.join(t, rooms.Hello{Room: cp.Code, Token: cp.HostKey}, dialOpts{})
	var got struct {
		Room      rooms.Room        `json:"room"`
		Questions []json.RawMessage `json:"questions"`
		Polls     []struct {
			Title      string `json:"title"`
			Kind       string `json:"kind"`
			State      string `json:"state"`
			Options    []string
			Correct    []int `json:"correct"`
			Seconds    int   `json:"seconds"`
			SpeedBonus bool  `json:"speed_bonus"`
			Advance    int   `json:"advance"`
			Results    *struct {
				Total int64 `json:"total"`
			} `json:"results"`
		} `json:"polls"`
	}
	snap.decode(t, &got)
	r := got.Room
	if r.Title != "Next week's all-hands" || !r.Moderation || r.Comments || r.Filter != rooms.FilterModerate || r.RetentionDays != 7 || r.Closed ||
		r.Accent != "#ff5a1f" || r.Theme != rooms.ThemeLight || r.Stage != "" || !r.NameRequired || r.SlowModeSeconds != 30 {
		t.Errorf("copied settings %+v", r)
	}
	if len(got.Questions) != 0 {
		t.Errorf("questions were copied: %s", got.Questions)
	}
	if len(got.Polls) != 3 {
		t.Fatalf("copied polls: %s", snap)
	}
	// In the source's run of show.
	want := []struct{ title, kind string }{{"One word for today", "wordcloud"}, {"Capital of France?", "quiz"}, {"Lunch?", "single"}}
	for i, p := range got.Polls {
		if p.Title != want[i].title || p.Kind != want[i].kind || p.State != rooms.PollDraft {
			t.Errorf("poll %d: %+v, want the draft %v", i, p, want[i])
		}
		if p.Results != nil && p.Results.Total != 0 {
			t.Errorf("poll %d carries ballots: %+v", i, p.Results)
		}
	}
	if q := got.Polls[1]; len(q.Correct) != 1 || q.Correct[0] != 1 || q.Seconds != 20 || !q.SpeedBonus || q.Advance != 5 || len(q.Options) != 3 {
		t.Errorf("copied quiz %+v: want its answer, timer, speed bonus and advance pause", q)
	}
}
