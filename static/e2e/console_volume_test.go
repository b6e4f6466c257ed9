package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestConsoleAtVolume: the console of a room of 205 live questions with
// upvotes and 12 more waiting for approval, on a 1440×900 laptop. The page
// stays a few screens long (it was one 40,801-px column): the queue and the
// list show a page of questions each, with "show more" for the rest. The
// tab's title counts the waiting questions; the search finds one question
// among all of them; the filter buttons count each status; selecting all
// waiting questions and approving them empties the queue in one step, and
// two selected live questions are hidden in one step.
func TestConsoleAtVolume(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 60, 205, 300)
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "moderation": true})
	const waiting = 12
	for i := range waiting {
		token := participant(t, s, r.Code, fmt.Sprintf("Late %d", i+1))
		command(t, s, r.Code, token, map[string]any{"type": "ask", "text": fmt.Sprintf("Late question %d: will the slides be shared after the session?", i+1)})
	}

	host := openPage(t, "host", hostURL(s, r.room), desktop())
	live := tid("question-list") + " " + tid("question")
	queue := tid("moderation-queue") + " " + tid("question")
	host.waitText(tid("queue-count"), fmt.Sprint(waiting))
	host.waitFor("the list drawn", `document.querySelectorAll('`+live+`').length >= 20`)

	// A bounded page: a page of questions in each list, the rest behind "show more".
	// (TestVolumeRoomPages takes the README's screenshot of such a console.)
	height := eval[int](host, `document.documentElement.scrollHeight`)
	t.Logf("document height %d px", height)
	if height > 7*900 {
		t.Errorf("the console is %d px tall with 217 questions, want at most %d (7 screens)", height, 7*900)
	}
	host.waitText(tid("count-live"), "205")
	host.waitCount(live, 20)
	host.waitCount(queue, 8)
	host.waitText(tid("show-more"), "Show 20 more (185 not shown)")
	host.click(tid("show-more"))
	host.waitCount(live, 40)
	host.click(tid("queue-more"))
	host.waitCount(queue, waiting)

	// The tab's title counts the waiting questions.
	host.waitFor("the title counting 12 waiting", `document.title.startsWith("(12) ")`)

	// The search finds one question among 217.
	host.typeInto(tid("question-search"), "question 137:")
	host.waitCount(live, 1)
	host.waitText(live, "Question 137: how will")
	host.waitCount(queue, 0)
	host.waitText(tid("search-status"), "1 of 217 questions match.")
	host.waitText(tid("count-answered"), "0")
	search := func(text string) {
		t.Helper()
		eval[bool](host, `(() => { const i = document.querySelector('`+tid("question-search")+`'); i.value = ""; return i.dispatchEvent(new Event("input", {bubbles: true})); })()`)
		host.typeInto(tid("question-search"), text)
	}
	search("slides")
	host.waitCount(queue, 8)
	host.waitCount(live, 0)
	search("")
	host.waitCount(live, 20)

	// Approve all waiting questions at once.
	host.click(tid("select-pending"))
	host.waitText(tid("bulk-bar"), "12 selected")
	host.click(tid("bulk-approve"))
	host.waitText(tid("queue-count"), "0")
	host.waitText(tid("count-live"), "217")
	host.waitFor("the title without a waiting count", `!document.title.startsWith("(")`)
	host.waitGone(tid("bulk-approve"))
	host.waitText(tid("bulk-bar"), "Tick questions")

	// Hide two live questions at once.
	ids := eval[[]string](host, `[...document.querySelectorAll('`+live+`')].slice(3, 5).map(e => e.dataset.id)`)
	for _, id := range ids {
		host.setChecked(tid("question-list")+" "+byID("question", id)+" "+tid("select"), true)
	}
	host.waitText(tid("bulk-bar"), "2 selected")
	host.click(tid("bulk-hide"))
	host.waitText(tid("count-hidden"), "2")
	hidden := 0
	for _, q := range export(t, s, r.room)["questions"].([]any) {
		q := q.(map[string]any)
		if q["status"] == "hidden" {
			hidden++
			if id := q["id"].(string); id != ids[0] && id != ids[1] {
				t.Errorf("question %s was hidden, not one of the selected %v", id, ids)
			}
		}
		if q["status"] == "pending" {
			t.Errorf("question %s still waits for approval: %.40s", q["id"], q["text"])
		}
	}
	if hidden != 2 {
		t.Errorf("%d questions hidden, want 2", hidden)
	}
	if title := eval[string](host, `document.title`); !strings.Contains(title, "Quarterly all-hands") {
		t.Errorf("the title %q does not name the room", title)
	}
}
