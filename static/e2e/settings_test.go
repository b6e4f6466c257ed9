package e2e

import "testing"

// TestRoomSettingsFromTheConsole: the host renames the room, closes it and
// opens it again from the console's settings; the audience page follows
// each change live: the new title, the closed banner with the question
// form gone, then the form back.
func TestRoomSettingsFromTheConsole(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Draft title", false)
	host := openPage(t, "host", hostURL(s, r))
	aud := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	aud.waitText(tid("room-title"), "Draft title")
	aud.waitVisible(tid("ask-input"))

	host.fill(tid("setting-title"), "Design review")
	host.click(tid("setting-title-save"))
	aud.waitText(tid("room-title"), "Design review")
	host.waitText(tid("room-title"), "Design review")

	host.setChecked(tid("setting-closed"), true)
	aud.waitVisible(tid("closed-banner"))
	aud.waitGone(tid("ask-input"))

	host.setChecked(tid("setting-closed"), false)
	aud.waitGone(tid("closed-banner"))
	aud.waitVisible(tid("ask-input"))
}
