package e2e

import "testing"

// TestReactionsReachEveryone: taps on the audience's reaction bar are
// counted on the other audience pages and in the screen's totals, and the
// screen sends emoji floating up.
func TestReactionsReachEveryone(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Keynote", false)
	ada := openPage(t, "ada", s.URL+"/r/"+r.Code, phone())
	bob := openPage(t, "bob", s.URL+"/r/"+r.Code, phone())
	screen := openPage(t, "screen", s.URL+"/screen/"+r.Code, viewport(1920, 1080, 1, false))
	screen.waitVisible(tid("qr"))
	ada.waitVisible(tid("react-clap"))

	for range 3 {
		ada.click(tid("react-clap"))
	}
	ada.click(tid("react-love"))
	count := func(kind string) string {
		return `(document.querySelector('[data-testid="react-` + kind + `"] [data-testid="reaction-count"]') || {}).textContent`
	}
	for _, p := range []*page{ada, bob} {
		p.waitFor(p.name+" counting 3 claps and 1 love", count("clap")+` === "3" && `+count("love")+` === "1"`)
	}
	screen.waitFor("emoji floating up on the screen", `document.querySelectorAll("#floaters .floater").length > 0`)
	screen.waitText("#reaction-totals", "clap 3")
	screen.waitText("#reaction-totals", "love 1")
}
