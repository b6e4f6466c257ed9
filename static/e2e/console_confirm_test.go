package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestDestructiveConfirmsNameTarget: every destructive confirm of the
// console says what it destroys: deleting a comment quotes it, banning
// names the person (in the ban dialog), deleting a poll names the poll, and closing the room
// (which did not ask at all) names the room. (They said "this question",
// "this person", "this poll".)
func TestDestructiveConfirmsNameTarget(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Town hall on the new office", false)
	bart := participant(t, s, r.Code, "Bartholomew Fitzgerald")
	const comment = "The coffee machine on floor 3 has been broken for weeks"
	command(t, s, r.Code, bart, map[string]any{"type": "comment", "text": comment})
	command(t, s, r.Code, bart, map[string]any{"type": "ask", "text": "When do we move?", "name": "Bartholomew Fitzgerald"})
	const poll = "Which floor should the quiet room be on?"
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": poll, "options": []string{"2", "5"}})

	host := openPage(t, "host", hostURL(s, r), desktop())
	n := 0
	// step clicks css, whose confirm (answered yes) must contain want.
	step := func(what, css, want string) {
		t.Helper()
		host.click(css)
		n++
		for deadline := time.Now().Add(waitTimeout); len(host.Dialogs()) < n && time.Now().Before(deadline); {
			time.Sleep(pollInterval)
		}
		d := host.Dialogs()
		if len(d) < n || !strings.Contains(d[n-1], want) {
			t.Errorf("the %s confirm does not name %q: %q", what, want, d)
		}
	}
	step("delete comment", host.pathOf(tid("comment-list")+" "+tid("comment"), comment)+" "+tid("comment-delete"), comment)
	host.waitGone(tid("comment"))
	q := host.idOf(tid("question-list")+" "+tid("question"), "When do we move?")
	// The ban asks in its own dialog (with its options), naming the person.
	host.click(tid("question-list") + " " + byID("question", q) + " " + tid("ban"))
	host.waitText(tid("ban-dialog")+" h2", "Bartholomew Fitzgerald")
	host.click(tid("ban-confirm"))
	host.waitGone(tid("ban-dialog"))
	step("delete poll", tid("poll-list")+" "+tid("poll")+" "+tid("poll-delete"), poll)
	host.waitGone(tid("poll-list") + " " + tid("poll"))
	step("close room", tid("setting-closed"), "Town hall on the new office")
	host.waitVisible(tid("closed-badge"))
}
