package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestQAModerationPinToScreen: a host creates a room with moderation on the
// landing page and opens the console; an audience member asks; the question
// waits (the asker sees it as pending, another audience member and the
// screen do not see it) until the host approves it; the host pins it and
// the screen and the audience show it as pinned.
func TestQAModerationPinToScreen(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	host := openPage(t, "host", s.URL+"/")
	host.fill(tid("create-title"), "Friday all-hands")
	host.setChecked(tid("create-moderation"), true)
	host.click(tid("create-submit"))
	host.waitVisible(tid("created-code"))
	code := strings.TrimSpace(host.texts(tid("created-code"))[0])
	if len(code) != 6 {
		t.Fatalf("created-code shows %q, want a 6-character room code", code)
	}
	host.click(tid("open-console"))
	host.waitText(tid("join-code"), code)
	host.waitText(tid("room-title"), "Friday all-hands")
	// The console moves the key out of the address bar.
	if url := eval[string](host, "location.href"); strings.Contains(url, "key=") {
		t.Errorf("host console keeps its key in the address: %s", url)
	}

	asker := openPage(t, "asker", s.URL+"/r/"+code, phone())
	other := openPage(t, "other", s.URL+"/r/"+code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+code, viewport(1920, 1080, 1, false))
	asker.waitText(tid("room-title"), "Friday all-hands")
	other.waitVisible(tid("question-list"))

	const question = "Will the slides be shared after the talk?"
	asker.typeInto(tid("ask-input"), question)
	asker.click(tid("ask-submit"))
	id := asker.idOf(tid("question"), question)
	asker.waitVisible(byID("question", id) + " " + tid("pending-badge"))

	// The host sees it in the moderation queue; nobody else sees it yet.
	host.waitText(tid("moderation-queue"), question)
	time.Sleep(300 * time.Millisecond) // let any wrong broadcast arrive
	if n := other.count(byID("question", id)); n != 0 {
		t.Errorf("another audience page shows the pending question (%d elements)", n)
	}
	if strings.Contains(eval[string](screen, "document.body.textContent"), question) {
		t.Errorf("the screen shows the pending question")
	}

	host.click(tid("moderation-queue") + " " + byID("question", id) + " " + tid("approve"))
	other.waitText(byID("question", id), question)
	asker.waitGone(byID("question", id) + " " + tid("pending-badge"))
	host.waitText(tid("question-list"), question)

	host.click(tid("question-list") + " " + byID("question", id) + " " + tid("pin"))
	screen.waitText(tid("pinned"), question)
	asker.waitText(tid("pinned"), question)
	other.waitText(tid("pinned"), question)
	host.waitVisible(byID("question", id) + " " + tid("pinned-badge"))
}
