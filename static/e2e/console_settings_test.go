package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSettingsKeepFocusAndTyping: a keyboard user toggles moderation with
// the space bar and the focus stays on the switch after the room's update
// arrives (the settings were redrawn at every room event, which sent the
// focus to the page's body); a title being typed is not overwritten by a
// room event from elsewhere.
func TestSettingsKeepFocusAndTyping(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Design review", false)
	host := openPage(t, "host", hostURL(s, r), desktop())
	sw := tid("setting-moderation")
	host.waitVisible(sw)
	eval[bool](host, `(() => { document.querySelector('`+sw+`').focus(); return true; })()`)
	host.do(chromedp.KeyEvent(" "))
	host.waitFor("moderation on in the room", `document.querySelector('`+sw+`').checked`)
	// The switch shows its new state at once; the room has it once the
	// command is applied (and written to the log).
	waitRoomSetting(t, s, r, "moderation", true)
	// One more room event, from elsewhere (once it shows, the first one
	// has come back too).
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "comments": false})
	host.waitFor("comments off", `!document.querySelector('`+tid("setting-comments")+`').checked`)
	if !eval[bool](host, `document.activeElement === document.querySelector('`+sw+`')`) {
		t.Errorf("the focus left the moderation switch: it is on %s", eval[string](host, `document.activeElement.outerHTML.slice(0, 100)`))
	}

	// Typing: the field focused and emptied, then typed into.
	eval[bool](host, `(() => { const i = document.querySelector('`+tid("setting-title")+`'); i.focus(); i.value = ""; return true; })()`)
	host.typeInto(tid("setting-title"), "Design review, part 2")
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "comments": true})
	host.waitFor("comments on", `document.querySelector('`+tid("setting-comments")+`').checked`)
	if v := eval[string](host, `document.querySelector('`+tid("setting-title")+`').value`); v != "Design review, part 2" {
		t.Errorf("the title being typed became %q after a room event", v)
	}
}
