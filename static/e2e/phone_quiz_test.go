package e2e

import (
	"fmt"
	"testing"
)

// TestPhoneTimedQuizOpensInView: a participant on the Polls tab of a phone,
// scrolled down past several polls, is brought to a timed quiz the host
// opens: its title is on screen below the sticky header, the opening is
// announced in the live region, and one tap on an option sends the ballot
// (a speed-bonus quiz has no Vote button), which the room's export holds.
// Before, the quiz opened 177 px above the viewport, silently, and took a
// pick and a Vote.
func TestPhoneTimedQuizOpensInView(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Quiz night", false)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }

	// Enough polls, open and closed, for the list to run well past the screen.
	for i := range 6 {
		cmd := map[string]any{"type": "poll_create", "kind": "single", "title": fmt.Sprintf("Warm-up question number %d: which of these do you prefer?", i+1),
			"options": []string{"The first option", "The second option", "The third option"}, "state": "open"}
		id := host(cmd)["poll"].(string)
		if i < 2 {
			host(map[string]any{"type": "poll_set", "poll": id, "state": "closed"})
		}
	}

	p := openPage(t, "phone", s.URL+"/r/"+r.Code+"#polls", phone())
	p.waitCount(tid("poll"), 6)
	p.waitFor("the Polls tab shown", `document.querySelector('`+tid("tab-polls")+`').getAttribute("aria-selected") === "true"`)
	eval[bool](p, `(window.scrollTo(0, document.documentElement.scrollHeight), true)`)
	p.waitFor("the page scrolled down", `window.scrollY > 800`)

	const title = "Which planet is the largest?"
	quiz := host(map[string]any{"type": "poll_create", "kind": "quiz", "title": title, "seconds": 30,
		"options": []string{"Mars", "Jupiter", "Saturn"}, "correct": []int{1}, "state": "open"})["poll"].(string)
	card := byID("poll", quiz)
	p.waitVisible(card)

	// The title comes into view, below the sticky header and above the reaction bar.
	inView := fmt.Sprintf(`(() => {
		const r = document.querySelector(%s).getBoundingClientRect();
		const top = document.querySelector(".topbar").getBoundingClientRect().bottom;
		const bar = document.querySelector("#reactions");
		const bottom = bar && !bar.hidden ? bar.getBoundingClientRect().top : innerHeight;
		return r.top >= top && r.bottom <= bottom;
	})()`, js(card+" .poll-title"))
	p.waitFor("the quiz's title in view", inView)
	p.waitFor("the quiz announced", `(document.getElementById("live") || {}).textContent?.includes(`+js(title)+`)`)

	// One tap answers.
	if n := p.count(card + " " + tid("vote-submit")); n != 0 {
		t.Errorf("the speed-bonus quiz has %d Vote buttons, want none", n)
	}
	p.click(card + " " + tid("poll-option") + `[value="1"]`)
	p.waitVisible(card + " " + tid("vote-status"))
	p.waitFor("the tapped option pressed", `document.querySelector('`+card+` [data-testid="poll-option"][value="1"]').getAttribute("aria-pressed") === "true"`)
	var ballots []any
	for _, poll := range export(t, s, r)["polls"].([]any) {
		if m := poll.(map[string]any); m["id"] == quiz {
			ballots, _ = m["ballots"].([]any)
		}
	}
	if len(ballots) != 1 || fmt.Sprint(ballots[0].(map[string]any)["choices"]) != "[1]" {
		t.Errorf("the quiz's ballots after one tap: %v, want one with choices [1]", ballots)
	}
}
