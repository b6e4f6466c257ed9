package e2e

import "testing"

// TestReloadKeepsIdentity: after a reload the audience page is the same
// participant: the question it upvoted is still pressed (and counted once),
// its ballot is still marked, its own question is still its own, and
// upvoting again after the reload does not count twice.
func TestReloadKeepsIdentity(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Reload", false)
	other := participant(t, s, r.Code, "Grace")
	ack := command(t, s, r.Code, other, map[string]any{"type": "ask", "text": "What is the roadmap for next year?", "name": "Grace"})
	q := byID("question", ack["question"].(string))
	poll := command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "Lunch?", "options": []string{"Pizza", "Salad"}, "state": "open", "reveal": true})["poll"].(string)

	p := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	p.typeInto(tid("ask-input"), "Can we have the slides?")
	p.click(tid("ask-submit"))
	mine := byID("question", p.idOf(tid("question"), "Can we have the slides?"))
	p.waitFor("a delete button on my own question", visibleJS(mine+" "+tid("question-delete")))
	p.click(q + " " + tid("upvote"))
	p.waitFor("1 upvote", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "1"`)
	vote(p, poll, 1)
	p.waitText(byID("poll", poll)+" "+tid("results-chart"), "Your answer")

	p.reload()
	p.waitVisible(tid("tab-questions"))
	showTab(p, "tab-questions") // the address keeps the tab last shown (#polls)
	p.waitText(q, "What is the roadmap for next year?")
	p.waitFor("the upvote still pressed", `document.querySelector('`+q+` [data-testid="upvote"]').getAttribute("aria-pressed") === "true"`)
	p.waitFor("still 1 upvote", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "1"`)
	p.waitFor("my question still mine", visibleJS(mine+" "+tid("question-delete")))
	// The ballot: the option still picked, the page knows the vote is in,
	// the tally counts it once.
	p.waitFor("option 2 still picked", `!!document.querySelector('`+byID("poll", poll)+` [data-testid="poll-option"][value="1"]:checked')`)
	p.waitText(byID("poll", poll)+" "+tid("vote-status"), "Your vote is in")
	p.waitText(byID("poll", poll)+" "+tid("results-chart"), "1 response")

	showTab(p, "tab-questions")
	// Taking the upvote back and giving it again still counts one person once.
	p.click(q + " " + tid("upvote"))
	p.waitFor("0 upvotes", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "0"`)
	p.click(q + " " + tid("upvote"))
	p.waitFor("1 upvote again", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "1"`)
	// The page shows the upvote at once; the room must come to count it
	// once, and never twice.
	waitExport(t, s, r, waitTimeout, "1 upvote on the roadmap question", func(exp map[string]any) bool {
		for _, eq := range exp["questions"].([]any) {
			if m := eq.(map[string]any); m["text"] == "What is the roadmap for next year?" {
				votes := m["votes"].(float64)
				if votes > 1 {
					t.Fatalf("the room counts %v upvotes, want 1", votes)
				}
				return votes == 1
			}
		}
		t.Fatal("the export has no question \"What is the roadmap for next year?\"")
		return false
	})
}
