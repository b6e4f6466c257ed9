package e2e

import (
	"strings"
	"testing"
)

// desktop is the host console's usual screen: a laptop at 1440×900.
func desktop() pageOption { return viewport(1440, 900, 1, false) }

// TestPollFormResetsAfterCreate: the host makes a quiz that opens at once,
// shows results and has a 30-second timer; the preview line says so before
// it is sent. After the create every control is back to its safe default
// (draft, results hidden, no timer, speed bonus at its default) and the
// preview says so; a second quiz created without touching those controls
// is a draft with results hidden and no timer. (The form kept the first
// poll's choices: the second opened at once and showed live tallies.)
func TestPollFormResetsAfterCreate(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Quiz night", false)
	host := openPage(t, "host", hostURL(s, r), desktop())

	fillQuiz := func(title string) {
		t.Helper()
		host.selectValue(tid("poll-kind"), "quiz")
		host.fill(tid("poll-title"), title)
		host.fill(tid("poll-form")+" li:nth-child(1) "+tid("poll-option"), "Saturn")
		host.fill(tid("poll-form")+" li:nth-child(2) "+tid("poll-option"), "Jupiter")
		host.setChecked(tid("poll-form")+" li:nth-child(2) "+tid("poll-correct"), true)
	}
	preview := func() string {
		return eval[string](host, `document.querySelector('`+tid("poll-preview")+`').textContent`)
	}

	const first = "Which planet is the largest?"
	fillQuiz(first)
	host.waitText(tid("poll-preview"), "Phones will see:")
	if p := preview(); !strings.Contains(p, "saved as a draft") || !strings.Contains(p, "results hidden") || !strings.Contains(p, "no timer") {
		t.Errorf("a fresh quiz's preview: %q, want a draft, results hidden, no timer", p)
	}
	host.setChecked(tid("poll-open-now"), true)
	host.setChecked(tid("poll-reveal-now"), true)
	host.fill(tid("poll-seconds"), "30")
	host.waitText(tid("poll-preview"), "30-second timer with speed bonus")
	if p := preview(); !strings.Contains(p, "opens now") || !strings.Contains(p, "results live") {
		t.Errorf("the preview of an open, revealed quiz: %q", p)
	}
	host.click(tid("poll-create"))
	host.waitText(tid("poll-list")+" "+tid("poll"), first)

	// Every control back to its default, and the preview with them.
	host.waitFor("the title cleared", `document.querySelector('`+tid("poll-title")+`').value === ""`)
	type control struct {
		Open, Reveal, Speed, SpeedDisabled bool
		Seconds, Kind                      string
	}
	got := eval[control](host, `({
		Open: document.querySelector('`+tid("poll-open-now")+`').checked,
		Reveal: document.querySelector('`+tid("poll-reveal-now")+`').checked,
		Speed: document.querySelector('`+tid("poll-speed")+`').checked,
		SpeedDisabled: document.querySelector('`+tid("poll-speed")+`').disabled,
		Seconds: document.querySelector('`+tid("poll-seconds")+`').value,
		Kind: document.querySelector('`+tid("poll-kind")+`').value,
	})`)
	want := control{Open: false, Reveal: false, Speed: true, SpeedDisabled: true, Seconds: "", Kind: "quiz"}
	if got != want {
		t.Errorf("after a create the form is %+v, want %+v", got, want)
	}
	if p := preview(); !strings.Contains(p, "saved as a draft") || !strings.Contains(p, "results hidden") || !strings.Contains(p, "no timer") {
		t.Errorf("after a create the preview says %q, want a draft, results hidden, no timer", p)
	}

	// A second quiz, made without touching those controls.
	const second = "Which planet has the most moons?"
	fillQuiz(second)
	host.click(tid("poll-create"))
	id := host.idOf(tid("poll-list")+" "+tid("poll"), second)
	card := tid("poll-list") + " " + byID("poll", id)
	host.waitFor("the second quiz a draft", `document.querySelector('`+card+`').dataset.state === "draft"`)
	if text := eval[string](host, `document.querySelector('`+card+`').textContent`); strings.Contains(text, "⏱") {
		t.Errorf("the second quiz has a timer: %q", text)
	}
	for _, p := range export(t, s, r)["polls"].([]any) {
		poll := p.(map[string]any)
		switch poll["title"] {
		case first:
			if poll["state"] != "open" || poll["reveal"] != true {
				t.Errorf("the first quiz: state %v, reveal %v, want open and revealed", poll["state"], poll["reveal"])
			}
		case second:
			if poll["state"] != "draft" || poll["reveal"] != false {
				t.Errorf("the second quiz: state %v, reveal %v, want a draft with results hidden", poll["state"], poll["reveal"])
			}
		}
	}
}
