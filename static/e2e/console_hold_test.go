package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// postCommand sends one command through the HTTP command API, for
// goroutines (which may not fail the test themselves).
func postCommand(s *server, code, credential string, cmd map[string]any) error {
	body, _ := json.Marshal(cmd)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/rooms/"+code+"/commands", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+credential)
	resp, err := apiClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%v: status %d", cmd, resp.StatusCode)
	}
	return nil
}

// TestQuestionListHoldsUnderPointer: with the pointer resting on the second
// question of the Top list, an upvote storm from ten people (about 30 a
// second for 3 s) lifts questions from the bottom above it. The list holds
// still, though ten new questions come into the queue above it meanwhile
// (moderation is on): the same ids in the same order, the question under the pointer at
// the same place and still under the pointer, and an apply button counting
// the held changes. Pressing it brings the list up to date (counts as the
// server has them, most upvoted first). A delete's confirm names the
// question. (The list reordered under the cursor at every votes event.)
func TestQuestionListHoldsUnderPointer(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 10, 20, 40)
	storm := make([]string, 10)
	for i := range storm {
		storm[i] = participant(t, s, r.Code, fmt.Sprintf("Storm %d", i+1))
	}
	// New questions wait in the queue, above the list, while the storm goes on.
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "room_set", "moderation": true})
	host := openPage(t, "host", hostURL(s, r.room), desktop())
	list := tid("question-list") + " " + tid("question")
	host.waitCount(list, 20)
	order := func() []string {
		return eval[[]string](host, `[...document.querySelectorAll('`+list+`')].map(e => e.dataset.id)`)
	}
	before := order()
	target := before[1]

	// The pointer on the target question's text, the page at its top (where
	// the browser's scroll anchoring does not hide a shift).
	type point struct{ X, Y, Top float64 }
	at := eval[point](host, `(() => { window.scrollTo(0, 0); const e = document.querySelector('`+tid("question-list")+` `+byID("question", target)+`');
		const r = e.getBoundingClientRect();
		return {X: r.left + r.width / 2, Y: r.top + 16, Top: r.top}; })()`)
	if at.Y > 900-20 {
		t.Fatalf("the second question is not on the first screen (y=%.0f)", at.Y)
	}
	host.do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, at.X, at.Y))

	// The storm: each person upvotes the bottom questions, lowest first.
	var sent atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, len(storm))
	stop := time.Now().Add(3 * time.Second)
	for k, token := range storm {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := len(before) - 1; i >= 10 && time.Now().Before(stop); i-- {
				if err := postCommand(s, r.Code, token, map[string]any{"type": "upvote", "question": before[i]}); err != nil {
					errs <- err
					return
				}
				sent.Add(1)
				if i == len(before)-3 {
					// One new question from each person, for the queue.
					if err := postCommand(s, r.Code, token, map[string]any{"type": "ask", "text": fmt.Sprintf("Late question %d from the storm", k+1)}); err != nil {
						errs <- err
						return
					}
				}
				time.Sleep(300 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("upvote storm: %v", err)
	}
	t.Logf("%d upvotes in 3 s", sent.Load())

	// What the server holds: the votes the console must come to show.
	votes := map[string]int{}
	for _, q := range export(t, s, r.room)["questions"].([]any) {
		q := q.(map[string]any)
		votes[q["id"].(string)] = int(q["votes"].(float64))
	}
	current := slices.Clone(before)
	sort.SliceStable(current, func(i, j int) bool { return votes[current[i]] > votes[current[j]] })
	if slices.Equal(current, before) {
		t.Fatalf("the storm did not change the Top order: the test proves nothing")
	}
	shownVotes := `[...document.querySelectorAll('` + list + `')].map(e => e.dataset.id + "=" + e.querySelector(".q-votes-n").textContent).join(",")`
	want := make([]string, len(before))
	for i, id := range before {
		want[i] = fmt.Sprintf("%s=%d", id, votes[id])
	}
	// The counts are current in place, while the order holds.
	host.waitText(tid("queue-count"), "10")
	host.waitFor("the held list counting every upvote", shownVotes+` === `+js(strings.Join(want, ",")))

	if got := order(); !slices.Equal(got, before) {
		t.Errorf("the list moved under the pointer:\nbefore %v\nafter  %v", before, got)
	}
	type under struct {
		Top float64
		ID  string
	}
	now := eval[under](host, `(() => { const e = document.querySelector('`+tid("question-list")+` `+byID("question", target)+`');
		const hit = document.elementFromPoint(`+fmt.Sprint(at.X)+`, `+fmt.Sprint(at.Y)+`);
		const q = hit && hit.closest('[data-testid="question"]');
		return {Top: e.getBoundingClientRect().top, ID: q ? q.dataset.id : ""}; })()`)
	if math.Abs(now.Top-at.Top) > 0.5 {
		t.Errorf("the question under the pointer moved from y=%.1f to y=%.1f", at.Top, now.Top)
	}
	if now.ID != target {
		t.Errorf("the pointer is now over question %q, not %q", now.ID, target)
	}
	host.waitText(tid("apply-changes"), "changes — apply")
	label := eval[string](host, `document.querySelector('`+tid("apply-changes")+`').textContent`)
	var n int
	if _, err := fmt.Sscanf(label, "%d", &n); err != nil || n < 1 {
		t.Errorf("the apply button says %q, want a count of changes", label)
	}

	// Applied: the order is current, most upvoted first.
	host.click(tid("apply-changes"))
	host.waitGone(tid("apply-changes"))
	got := order()
	for i := 1; i < len(got); i++ {
		if votes[got[i-1]] < votes[got[i]] {
			t.Errorf("after apply, %s (%d votes) is above %s (%d votes)", got[i-1], votes[got[i-1]], got[i], votes[got[i]])
		}
	}

	// The delete confirm names its question.
	text := eval[string](host, `document.querySelector('`+tid("question-list")+` `+byID("question", target)+` .q-text').textContent`)
	host.click(tid("question-list") + " " + byID("question", target) + " " + tid("delete"))
	host.waitFor("the delete confirmed", `document.querySelector('`+tid("question-list")+` `+byID("question", target)+`.is-gone') !== null || !document.querySelector('`+byID("question", target)+`')`)
	dialogs := host.Dialogs()
	if len(dialogs) == 0 || !strings.Contains(dialogs[len(dialogs)-1], text[:60]) {
		t.Errorf("the delete confirm does not name the question %q: %q", text[:60], dialogs)
	}
}

// TestQuestionListHoldsWhileFocused: the keyboard's turn. With the focus on
// a question's Pin button and the pointer elsewhere, an upvote storm moves
// nothing and the focus stays on that button; the list is brought up to
// date when the focus leaves it.
func TestQuestionListHoldsWhileFocused(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := buildVolumeRoom(t, s, 10, 12, 20)
	storm := make([]string, 8)
	for i := range storm {
		storm[i] = participant(t, s, r.Code, fmt.Sprintf("Storm %d", i+1))
	}
	host := openPage(t, "host", hostURL(s, r.room), desktop())
	list := tid("question-list") + " " + tid("question")
	host.waitCount(list, 12)
	order := func() []string {
		return eval[[]string](host, `[...document.querySelectorAll('`+list+`')].map(e => e.dataset.id)`)
	}
	before := order()
	target := before[1]
	pin := tid("question-list") + " " + byID("question", target) + " " + tid("pin")
	host.do(chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1420, 880)) // over the room column
	eval[bool](host, `(() => { document.querySelector('`+pin+`').focus(); return true; })()`)

	for _, token := range storm {
		for i := len(before) - 1; i >= 6; i-- {
			if err := postCommand(s, r.Code, token, map[string]any{"type": "upvote", "question": before[i]}); err != nil {
				t.Fatal(err)
			}
		}
	}
	host.waitText(tid("apply-changes"), "changes — apply")
	host.waitFor("the held list counting the storm", `document.querySelector('`+tid("question-list")+` `+byID("question", before[len(before)-1])+` .q-votes-n').textContent !== "0"`)
	if got := order(); !slices.Equal(got, before) {
		t.Errorf("the list moved under the focus:\nbefore %v\nafter  %v", before, got)
	}
	if !eval[bool](host, `document.activeElement === document.querySelector('`+pin+`')`) {
		t.Errorf("the focus left the Pin button: it is on %s", eval[string](host, `document.activeElement.outerHTML.slice(0, 120)`))
	}

	// The focus leaves the list: it is brought up to date.
	eval[bool](host, `(() => { document.querySelector('`+tid("question-search")+`').focus(); return true; })()`)
	host.waitGone(tid("apply-changes"))
	if got := order(); slices.Equal(got, before) {
		t.Errorf("the list kept its old order after the focus left it")
	}

	// Pin by keyboard: the question is redrawn with Unpin, which takes the
	// focus (it went to the page's body), so the list still holds.
	eval[bool](host, `(() => { document.querySelector('`+pin+`').focus(); return true; })()`)
	host.do(chromedp.KeyEvent("\r"))
	unpin := tid("question-list") + " " + byID("question", target) + " " + tid("unpin")
	host.waitVisible(unpin)
	if !eval[bool](host, `document.activeElement === document.querySelector('`+unpin+`')`) {
		t.Errorf("after Pin the focus is on %s, want the question's Unpin button", eval[string](host, `document.activeElement.outerHTML.slice(0, 120)`))
	}
	if got := order(); got[0] == target {
		t.Errorf("the pinned question jumped to the top while the focus was in the list")
	}
	host.waitText(tid("apply-changes"), "apply")
}
