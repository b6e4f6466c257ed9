package e2e

import "testing"

// TestClosedRoomStopsVoting is the closed room as found: Vote stayed
// enabled on the phone (the server refuses the ballot) and the screen said
// "Vote now" beside "Room closed". Closing the room takes the vote form
// away with a reason, and the screen says voting is closed; reopening
// brings both back.
func TestClosedRoomStopsVoting(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Closing", false)
	poll := command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "Still open?", "options": []string{"yes", "no"}, "state": "open"})["poll"].(string)
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	showTab(ada, "tab-polls")
	card := byID("poll", poll)
	ada.waitVisible(card + " " + tid("vote-submit"))
	screen.waitText("#poll-view .poll-state", "Vote now")

	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "closed": true})
	ada.waitVisible(card + " " + tid("poll-room-closed"))
	if n := ada.count(card + " " + tid("vote-submit")); n != 0 {
		t.Fatalf("the phone still offers %d vote button(s) in a closed room", n)
	}
	screen.waitText("#poll-view .poll-state", "Voting closed")

	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "closed": false})
	ada.waitVisible(card + " " + tid("vote-submit"))
	screen.waitText("#poll-view .poll-state", "Vote now")
}
