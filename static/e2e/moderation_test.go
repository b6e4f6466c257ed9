package e2e

import (
	"testing"
)

// TestUpvoteAnswerAndBan: an audience member upvotes another's question and
// every page shows the count, then takes the upvote back; the host answers
// the question in the console and the audience sees the answer; the host
// bans a participant for a comment and that participant's page stops with
// a message while the others carry on.
func TestUpvoteAnswerAndBan(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Town hall", false)
	host := openPage(t, "host", hostURL(s, r))
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code, phone())

	const question = "Is the parking lot staying open during the works?"
	ada.typeInto(tid("ask-input"), question)
	ada.click(tid("ask-submit"))
	id := ada.idOf(tid("question"), question)
	q := byID("question", id)
	bob.waitText(q, question)

	// Upvote: pressed at once on bob's page, counted on every page.
	bob.click(q + " " + tid("upvote"))
	bob.waitFor("the upvote pressed", `document.querySelector('`+q+` [data-testid="upvote"]').getAttribute("aria-pressed") === "true"`)
	for _, p := range []*page{ada, bob} {
		p.waitFor(p.name+" counting 1 upvote", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "1"`)
	}
	host.waitFor("the console counting 1 upvote", `(document.querySelector('`+q+` .q-votes-n') || {}).textContent === "1"`)
	// The upvote taken back.
	bob.click(q + " " + tid("upvote"))
	bob.waitFor("the upvote released", `document.querySelector('`+q+` [data-testid="upvote"]').getAttribute("aria-pressed") === "false"`)
	for _, p := range []*page{ada, bob} {
		p.waitFor(p.name+" counting no upvote", `document.querySelector('`+q+` [data-testid="vote-count"]').textContent.trim() === "0"`)
	}
	host.waitFor("the console counting no upvote", `(document.querySelector('`+q+` .q-votes-n') || {}).textContent === "0"`)

	// The host answers in writing.
	const answer = "Yes, the north entrance stays open until March."
	host.click(tid("question-list") + " " + q + " " + tid("answer"))
	host.typeInto(q+" "+tid("answer-input"), answer)
	host.click(q + " " + tid("answer-save"))
	for _, p := range []*page{ada, bob} {
		p.waitText(q+" "+tid("answer-text"), answer)
		p.waitVisible(q + " " + tid("answered-badge"))
	}

	// Bob comments; the host bans him from the comment.
	const comment = "This is spam, buy my stuff"
	showTab(bob, "tab-comments")
	bob.typeInto(tid("comment-input"), comment)
	bob.click(tid("comment-submit"))
	// (The console's comments carry no data-id: found by their text.)
	host.click(host.pathOf(tid("comment-list")+" "+tid("comment"), comment) + " " + tid("ban"))
	// The ban dialog asks first (TestBanDialogOptions covers its options).
	host.waitVisible(tid("ban-dialog"))
	host.click(tid("ban-confirm"))
	bob.waitVisible(tid("stopped"))
	bob.waitText(tid("stopped"), "You have been removed from this room.")
	// Ada is not affected: she can still ask.
	ada.typeInto(tid("ask-input"), "Will there be a recording?")
	ada.click(tid("ask-submit"))
	host.waitText(tid("question-list"), "Will there be a recording?")
}
