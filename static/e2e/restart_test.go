package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// reconnectWait bounds the wait for a page to come back after the server
// did: the client's backoff grows while the server is down (0.5 s, 1 s,
// 2 s, … with jitter), and a 1012 close waits 0.5–5 s before the first try.
const reconnectWait = 45 * time.Second

// TestReconnectAfterServerRestart: with rooms kept in Redis, the server is
// stopped twice — gracefully (SIGTERM: clients get 1012) and by SIGKILL (the
// sockets just drop) — and started again on the same port. Both audience
// pages show the offline banner, then hide it when they are back; a
// question asked while offline is sent once when the page is back; what
// others posted while the pages were away arrives; and in the end every
// page shows each question and comment exactly once, as many as the room
// holds.
func TestReconnectAfterServerRestart(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	s := startServer(t, "-redis", rs.URL())
	r := createRoom(t, s, "Restart", false)

	asker := openPage(t, "asker", s.URL+"/r/"+r.Code, phone())
	reader := openPage(t, "reader", s.URL+"/r/"+r.Code)
	pages := []*page{asker, reader}
	// While the server is down the browser logs each failed connection.
	for _, p := range pages {
		p.allowConsole(`WebSocket connection to 'ws://` + regexp.QuoteMeta(strings.TrimPrefix(s.URL, "http://")) + `/ws' failed`)
		// Chromium may fetch the icon again (the address's #fragment changes) while the server is down.
		p.allowConsole(`/static/favicon\.svg\b.*ERR_CONNECTION_REFUSED`)
	}
	var questions, comments []string

	// sent waits until the form took the text (the page empties the field
	// on the ack), so the next text is not typed into a field about to be
	// cleared.
	sent := func(field string) {
		t.Helper()
		asker.waitFor(field+" emptied by the ack", `document.querySelector('`+tid(field)+`').value === ""`)
	}
	ask := func(text string) {
		t.Helper()
		asker.typeInto(tid("ask-input"), text)
		asker.click(tid("ask-submit"))
		questions = append(questions, text)
	}
	comment := func(text string) {
		t.Helper()
		asker.typeInto(tid("comment-input"), text)
		asker.click(tid("comment-submit"))
		comments = append(comments, text)
		sent("comment-input")
	}
	hostPosts := func(round int) {
		t.Helper()
		q := fmt.Sprintf("Host question while the pages were away %d", round)
		c := fmt.Sprintf("Host comment while the pages were away %d", round)
		command(t, s, r.Code, r.HostKey, map[string]any{"type": "ask", "text": q, "cid": fmt.Sprintf("hq%d", round)})
		command(t, s, r.Code, r.HostKey, map[string]any{"type": "comment", "text": c, "cid": fmt.Sprintf("hc%d", round)})
		questions = append(questions, q)
		comments = append(comments, c)
	}

	ask("First question before any restart")
	sent("ask-input")
	ask("Second question before any restart")
	sent("ask-input")
	showTab(asker, "tab-comments")
	comment("A comment before any restart")
	showTab(asker, "tab-questions")
	for _, p := range pages {
		waitExactly(p, questions, comments)
	}

	for round, stop := range []struct {
		name string
		do   func()
	}{{"SIGTERM", s.Terminate}, {"SIGKILL", s.Kill}} {
		t.Logf("round %d: %s", round, stop.name)
		stop.do()
		for _, p := range pages {
			p.waitVisible(tid("offline-banner"))
		}
		// Asked while offline: the page holds the command until it is back.
		ask(fmt.Sprintf("Asked while offline %d", round))

		s.Start()
		// Posted at once, most likely before the pages are back: they get
		// it by resuming from the last seq they applied.
		hostPosts(round)
		for _, p := range pages {
			p.waitForWithin(reconnectWait, "the offline banner to go", "!("+visibleJS(tid("offline-banner"))+")")
		}
		sent("ask-input") // the question asked while offline went out
		for _, p := range pages {
			waitExactly(p, questions, comments)
		}
	}

	// Live again: a new question reaches the other page.
	ask("A question after both restarts")
	sent("ask-input")
	waitExactly(reader, questions, comments)
	waitExactly(asker, questions, comments)

	// The room holds exactly what was sent, once each.
	exp := export(t, s, r)
	if n := len(exp["questions"].([]any)); n != len(questions) {
		t.Errorf("the room holds %d questions, want %d", n, len(questions))
	}
	if n := len(exp["comments"].([]any)); n != len(comments) {
		t.Errorf("the room holds %d comments, want %d", n, len(comments))
	}
}

// waitExactly waits until the page shows exactly these questions and
// comments, each once (after asking the page to show what it holds back so
// as not to move the list under the reader: the "new questions" and "new
// comments" buttons).
func waitExactly(p *page, questions, comments []string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("exactly %d questions and %d comments, each once", len(questions), len(comments)),
		fmt.Sprintf(`(() => {
			for (const id of ["new-questions", "new-comments"]) {
				const b = document.querySelector('[data-testid="' + id + '"]');
				if (b && !b.hidden) b.click();
			}
			const once = (sel, texts) => {
				const nodes = [...document.querySelectorAll(sel)];
				return nodes.length === texts.length && texts.every(t => nodes.filter(n => n.textContent.includes(t)).length === 1);
			};
			return once('[data-testid="question-list"] [data-testid="question"]', %s) &&
				once('[data-testid="comment-list"] [data-testid="comment"]', %s);
		})()`, jsList(questions), jsList(comments)))
}

// jsList is a JavaScript array literal of the strings.
func jsList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = js(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}
