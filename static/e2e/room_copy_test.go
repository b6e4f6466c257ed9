package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// TestConsoleCopiesRoom: the host copies the room from the console's "Run
// it again" card; the link it shows once opens the copy's console as host,
// where the prepared polls wait as drafts in the same order and no
// question was copied. A moderator's console has no such card.
func TestConsoleCopiesRoom(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Monday all-hands", false)
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "single", "title": "How was the week?", "options": []string{"Good", "Busy"}, "state": "open"})
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "poll_create", "kind": "quiz", "title": "Which team shipped first?", "options": []string{"Red", "Blue"}, "correct": []int{1}})
	command(t, s, r.Code, r.HostKey, map[string]any{"type": "ask", "text": "Will this question be copied?"})

	mod := openPage(t, "moderator", s.URL+"/host/"+r.Code+"#key="+url.QueryEscape(r.ModeratorKey))
	mod.waitVisible(tid("question-list"))
	showPanel(mod, "#tab-room")
	if eval[bool](mod, visibleJS(tid("copy-card"))) {
		t.Fatal("a moderator's console offers to copy the room")
	}

	host := openPage(t, "host", hostURL(s, r))
	host.waitVisible(tid("question-list"))
	showPanel(host, "#tab-room")
	host.waitVisible(tid("copy-room"))
	host.typeInto(tid("copy-title"), "Next Monday")
	host.click(tid("copy-room"))
	host.waitVisible(tid("copy-link"))
	link := eval[string](host, `document.querySelector('`+tid("copy-link")+`').href`)
	if !strings.Contains(link, "/host/") || !strings.Contains(link, "#key=hk_") || strings.Contains(link, "/host/"+r.Code) {
		t.Fatalf("copy link %q: want another room's console with its host key", link)
	}

	cp := openPage(t, "copy", link)
	cp.waitText("#role-badge", "Host")
	cp.waitFor("the copy's title", `document.title.includes("Next Monday") || document.body.innerText.includes("Next Monday")`)
	showPanel(cp, "#tab-polls")
	cp.waitText("body", "Which team shipped first?")
	body := eval[string](cp, `document.body.innerText`)
	first, second := strings.Index(body, "How was the week?"), strings.Index(body, "Which team shipped first?")
	if first < 0 || second < first {
		t.Fatalf("the copy's polls are not both there in order (%d, %d)", first, second)
	}
	if strings.Contains(body, "Will this question be copied?") {
		t.Fatal("a question was copied")
	}
}
