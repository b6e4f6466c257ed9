package e2e

import (
	"fmt"
	"testing"
)

var sprintf = fmt.Sprintf

// TestWordCloudAndRatingPolls: the host creates a word cloud open and
// revealed at once; two audience members answer with overlapping words;
// the screen and the console show the cloud with each word once and the
// shared word counted twice. Then a rating: two ratings of 4 and 5 give
// an average of 4.50 on the console.
func TestWordCloudAndRatingPolls(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Retro", false)
	host := openPage(t, "host", hostURL(s, r))
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))

	create := func(kind, title string) string {
		t.Helper()
		host.selectValue(tid("poll-kind"), kind)
		host.fill(tid("poll-title"), title)
		host.setChecked(tid("poll-open-now"), true)
		host.setChecked(tid("poll-reveal-now"), true)
		host.click(tid("poll-create"))
		return host.idOf(tid("poll-list")+" "+tid("poll"), title)
	}
	answer := func(p *page, poll, text string) {
		t.Helper()
		showTab(p, "tab-polls")
		card := byID("poll", poll)
		p.typeInto(card+" "+tid("poll-text-input"), text)
		p.click(card + " " + tid("vote-submit"))
		p.waitVisible(card + " " + tid("vote-status"))
	}

	cloud := create("wordcloud", "One word for this sprint?")
	answer(ada, cloud, "calm focused")
	answer(bob, cloud, "Focused busy")
	// Words are folded for case: "focused" twice, the others once.
	words := `[...document.querySelectorAll('%s .cloud-word')].map(w => w.firstChild.textContent).sort().join(",")`
	for _, p := range []*page{host, screen} {
		chart := tid("results-chart")
		if p == host {
			chart = byID("poll", cloud) + " " + chart
		}
		p.waitFor(p.name+" showing the three words", sprintf(words, chart)+` === "busy,calm,focused"`)
		p.waitText(chart+" .cloud-word", "(2)")
	}
	ada.waitFor("the cloud on the audience page", sprintf(words, byID("poll", cloud))+` === "busy,calm,focused"`)

	rating := create("rating", "How was the retro format?")
	for i, p := range []*page{ada, bob} {
		showTab(p, "tab-polls")
		card := byID("poll", rating)
		p.click(card + " " + tid(sprintf("rating-%d", 4+i)))
		p.click(card + " " + tid("vote-submit"))
		p.waitVisible(card + " " + tid("vote-status"))
	}
	host.waitText(byID("poll", rating)+" .rating-number", "4.5")
	host.waitText(byID("poll", rating)+" .chart-total", "2 responses")
	screen.waitText(tid("results-chart")+" .rating-number", "4.5")

	// The phone's revealed chart: its average stars are a row of glyphs, not
	// the rating form's 60-px bordered buttons (both were class "star", and
	// the form's style took over the chart's after reveal).
	ada.waitText(byID("poll", rating)+" .rating-number", "4.5")
	stars := `[...document.querySelectorAll('` + byID("poll", rating) + ` .rating-stars > *')]`
	if n := eval[int](ada, stars+`.length`); n != 5 {
		t.Fatalf("the phone's chart has %d average stars, want 5", n)
	}
	if bad := eval[string](ada, stars+`.map(s => { const c = getComputedStyle(s), r = s.getBoundingClientRect(); return (r.height > 40 || c.borderTopWidth !== "0px") ? r.height + "px, border " + c.borderTopWidth : ""; }).filter(Boolean).join("; ")`); bad != "" {
		t.Fatalf("the phone's average stars are styled as rating buttons: %s", bad)
	}
}
