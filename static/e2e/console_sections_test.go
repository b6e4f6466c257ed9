package e2e

import "testing"

// TestConsoleArchiveAndSections: in a room of 60 questions, 25 of them
// answered, the console lists the 35 live ones and moves the answered ones
// to an Archive section, collapsed at first, that counts them; opened, it
// pages them like the list. A question answered from the list stays in
// place while the pointer is on the list (the list holds still), and goes
// to the archive when the held changes are applied; reopened from the
// archive, it comes back. Every section collapses to its heading (a button
// that says whether it is expanded), and the console remembers which are
// collapsed across a reload.
func TestConsoleArchiveAndSections(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 20, 60, 100)
	all := export(t, s, r.room)["questions"].([]any)
	answered := map[string]bool{}
	for _, q := range all[:25] {
		id := q.(map[string]any)["id"].(string)
		answered[id] = true
		command(t, s, r.Code, r.HostKey, map[string]any{"type": "question_set", "question": id, "status": "answered", "answer": "Covered in the keynote."})
	}
	host := openPage(t, "host", hostURL(s, r.room), desktop())
	live := tid("question-list") + " " + tid("question")
	archived := tid("archive-list") + " " + tid("question")
	archive := `[data-section="archive"]`
	toggle := func(section string) string { return `[data-section="` + section + `"] ` + tid("section-toggle") }
	expanded := func(section string) bool {
		return eval[string](host, `document.querySelector('`+toggle(section)+`').getAttribute('aria-expanded')`) == "true"
	}

	// The list: live questions only; the archive: collapsed, counting 25.
	host.waitText(tid("count-live"), "35")
	host.waitText(tid("count-answered"), "25")
	host.waitCount(live, 20)
	if n := eval[int](host, `[...document.querySelectorAll('`+live+`')].filter((e) => e.dataset.status !== 'live').length`); n > 0 {
		t.Errorf("%d answered questions still in the list", n)
	}
	if expanded("archive") {
		t.Errorf("the archive starts expanded")
	}
	host.waitGone(archive + " " + tid("archive-list"))

	// Opened: a page of answered questions, the rest behind "show more".
	host.click(toggle("archive"))
	host.waitVisible(tid("archive-list"))
	if !expanded("archive") {
		t.Errorf("the archive's button does not say it is expanded")
	}
	host.waitCount(archived, 20)
	host.waitText(tid("archive-more"), "Show 5 more (5 not shown)")
	host.click(tid("archive-more"))
	host.waitCount(archived, 25)
	for _, id := range eval[[]string](host, `[...document.querySelectorAll('`+archived+`')].map((e) => e.dataset.id)`) {
		if !answered[id] {
			t.Errorf("question %s is in the archive but was not answered", id)
		}
	}

	// Answered from the list: held in place under the pointer, archived on apply.
	id := eval[string](host, `document.querySelectorAll('`+live+`')[2].dataset.id`)
	q := tid("question-list") + " " + byID("question", id)
	host.click(q + " " + tid("answer"))
	host.typeInto(q+" "+tid("answer-input"), "Yes, next quarter.")
	host.click(q + " " + tid("answer-save"))
	host.waitVisible(q + " " + tid("answered-badge"))
	host.click(tid("apply-changes"))
	host.waitGone(q)
	host.waitText(tid("count-answered"), "26")
	host.waitText(tid("count-live"), "34")
	host.waitVisible(tid("archive-list") + " " + byID("question", id))

	// Reopened from the archive: back in the list.
	host.click(tid("archive-list") + " " + byID("question", id) + " " + tid("reopen"))
	host.waitFor("the reopen applied or held", `document.querySelector('`+tid("count-answered")+`').textContent === '25' || !document.querySelector('#apply-bar').hidden`)
	if eval[bool](host, `!document.querySelector('#apply-bar').hidden`) {
		host.click(tid("apply-changes"))
	}
	host.waitText(tid("count-answered"), "25")
	host.waitGone(tid("archive-list") + " " + byID("question", id))
	host.waitVisible(q)

	// Sections collapse to their heading, and stay so after a reload.
	for _, section := range []string{"comments", "stats", "queue"} {
		host.click(toggle(section))
		host.waitGone("#section-" + section)
		if expanded(section) {
			t.Errorf("%s: collapsed, its button still says expanded", section)
		}
	}
	host.click(`[data-section="new-poll"] > summary`)
	host.waitFor("the new-poll form closed", `!document.querySelector('[data-section="new-poll"]').open && !document.querySelector('`+tid("poll-form")+`').checkVisibility()`)
	// The details element tells of its change in a task of its own (toggle): saved then.
	host.waitFor("the closed form remembered", `JSON.parse(localStorage.getItem('hubbub:console:sections'))['new-poll'] === true`)
	host.reload()
	host.waitVisible(toggle("comments"))
	host.waitText(tid("count-live"), "35")
	for section, want := range map[string]bool{"comments": false, "stats": false, "queue": false, "archive": true, "questions": true, "settings": true} {
		if got := expanded(section); got != want {
			t.Errorf("after a reload, %s expanded = %v, want %v", section, got, want)
		}
	}
	host.waitVisible(tid("archive-list"))
	host.waitGone("#section-comments")
	if eval[bool](host, `document.querySelector('[data-section="new-poll"]').open`) {
		t.Errorf("after a reload, the new-poll form is open again")
	}
	// The heading keeps its count while collapsed.
	host.waitVisible(tid("queue-count"))
}
