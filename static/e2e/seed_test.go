package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// participant joins the room over the WebSocket as a new audience member
// named name and returns the token of its welcome, which then acts for it
// over POST /api/rooms/{code}/commands (a different person per token, so
// upvotes and ballots count separately). The connection stays open, read
// and discarded, until the test ends, so the room counts the person as
// present.
func participant(t *testing.T, s *server, code, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/ws", &websocket.DialOptions{
		Subprotocols: []string{"hubbub.v1"},
	})
	if err != nil {
		t.Fatalf("joining %s as %s: %v", code, name, err)
	}
	conn.SetReadLimit(-1)
	hello, _ := json.Marshal(map[string]any{"type": "hello", "room": code, "name": name})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		conn.CloseNow()
		t.Fatalf("hello: %v", err)
	}
	for {
		_, frame, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			t.Fatalf("waiting for welcome: %v", err)
		}
		for _, line := range strings.Split(string(frame), "\n") {
			var ev struct{ Type, Token string }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "welcome" {
				done := make(chan struct{})
				go func() {
					defer close(done)
					for {
						if _, _, err := conn.Read(context.Background()); err != nil {
							return
						}
					}
				}()
				t.Cleanup(func() {
					_ = conn.Close(websocket.StatusNormalClosure, "")
					<-done
				})
				return ev.Token
			}
		}
	}
}

// seededRoom is a room with a realistic amount of activity, for
// screenshots: answered, pinned, pending and upvoted questions, comments,
// reactions, a closed poll and an open, revealed poll with ballots.
type seededRoom struct {
	room
	poll string // the open, revealed poll
}

// seedRoom creates and fills the room (lang "en" or "zh" picks the texts).
func seedRoom(t *testing.T, s *server, lang string) seededRoom {
	t.Helper()
	c := seedTexts[lang]
	r := createRoom(t, s, c.title, true)
	host := func(cmd map[string]any) map[string]any { return command(t, s, r.Code, r.HostKey, cmd) }

	people := make([]string, len(c.names))
	for i, name := range c.names {
		people[i] = participant(t, s, r.Code, name)
	}
	as := func(i int, cmd map[string]any) map[string]any {
		cmd["name"] = c.names[i]
		return command(t, s, r.Code, people[i], cmd)
	}

	// Questions: asked by different people, approved by the host (the
	// room moderates), upvoted by some of the others.
	ids := make([]string, len(c.questions))
	for i, q := range c.questions {
		ack := as(i%len(people), map[string]any{"type": "ask", "text": q.text, "cid": fmt.Sprintf("q%d", i), "anonymous": q.anonymous})
		ids[i] = ack["question"].(string)
		if !q.pending {
			host(map[string]any{"type": "question_set", "question": ids[i], "status": "live"})
		}
		for v := 0; v < q.votes && !q.pending; v++ {
			as((i+1+v)%len(people), map[string]any{"type": "upvote", "question": ids[i]})
		}
	}
	host(map[string]any{"type": "question_set", "question": ids[c.answered], "status": "answered", "answer": c.answer})
	host(map[string]any{"type": "question_set", "question": ids[c.pinned], "pinned": true})

	for i, text := range c.comments {
		as((i*3+1)%len(people), map[string]any{"type": "comment", "text": text, "cid": fmt.Sprintf("c%d", i)})
	}
	for i, kind := range []string{"clap", "like", "love", "clap", "laugh", "like", "clap", "wow", "like", "clap", "love", "clap"} {
		as(i%len(people), map[string]any{"type": "react", "kind": kind})
	}

	// A closed rating poll from earlier in the event, then the open one.
	rating := host(map[string]any{"type": "poll_create", "kind": "rating", "title": c.ratingTitle, "state": "open"})["poll"].(string)
	for i := range people {
		as(i, map[string]any{"type": "vote", "poll": rating, "rating": []int{5, 4, 5, 3, 4, 5, 4, 5, 2, 4, 5, 4}[i%12]})
	}
	host(map[string]any{"type": "poll_set", "poll": rating, "state": "closed", "reveal": true})

	poll := host(map[string]any{"type": "poll_create", "kind": "single", "title": c.pollTitle, "options": c.pollOptions, "state": "open"})["poll"].(string)
	for i := range people {
		as(i, map[string]any{"type": "vote", "poll": poll, "choices": []int{c.ballots[i%len(c.ballots)]}})
	}
	host(map[string]any{"type": "poll_set", "poll": poll, "reveal": true})
	return seededRoom{room: r, poll: poll}
}

type seedQuestion struct {
	text      string
	votes     int
	anonymous bool
	pending   bool
}

type seedContent struct {
	title            string
	names            []string
	questions        []seedQuestion
	answered, pinned int
	answer           string
	comments         []string
	ratingTitle      string
	pollTitle        string
	pollOptions      []string
	ballots          []int
}

var seedTexts = map[string]seedContent{
	"en": {
		title: "Quarterly all-hands · Q4",
		names: []string{"Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Alan", "Radia", "Edsger", "Hedy"},
		questions: []seedQuestion{
			{text: "Will the new office in Lisbon open before the summer?", votes: 9},
			{text: "How do we plan to keep on-call fair as the team grows?", votes: 7},
			{text: "Can we get the slides and the recording after the meeting?", votes: 5, anonymous: true},
			{text: "What was the hardest call you made this quarter, and would you make it again?", votes: 4},
			{text: "Is the hiring freeze over for engineering?", votes: 3, anonymous: true},
			{text: "Any update on the four-day week pilot?", votes: 2},
			{text: "When does the new expense tool replace the spreadsheets?", pending: true},
		},
		answered: 2,
		pinned:   1,
		answer:   "Yes — both will be on the intranet by Friday.",
		comments: []string{
			"Great numbers this quarter 🎉",
			"The customer stories were the best part.",
			"Audio is a bit quiet at the back of the room.",
			"Thanks for doing this live!",
			"+1 to the on-call question",
		},
		ratingTitle: "How useful was the product demo?",
		pollTitle:   "Which should we ship first next quarter?",
		pollOptions: []string{"Offline mode", "Team dashboards", "Single sign-on", "Public API"},
		ballots:     []int{0, 1, 0, 2, 0, 1, 3, 0, 1, 2, 0, 1},
	},
	"zh": {
		title: "第四季度全员大会",
		names: []string{"李娜", "王伟", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴芳", "徐明", "孙悦"},
		questions: []seedQuestion{
			{text: "上海新办公室什么时候启用？", votes: 9},
			{text: "团队扩大后，值班安排如何保持公平？", votes: 7},
			{text: "会后能分享幻灯片和录像吗？", votes: 5, anonymous: true},
			{text: "本季度最难做的决定是什么？", votes: 4},
			{text: "工程团队的招聘冻结结束了吗？", votes: 3, anonymous: true},
			{text: "四天工作制试点有什么进展？", votes: 2},
			{text: "新的报销系统什么时候上线？", pending: true},
		},
		answered: 2,
		pinned:   1,
		answer:   "可以，周五前会发布在内网。",
		comments: []string{
			"这个季度的数字很棒 🎉",
			"客户案例部分最精彩。",
			"后排的声音有点小。",
			"感谢现场直播！",
			"值班问题 +1",
		},
		ratingTitle: "产品演示对你有帮助吗？",
		pollTitle:   "下季度应该先发布哪一项？",
		pollOptions: []string{"离线模式", "团队仪表盘", "单点登录", "开放 API"},
		ballots:     []int{0, 1, 0, 2, 0, 1, 3, 0, 1, 2, 0, 1},
	},
}
