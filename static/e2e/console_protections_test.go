package e2e

import "testing"

// TestConsoleProtections: the host switches on the room's protections in
// the console's settings (posting needs a name, hold newcomers, slow
// mode) and the room has them; a value out of range is refused on the
// page and changes nothing.
func TestConsoleProtections(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Protected", false)
	host := openPage(t, "host", hostURL(s, r), desktop())

	host.click(tid("setting-name_required"))
	waitRoomSetting(t, s, r, "name_required", true)

	for _, n := range []struct {
		setting string
		value   string
		want    float64
	}{{"hold_new_minutes", "5", 5}, {"slow_mode_seconds", "30", 30}} {
		css := tid("setting-" + n.setting)
		host.fill(css, n.value)
		eval[bool](host, `document.querySelector('`+css+`').dispatchEvent(new Event("change"))`)
		waitRoomSetting(t, s, r, n.setting, n.want)
	}
	css := tid("setting-slow_mode_seconds")
	host.fill(css, "99999")
	eval[bool](host, `document.querySelector('`+css+`').dispatchEvent(new Event("change"))`)
	host.waitFor("the out-of-range value put back", `document.querySelector('`+css+`').value === "30"`)
	waitRoomSetting(t, s, r, "slow_mode_seconds", float64(30))
}

// TestBanDialogOptions: the ban dialog names the person; banning with
// "hide" (on by default) and "cover the address" hides their question and
// removes their comment from the console and the audience.
func TestBanDialogOptions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Ban options", false)
	host := openPage(t, "host", hostURL(s, r), desktop())
	mallory := participant(t, s, r.Code, "Mallory")
	command(t, s, r.Code, mallory, map[string]any{"type": "ask", "text": "Buy my stuff at this address", "name": "Mallory"})
	command(t, s, r.Code, mallory, map[string]any{"type": "comment", "text": "spam spam spam", "name": "Mallory"})
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	ada.waitText(tid("question"), "Buy my stuff")

	host.click(host.pathOf(tid("comment-list")+" "+tid("comment"), "spam spam spam") + " " + tid("ban"))
	host.waitText(tid("ban-dialog"), "Mallory")
	if !eval[bool](host, `document.querySelector('`+tid("ban-hide")+`').checked`) {
		t.Error("hiding the person's posts is not the default")
	}
	host.click(tid("ban-cover"))
	host.click(tid("ban-confirm"))
	host.waitGone(tid("ban-dialog"))
	host.waitFor("the comment removed from the console", `![...document.querySelectorAll('`+tid("comment-list")+` `+tid("comment")+`')].some(e => e.textContent.includes("spam spam spam"))`)
	ada.waitFor("the question gone from the audience", `![...document.querySelectorAll('`+tid("question")+`')].some(e => e.textContent.includes("Buy my stuff"))`)
	for _, q := range export(t, s, r)["questions"].([]any) {
		if st := q.(map[string]any)["status"]; st != "hidden" {
			t.Errorf("the banned person's question is %v after the ban, want hidden", st)
		}
	}
}

// TestConsoleIdleWarning: on a server whose idle rooms expire within the
// console's warning window, the console warns with the date, and "Keep
// this room" (a room_set, which is activity) puts the warning away.
func TestConsoleIdleWarning(t *testing.T) {
	t.Parallel()
	s := startServer(t, "-room-idle-expiry", "1h")
	r := createRoom(t, s, "Forgotten", false)
	host := openPage(t, "host", hostURL(s, r), desktop())
	host.waitVisible(tid("idle-warning"))
	host.waitText(tid("idle-warning"), "will be deleted on")
	host.click(tid("idle-keep"))
	host.waitGone(tid("idle-warning"))
}

// TestConsoleNumberFollowsTheRoom: a number field that has the focus but
// holds no edit follows a change made elsewhere (another host tab, the
// API), so a value put back after a refusal never stays behind an update
// that arrives later; a number being typed is left alone until it is
// committed.
func TestConsoleNumberFollowsTheRoom(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Two tabs", false)
	host := openPage(t, "host", hostURL(s, r), desktop())
	css := tid("setting-slow_mode_seconds")
	field := `document.querySelector('` + css + `')`
	host.waitFor("the field enabled for the host", field+` && !`+field+`.disabled`)

	host.focusField(css, false)
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "slow_mode_seconds": 45})
	host.waitFor("the focused field showing the room's new value", field+`.value === "45" && document.activeElement === `+field)

	host.fill(css, "12")
	// One update changes both numbers: the other field shows when it came.
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "slow_mode_seconds": 60, "hold_new_minutes": 7})
	host.waitFor("the update shown in the other field", `document.querySelector('`+tid("setting-hold_new_minutes")+`').value === "7"`)
	if got := eval[string](host, field+`.value`); got != "12" {
		t.Errorf("the number being typed is %q after a change from elsewhere, want 12 kept", got)
	}
	eval[bool](host, field+`.dispatchEvent(new Event("change"))`)
	waitRoomSetting(t, s, r, "slow_mode_seconds", float64(12))
}
