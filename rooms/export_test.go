package rooms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

type nopPublisher struct{}

func (nopPublisher) Publish(string, rooms.Event) {}

// exportRoom is a room filled by exportScenario, with what the export of it
// must hold.
type exportRoom struct {
	svc     *rooms.Service
	created rooms.Created
	ada     rooms.Actor // named audience member
	bob     rooms.Actor // audience member who asks anonymously
	voters  []rooms.Actor
	start   time.Time
}

// exportScenario fills a room over svc: an answered named question, an
// anonymous pinned one with 3 upvotes, a pending one, five comments (more
// than a snapshot carries, if SnapshotComments is 2), one of them a formula
// and one Chinese with quotes and a line break, and reactions not yet
// flushed to the store.
func exportScenario(t *testing.T, svc *rooms.Service) exportRoom {
	t.Helper()
	ctx := context.Background()
	r := exportRoom{svc: svc, start: time.Now()}
	var err error
	if r.created, err = svc.CreateRoom(ctx, "Town hall <2025>", false); err != nil {
		t.Fatal(err)
	}
	join := func(token, name string) rooms.Actor {
		a, _, err := svc.Join(ctx, rooms.Hello{Type: rooms.TypeHello, Room: r.created.Code, Token: token, Name: name})
		if err != nil {
			t.Fatalf("Join: %v", err)
		}
		return a
	}
	host := join(r.created.HostKey, "")
	r.ada, r.bob = join("", "Ada"), join("", "Bob")
	for range 3 {
		r.voters = append(r.voters, join("", ""))
	}
	do := func(a rooms.Actor, cmd rooms.Command) {
		t.Helper()
		if _, err := svc.Handle(ctx, a, cmd); err != nil {
			t.Fatalf("%s %+v: %v", cmd.Type, cmd, err)
		}
	}
	yes := true
	answered, next := rooms.QuestionAnswered, "Next week, in room 4."
	do(r.ada, rooms.Command{Type: rooms.TypeAsk, Text: "What comes next?"})                 // q1
	do(r.bob, rooms.Command{Type: rooms.TypeAsk, Text: "Is it recorded?", Anonymous: true}) // q2
	do(host, rooms.Command{Type: rooms.TypeQuestionSet, Question: "q1", Status: &answered, Answer: &next})
	do(host, rooms.Command{Type: rooms.TypeRoomSet, Moderation: &yes})
	do(r.ada, rooms.Command{Type: rooms.TypeAsk, Text: "+1 for a pending question"}) // q3
	for _, v := range r.voters {
		do(v, rooms.Command{Type: rooms.TypeUpvote, Question: "q2"})
	}
	do(r.bob, rooms.Command{Type: rooms.TypeUpvote, Question: "q1"})
	do(host, rooms.Command{Type: rooms.TypeQuestionSet, Question: "q2", Pinned: &yes})

	do(r.ada, rooms.Command{Type: rooms.TypeComment, Text: "=SUM(A1:A2)"})
	do(r.bob, rooms.Command{Type: rooms.TypeComment, Text: "他说：\"你好\"\n再见, \"quoted\""})
	do(r.voters[0], rooms.Command{Type: rooms.TypeComment, Text: "third"})
	do(r.voters[1], rooms.Command{Type: rooms.TypeComment, Text: "fourth"})
	do(host, rooms.Command{Type: rooms.TypeComment, Text: "fifth, from the host"})

	for _, kind := range []string{"like", "like", "clap"} {
		do(r.voters[2], rooms.Command{Type: rooms.TypeReact, Kind: kind})
	}
	return r
}

// check verifies the export of the scenario's room.
func (r exportRoom) check(t *testing.T, e rooms.Export) {
	t.Helper()
	if e.Format != rooms.ExportFormat || e.Seq == 0 || e.ExportedAtMS < r.start.UnixMilli() {
		t.Fatalf("header: format %q seq %d exported at %d", e.Format, e.Seq, e.ExportedAtMS)
	}
	if _, err := time.Parse(time.RFC3339, e.ExportedAt); err != nil || e.ExportedAt[len(e.ExportedAt)-1] != 'Z' {
		t.Fatalf("exported_at %q: want RFC 3339 in UTC (%v)", e.ExportedAt, err)
	}
	room := e.Room
	if room.Code != r.created.Code || room.Title != "Town hall <2025>" || !room.Moderation || !room.Comments ||
		!room.Reactions || !room.QA || room.Closed || room.CreatedAt != utc(room.CreatedAtMS) || room.CreatedAtMS != room.Room.CreatedAt || room.CreatedAtMS < r.start.UnixMilli() {
		t.Fatalf("room %+v", room)
	}

	if len(e.Questions) != 3 {
		t.Fatalf("questions %+v, want 3", e.Questions)
	}
	want := []rooms.ExportQuestion{
		{ID: "q1", Text: "What comes next?", Status: "answered", Answered: true, Votes: 1, Answer: "Next week, in room 4.",
			Author: "Ada"},
		{ID: "q2", Text: "Is it recorded?", Status: "live", Votes: 3, Pinned: true,
			Author: "anonymous", Anonymous: true},
		{ID: "q3", Text: "+1 for a pending question", Status: "pending", Author: "Ada"},
	}
	handles := map[string]bool{}
	for i, q := range e.Questions {
		if q.AskedAtMS < r.start.UnixMilli() || q.AskedAt != utc(q.AskedAtMS) {
			t.Fatalf("question %s asked at %q / %d", q.ID, q.AskedAt, q.AskedAtMS)
		}
		// Each item has its own handle, which is also its participant.
		if !rooms.IsHandle(q.Handle) || q.Participant != q.Handle || handles[q.Handle] {
			t.Fatalf("question %s: handle %q, participant %q", q.ID, q.Handle, q.Participant)
		}
		handles[q.Handle] = true
		want[i].AskedAt, want[i].AskedAtMS = q.AskedAt, q.AskedAtMS
		want[i].Participant, want[i].Handle = q.Participant, q.Handle
		if q != want[i] {
			t.Fatalf("question %d:\n got %+v\nwant %+v", i, q, want[i])
		}
	}

	texts := []string{"=SUM(A1:A2)", "他说：\"你好\" 再见, \"quoted\"", "third", "fourth", "fifth, from the host"}
	authors := []string{"Ada", "Bob", "anonymous", "anonymous", "anonymous"}
	if len(e.Comments) != len(texts) {
		t.Fatalf("comments %+v, want %d", e.Comments, len(texts))
	}
	for i, c := range e.Comments {
		// The audience's comments: their own handles; the host's: "host".
		who := c.Handle
		if i == len(texts)-1 {
			who = rooms.HostParticipant
		}
		if c.ID != fmt.Sprintf("c%d", i+1) || c.Text != texts[i] || c.Author != authors[i] ||
			c.Anonymous != (authors[i] == "anonymous") || c.Participant != who || (who == c.Handle) != rooms.IsHandle(c.Handle) || handles[c.Handle] ||
			c.AtMS < r.start.UnixMilli() || c.At != utc(c.AtMS) {
			t.Fatalf("comment %d: %+v", i, c)
		}
		handles[c.Handle] = true
	}
	// No participant id anywhere in the export.
	body, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{r.ada.Participant, r.bob.Participant, r.voters[0].Participant, r.voters[1].Participant} {
		if strings.Contains(string(body), p) {
			t.Fatalf("the export carries participant id %s", p)
		}
	}

	if e.Reactions != (rooms.Reactions{2, 0, 1, 0, 0}) {
		t.Fatalf("reactions %v, want like 2, clap 1", e.Reactions)
	}
	if e.Polls == nil || len(e.Polls) != 0 {
		t.Fatalf("polls %v, want empty, not nil", e.Polls)
	}
	wantStats := rooms.ExportStats{Questions: 3, Live: 1, Answered: 1, Pending: 1, Upvotes: 4, Comments: 5, Reactions: 3,
		Contributors: 5, // Ada, Bob, two voters and the host
		Askers:       2} // Ada and Bob (the host is staff)
	if e.Stats != wantStats {
		t.Fatalf("stats %+v, want %+v", e.Stats, wantStats)
	}
}

func utc(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

// checkAuth: only the host and moderator keys may export.
func (r exportRoom) checkAuth(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	code := r.created.Code
	_, token, err := r.svc.Join(ctx, rooms.Hello{Type: rooms.TypeHello, Room: code})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, credential, code, want string
	}{
		{"no credential", "", code, rooms.CodeUnauthorized},
		{"audience token", token, code, rooms.CodeForbidden},
		{"forged moderator key", "mk_forged", code, rooms.CodeUnauthorized},
		{"unknown room", r.created.ModeratorKey, "ZZZZZZ", rooms.CodeNotFound},
		{"malformed code", r.created.ModeratorKey, "nope", rooms.CodeNotFound},
	} {
		_, err := r.svc.Export(ctx, c.credential, c.code)
		if e := rooms.AsError(err); e == nil || e.Code != c.want {
			t.Errorf("%s: %v, want %s", c.what, err, c.want)
		}
	}
	for _, key := range []string{r.created.HostKey, r.created.ModeratorKey} {
		if _, err := r.svc.Export(ctx, key, code); err != nil {
			t.Errorf("export with a staff key: %v", err)
		}
	}
}

func TestExportMemory(t *testing.T) {
	cfg := rooms.Config{Secret: []byte("s"), SnapshotComments: 2}
	svc := rooms.NewService(rooms.NewLogStore(rooms.NewMemoryLog(), nopPublisher{}, rooms.LogStoreOptions{}), nopPublisher{}, cfg, zap.NewNop(), nil)
	r := exportScenario(t, svc)
	e, err := svc.Export(context.Background(), r.created.ModeratorKey, r.created.Code)
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, e)
	r.checkAuth(t)
}

func TestExportRedis(t *testing.T) {
	srv := redistest.Start(t)
	store := rooms.NewLogStore(roomlog.NewRedis(redisClient(t, srv), roomlog.RedisOptions{}), nopPublisher{}, rooms.LogStoreOptions{Shared: true})
	cfg := rooms.Config{Secret: []byte("s"), SnapshotComments: 2}
	svc := rooms.NewService(store, nopPublisher{}, cfg, zap.NewNop(), nil)
	r := exportScenario(t, svc)
	e, err := svc.Export(context.Background(), r.created.HostKey, strings.ToLower(r.created.Code))
	if err != nil {
		t.Fatal(err)
	}
	r.check(t, e)
	r.checkAuth(t)
}

// redisClient returns a client with short timeouts that honours contexts,
// as cmd/hubbub configures its own.
func redisClient(t testing.TB, srv *redistest.Server) *redis.Client {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  srv.Addr(),
		DialTimeout:           time.Second,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
