package e2e

import (
	"fmt"
	"testing"
)

// TestPhoneLeaderboardShowsYou: after three quizzes, a player at the top
// sees their own row in the phone's leaderboard marked "You", and a player
// ranked 12th — outside the top 10 the leaderboard lists — sees "You: rank
// 12, 1,000 points" below it, inside the leaderboard's box. Before, neither
// was marked and the 12th never learnt their rank or points.
func TestPhoneLeaderboardShowsYou(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Quiz night", false)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }

	ada := openPage(t, "ada", s.URL+"/r/"+r.Code+"#polls", phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code+"#polls", phone())
	token := func(p *page) string {
		p.waitFor("the page's token", `localStorage.getItem("hubbub:token:`+r.Code+`")`)
		return eval[string](p, `localStorage.getItem("hubbub:token:`+r.Code+`")`)
	}
	adaToken, bobToken := token(ada), token(bob)
	others := make([]string, 10)
	for i := range others {
		others[i] = participant(t, s, r.Code, fmt.Sprintf("Player %d", i+1))
	}
	// Ada right three times (3000), the ten others twice (2000), Bob once
	// (1000): Bob is 12th.
	for round := range 3 {
		quiz := host(map[string]any{"type": "poll_create", "kind": "quiz", "title": fmt.Sprintf("Question %d", round+1),
			"options": []string{"no", "yes"}, "correct": []int{1}, "state": "open"})["poll"].(string)
		ballot := func(tok string, right bool) {
			choice := 0
			if right {
				choice = 1
			}
			command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": quiz, "choices": []int{choice}})
		}
		ballot(adaToken, true)
		ballot(bobToken, round == 0)
		for _, tok := range others {
			ballot(tok, round < 2)
		}
		host(map[string]any{"type": "poll_set", "poll": quiz, "state": "closed", "reveal": true})
	}

	board := tid("leaderboard")
	for _, p := range []*page{ada, bob} {
		p.waitText(board, "3,000")
	}
	ada.waitVisible(board + " .lb-row.is-you " + tid("lb-you-badge"))
	if rank := eval[string](ada, `document.querySelector('`+board+` .lb-row.is-you .lb-rank').textContent`); rank != "1" {
		t.Errorf("ada's marked row has rank %q, want 1", rank)
	}
	if n := ada.count(board + " .is-you"); n != 1 {
		t.Errorf("ada's leaderboard marks %d rows, want 1", n)
	}
	if n := ada.count(tid("lb-you")); n != 0 {
		t.Errorf("ada, in the list, also gets a line of her own")
	}

	bob.waitText(tid("lb-you"), "You: rank 12, 1,000 points")
	if n := bob.count(board + " .is-you"); n != 0 {
		t.Errorf("bob, 12th, has %d rows of the top 10 marked as his", n)
	}
	if n := bob.count(board + " .lb-row"); n != 10 {
		t.Errorf("bob's leaderboard lists %d rows, want 10", n)
	}
	inside := eval[bool](bob, `(() => {
		const b = document.querySelector('`+board+`').getBoundingClientRect();
		const y = document.querySelector('`+tid("lb-you")+`').getBoundingClientRect();
		return y.height > 0 && y.left >= b.left && y.right <= b.right && y.top >= b.top && y.bottom <= b.bottom && y.right <= innerWidth;
	})()`)
	if !inside {
		t.Errorf("bob's standing line is not inside the leaderboard on the phone")
	}
}
