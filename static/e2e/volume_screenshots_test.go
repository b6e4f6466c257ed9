package e2e

import (
	"fmt"
	"testing"
)

// TestVolumeRoomPages: the console and a phone in the room of real size
// (205 questions, 600 upvotes, 60 players), as the README's screenshots
// show them (HUBBUB_SCREENSHOTS=docs/screenshots writes
// console-volume-1440x900.png, phone-quiz-alert-390x844.png and
// phone-quiz-390x844.png). The console on a 1440×900 laptop lists a page
// of the live questions with the answered ones counted in the archive; a
// phone reading the 205 questions, scrolled far down, is told of a timed
// quiz that opens by an alert in sight (it was above the tabs, out of
// sight), and one tap on the alert brings the quiz's title into view with its
// countdown running.
func TestVolumeRoomPages(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 60, 205, 600)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	for _, q := range export(t, s, r.room)["questions"].([]any)[10:15] {
		host(map[string]any{"type": "question_set", "question": q.(map[string]any)["id"], "status": "answered", "answer": "Covered in the keynote."})
	}
	host(map[string]any{"type": "question_set", "question": firstQuestion(t, s, r), "pinned": true})

	console := openPage(t, "console", hostURL(s, r.room), desktop())
	console.waitText(tid("count-live"), "200")
	console.waitText(tid("count-answered"), "5")
	console.waitCount(tid("question-list")+" "+tid("question"), 20)
	keepShot(t, console, "console-volume-1440×900.png")

	p := openPage(t, "phone", s.URL+"/r/"+r.Code, phone())
	p.waitFor("the questions listed", `document.querySelectorAll('`+tid("question")+`').length >= 20`)
	eval[bool](p, `(window.scrollTo(0, 1500), true)`)
	const title = "Which planet is the largest?"
	quiz := host(map[string]any{"type": "poll_create", "kind": "quiz", "title": title, "seconds": 60, "speed_bonus": true,
		"options": []string{"Mars", "Jupiter", "Saturn", "Neptune"}, "correct": []int{1}, "state": "open"})["poll"].(string)
	p.waitVisible(tid("poll-alert"))
	p.waitText(tid("poll-alert"), title)
	// In sight where the reader is, not above the tabs 1,500 px up.
	p.waitFor("the alert in the viewport", `(() => { const r = document.querySelector('`+tid("poll-alert")+`').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()`)
	keepShot(t, p, "phone-quiz-alert-390×844.png")
	p.click(tid("poll-alert"))
	card := byID("poll", quiz)
	p.waitFor("the quiz's title in view", fmt.Sprintf(`(() => {
		const r = document.querySelector(%s).getBoundingClientRect();
		return r.top >= document.querySelector(".topbar").getBoundingClientRect().bottom && r.bottom <= innerHeight;
	})()`, js(card+" .poll-title")))
	p.waitFor("the countdown running", `/\d/.test((document.querySelector('`+card+`') || {}).textContent || '')`)
	keepShot(t, p, "phone-quiz-390×844.png")
}
