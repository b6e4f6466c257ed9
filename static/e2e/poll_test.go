package e2e

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// hostURL is the console address of a room with its host key in the
// fragment, as the landing page links it.
func hostURL(s *server, r room) string {
	return s.URL + "/host/" + r.Code + "#key=" + url.QueryEscape(r.HostKey)
}

// TestPollCreatedVotedRevealed: the host creates a single-choice poll and
// opens it; two audience members vote for different options; the host sees
// the tally live while the audience sees no results; the host reveals and
// the audience pages and the screen show the chart with the same counts.
func TestPollCreatedVotedRevealed(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Team offsite", false)

	host := openPage(t, "host", hostURL(s, r))
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))

	const title = "Where should we go next spring?"
	host.selectValue(tid("poll-kind"), "single")
	host.fill(tid("poll-title"), title)
	host.fill(tid("poll-form")+" li:nth-child(1) "+tid("poll-option"), "Lisbon")
	host.fill(tid("poll-form")+" li:nth-child(2) "+tid("poll-option"), "Kyoto")
	host.click(tid("poll-create"))
	poll := host.idOf(tid("poll-list")+" "+tid("poll"), title)
	card := tid("poll-list") + " " + byID("poll", poll)
	host.waitFor("the new poll to be a draft", `document.querySelector('`+card+`').dataset.state === "draft"`)

	// A draft is for staff only.
	time.Sleep(300 * time.Millisecond)
	if n := ada.count(byID("poll", poll)); n != 0 {
		t.Errorf("the audience sees a draft poll")
	}

	host.click(card + " " + tid("poll-open"))
	for _, p := range []*page{ada, bob} {
		p.waitText(byID("poll", poll), title)
	}
	vote(ada, poll, 0)
	vote(bob, poll, 1)

	// The host's chart counts both ballots as they arrive; the audience
	// sees no tally before the reveal.
	host.waitText(card+" "+tid("results-chart")+" .chart-total", "2 responses")
	for i, want := range []string{"1 vote", "1 vote"} {
		host.waitText(card+" "+tid("results-chart")+` .chart-row[data-index="`+string(rune('0'+i))+`"] .chart-value`, want)
	}
	for _, p := range []*page{ada, bob} {
		if n := p.count(byID("poll", poll) + " " + tid("results-chart")); n != 0 {
			t.Errorf("%s sees results before the reveal", p.name)
		}
	}

	host.click(card + " " + tid("poll-reveal"))
	for _, p := range []*page{ada, bob, screen} {
		chart := tid("results-chart")
		if p != screen {
			chart = byID("poll", poll) + " " + chart
		}
		p.waitText(chart+" .chart-total", "2 responses")
		p.waitText(chart+` .chart-row[data-index="0"]`, "Lisbon")
		p.waitText(chart+` .chart-row[data-index="0"] .chart-value`, "1 vote · 50%")
		p.waitText(chart+` .chart-row[data-index="1"]`, "Kyoto")
		p.waitText(chart+` .chart-row[data-index="1"] .chart-value`, "1 vote · 50%")
	}
	// Each voter's own choice is marked in the chart.
	ada.waitText(byID("poll", poll)+` .chart-row[data-index="0"]`, "Your answer")
	bob.waitText(byID("poll", poll)+` .chart-row[data-index="1"]`, "Your answer")
	if strings.Contains(eval[string](screen, "document.body.textContent"), "Your answer") {
		t.Errorf("the screen marks an answer as its own")
	}
}

// vote picks option index i of the poll on an audience page and sends the
// ballot, waiting for the page to confirm it.
func vote(p *page, poll string, i int) {
	p.t.Helper()
	card := byID("poll", poll)
	showTab(p, "tab-polls")
	p.click(card + ` ` + tid("poll-option") + `[value="` + string(rune('0'+i)) + `"]`)
	p.click(card + " " + tid("vote-submit"))
	p.waitVisible(card + " " + tid("vote-status"))
}

// showTab selects the audience page's tab with test id testid, when the
// page has such a tab (on a wide screen every section may be shown at once).
func showTab(p *page, testid string) {
	p.t.Helper()
	if eval[bool](p, visibleJS(tid(testid))) {
		p.click(tid(testid))
		p.waitFor(testid+" selected", `document.querySelector('`+tid(testid)+`').getAttribute("aria-selected") === "true"`)
	}
}
