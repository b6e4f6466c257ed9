package e2e

import (
	"strings"
	"testing"
)

// TestTextAnswersGrouped: identical open-text answers (whatever their case
// and spacing) show once with their count, the most given first (found:
// each listed apart, so "Pizza" seven times filled the screen).
func TestTextAnswersGrouped(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Lunch", false)
	poll := command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "text", "title": "What for lunch?", "state": "open", "reveal": true})["poll"].(string)
	answers := []string{"Pizza", "Salad", "pizza", "Pizza ", "Soup", "PIZZA", "salad", "Pizza"}
	for i, a := range answers {
		tok := participant(t, s, r.Code, "P"+string(rune('a'+i)))
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": poll, "text": a})
	}
	p := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	p.waitCount(tid("results-chart")+" .answer-item", 3)
	items := p.texts(tid("results-chart") + " .answer-item")
	if !strings.HasPrefix(strings.ToLower(items[0]), "pizza") || !strings.HasSuffix(items[0], "×5") ||
		!strings.HasPrefix(strings.ToLower(items[1]), "salad") || !strings.HasSuffix(items[1], "×2") || strings.Contains(items[2], "×") {
		t.Fatalf("answers shown %q, want pizza ×5, salad ×2, soup", items)
	}
}
