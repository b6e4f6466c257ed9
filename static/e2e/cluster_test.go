package e2e

import (
	"testing"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// TestTwoInstancesSharingRedis: two servers share one Redis; the console is
// on one, the audience and the screen on both. A question asked on one
// instance reaches the console on the other, the host's pin reaches the
// screen and the audience on either, and the presence counts everyone.
// The stage switch on the console (on b) moves the screen (on a).
func TestTwoInstancesSharingRedis(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	a := startServer(t, "-redis", rs.URL(), "-instance-id", "e2e-a")
	b := startServer(t, "-redis", rs.URL(), "-instance-id", "e2e-b")
	r := createRoom(t, a, "Two instances", false)

	host := openPage(t, "host on b", hostURL(b, r))
	ada := openPage(t, "ada on a", a.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob on b", b.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen on a", a.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))

	const question = "Does this work across servers?"
	ada.typeInto(tid("ask-input"), question)
	ada.click(tid("ask-submit"))
	id := ada.idOf(tid("question"), question)
	bob.waitText(byID("question", id), question)
	host.waitText(tid("question-list")+" "+byID("question", id), question)

	host.click(tid("question-list") + " " + byID("question", id) + " " + tid("pin"))
	screen.waitText(tid("pinned"), question)
	ada.waitText(tid("pinned"), question)
	bob.waitText(tid("pinned"), question)

	// Four pages connected over two instances; the people present are the
	// two of the audience (the console and the screen are not counted).
	for _, p := range []*page{ada, bob} {
		p.waitFor(p.name+" counting 2 people", `(document.querySelector('[data-testid="presence"]') || {}).textContent.includes("2")`)
	}
	screen.waitFor("the screen counting 2 people", `(document.querySelector('[data-testid="presence"]') || {}).textContent.includes("2")`)

	host.click(tid("stage-option") + `[value="code"]`)
	screen.waitFor("the join code on stage on the other instance", `document.body.dataset.stage === 'code'`)
	host.click(tid("stage-option") + `[value="auto"]`)
	screen.waitFor("auto again on the other instance", `document.body.dataset.stage === 'auto'`)
	screen.waitText(tid("pinned"), question)
}
