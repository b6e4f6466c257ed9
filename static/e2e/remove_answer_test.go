package e2e

import (
	"strings"
	"testing"
)

// TestRemoveAnswer: the host removes one offensive open-text answer and
// one word-cloud word from the console. The confirm names the answer and
// the poll; the answer (both spellings of it) and the word leave the
// console, the projector and the audience's phone, and the server's
// export; the other answers and words stay. Only the console has the
// remove control.
func TestRemoveAnswer(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Remove answers", false)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }
	text := host(map[string]any{"type": "poll_create", "kind": "text", "title": "One word for today?", "state": "open", "reveal": true})["poll"].(string)
	var people []string
	for i, answer := range []string{"Inspiring", "Rubbish talk", "rubbish  talk", "Useful"} {
		tok := participant(t, s, r.Code, []string{"Ada", "Bo", "Cy", "Di"}[i])
		people = append(people, tok)
		command(t, s, r.Code, tok, map[string]any{"type": "vote", "poll": text, "text": answer})
	}
	cloud := host(map[string]any{"type": "poll_create", "kind": "wordcloud", "title": "What comes to mind?", "state": "open", "reveal": true})["poll"].(string)
	for i, words := range []string{"growth idiots", "idiots", "growth focus"} {
		command(t, s, r.Code, people[i], map[string]any{"type": "vote", "poll": cloud, "text": words})
	}

	console := openPage(t, "console", hostURL(s, r), desktop())
	textCard := byID("poll", text)
	cloudCard := byID("poll", cloud)
	console.waitText(textCard+" "+tid("results-chart"), "ubbish")
	console.waitText(cloudCard+" "+tid("results-chart"), "idiots")
	screen := openPage(t, "projector", s.URL+"/screen/"+r.Code, viewport(1280, 720, 1, false))
	screen.waitText(tid("results-chart"), "growth") // the poll last opened is on stage
	aud := openPage(t, "audience", s.URL+"/r/"+r.Code, phone())
	showTab(aud, "tab-polls")
	aud.waitText(byID("poll", text)+" "+tid("results-chart"), "ubbish")

	// The text answer, given twice in two spellings.
	rubbish := console.pathOf(textCard+" .answer-item", "ubbish")
	console.click(rubbish + " " + tid("answer-remove"))
	console.waitFor("the answer gone from the console", `!document.querySelector('`+textCard+` [data-testid="results-chart"]').textContent.toLowerCase().includes('rubbish')`)
	if d := strings.Join(console.Dialogs(), "\n"); !strings.Contains(strings.ToLower(d), "rubbish") || !strings.Contains(d, "One word for today?") {
		t.Errorf("the confirm %q does not name the answer and the poll", d)
	}
	console.waitText(textCard+" "+tid("results-chart"), "Inspiring")
	aud.waitFor("the answer gone from the phone", `!document.querySelector('`+byID("poll", text)+` [data-testid="results-chart"]').textContent.toLowerCase().includes('rubbish')`)
	aud.waitText(byID("poll", text)+" "+tid("results-chart"), "Useful")

	// The word.
	idiots := console.pathOf(cloudCard+" .cloud-word", "idiots")
	console.click(idiots + " " + tid("answer-remove"))
	console.waitFor("the word gone from the console", `!document.querySelector('`+cloudCard+` [data-testid="results-chart"]').textContent.includes('idiots')`)
	screen.waitFor("the word gone from the screen", `!document.querySelector('[data-testid="results-chart"]').textContent.includes('idiots')`)
	screen.waitText(tid("results-chart"), "focus")
	if n := screen.count(tid("answer-remove")) + aud.count(tid("answer-remove")); n != 0 {
		t.Errorf("the screen or the phone shows %d remove controls", n)
	}

	// The server's export agrees.
	for _, p := range export(t, s, r)["polls"].([]any) {
		m := p.(map[string]any)
		res := m["results"].(map[string]any)
		switch m["id"] {
		case text:
			if got := res["total"].(float64); got != 2 {
				t.Errorf("the text poll has %v ballots after the removal, want 2", got)
			}
			for _, a := range res["answers"].([]any) {
				if strings.Contains(strings.ToLower(a.(string)), "rubbish") {
					t.Errorf("the export still has the answer %q", a)
				}
			}
		case cloud:
			if got := res["total"].(float64); got != 2 {
				t.Errorf("the word cloud has %v ballots after the removal, want 2 (one had only the word)", got)
			}
			for _, w := range res["words"].([]any) {
				if w.(map[string]any)["word"] == "idiots" {
					t.Errorf("the export still has the word")
				}
			}
		}
	}
}
