package rooms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
)

// recorder is a Publisher that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Publish(room string, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// take returns and forgets the events of the given type.
func (r *recorder) take(typ string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var got, rest []Event
	for _, ev := range r.events {
		if ev.Type == typ {
			got = append(got, ev)
		} else {
			rest = append(rest, ev)
		}
	}
	r.events = rest
	return got
}

// fixture is a Service over a log store on a memory log, with one room.
type fixture struct {
	t        *testing.T
	ctx      context.Context
	svc      *Service
	store    *LogStore
	pub      *recorder
	code     string
	hostKey  string
	modKey   string
	host     Actor
	mod      Actor
	audience Actor
}

// newTestStore is a LogStore on a memory log for tests: the log stamps
// entries with cfg.Now when it is set, so the rules, which take every time
// from the entry, see the test's clock.
func newTestStore(pub Publisher, cfg Config) *LogStore {
	log := NewMemoryLog()
	if cfg.Now != nil {
		log = NewMemoryLogWithClock(func() int64 { return cfg.Now().UnixMilli() })
	}
	return NewLogStore(log, pub, LogStoreOptions{Retained: cfg.RetainedEvents})
}

func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = []byte("test secret")
	}
	pub := &recorder{}
	store := newTestStore(pub, cfg)
	f := &fixture{t: t, ctx: context.Background(), svc: NewService(store, pub, cfg, zap.NewNop(), nil), store: store, pub: pub}
	created, err := f.svc.CreateRoom(f.ctx, "Test room", false)
	if err != nil {
		t.Fatalf("CreateRoom: %v", err)
	}
	f.code, f.hostKey, f.modKey = created.Code, created.HostKey, created.ModeratorKey
	f.host = f.join(f.hostKey)
	f.mod = f.join(f.modKey)
	f.audience = f.join("")
	return f
}

func (f *fixture) join(token string) Actor {
	f.t.Helper()
	a, _, err := f.svc.Join(f.ctx, Hello{Type: TypeHello, Room: f.code, Token: token, Name: "Ada"})
	if err != nil {
		f.t.Fatalf("Join: %v", err)
	}
	return a
}

func (f *fixture) handle(a Actor, cmd Command) (Ack, error) {
	f.t.Helper()
	return f.svc.Handle(f.ctx, a, cmd)
}

func wantRefusal(t *testing.T, what string, err error, code string) {
	t.Helper()
	e := AsError(err)
	if e == nil || e.Code != code {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	if e.Message == "" {
		t.Fatalf("%s: refusal without a message", what)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCreateRoom(t *testing.T) {
	f := newFixture(t, Config{})
	created, err := f.svc.CreateRoom(f.ctx, "  ", true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.Room(f.ctx, strings.ToLower(created.Code))
	if err != nil || r.Title != "Untitled room" || !r.Moderation || r.Code != created.Code {
		t.Fatalf("Room = %+v, %v", r, err)
	}
	if created.URLs.Audience != "/r/"+created.Code || created.URLs.Host != "/host/"+created.Code || created.URLs.Screen != "/screen/"+created.Code {
		t.Fatalf("URLs = %+v", created.URLs)
	}
	_, err = f.svc.CreateRoom(f.ctx, strings.Repeat("x", MaxTitleRunes+1), false)
	wantRefusal(t, "CreateRoom with a long title", err, CodeTooLarge)
	if _, err := f.svc.CreateRoom(f.ctx, strings.Repeat("é", MaxTitleRunes), false); err != nil {
		t.Fatalf("CreateRoom with a title of %d runes: %v", MaxTitleRunes, err)
	}
	for _, code := range []string{"", "nope", "ZZZZZ0"} {
		if _, err := f.svc.Room(f.ctx, code); !errors.Is(err, ErrRoomNotFound) {
			t.Errorf("Room(%q) = %v, want not found", code, err)
		}
	}
}

func TestJoin(t *testing.T) {
	f := newFixture(t, Config{})
	other, err := f.svc.CreateRoom(f.ctx, "Other", false)
	if err != nil {
		t.Fatal(err)
	}

	// A fresh join makes an anonymous participant and a token for it.
	a, token, err := f.svc.Join(f.ctx, Hello{Type: TypeHello, Room: strings.ToLower(f.code), Name: " Ada\n"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Room != f.code || a.Role != RoleAudience || !strings.HasPrefix(a.Participant, "p_") || a.Name != "Ada" {
		t.Fatalf("fresh Join = %+v", a)
	}
	again, token2, err := f.svc.Join(f.ctx, Hello{Type: TypeHello, Room: f.code, Token: token})
	if err != nil || again.Participant != a.Participant || token2 != token || again.Name != "" {
		t.Fatalf("Join with the token = %+v, %q, %v; want the same participant", again, token2, err)
	}
	if f.host.Role != RoleHost || f.host.Participant != HostParticipant || f.mod.Role != RoleModerator || f.mod.Participant != ModeratorParticipant {
		t.Fatalf("staff joins: host %+v, moderator %+v", f.host, f.mod)
	}
	long := strings.Repeat("n", 100)
	if a, _, _ := f.svc.Join(f.ctx, Hello{Room: f.code, Name: long}); len(a.Name) != MaxNameRunes {
		t.Fatalf("a long name is cut to %d: %q", MaxNameRunes, a.Name)
	}

	if _, err := f.handle(f.mod, Command{Type: TypeBan, Participant: a.Participant}); err != nil {
		t.Fatalf("ban: %v", err)
	}
	tests := []struct {
		name  string
		hello Hello
		want  error
	}{
		{"bad code", Hello{Room: "K7QX2"}, ErrBadHello},
		{"bad code characters", Hello{Room: "K7QX2O"}, ErrBadHello},
		{"no room", Hello{Room: "ZZZZZZ"}, ErrRoomNotFound},
		{"bad token", Hello{Room: f.code, Token: "pt1.nope.nope"}, ErrBadToken},
		{"garbage token", Hello{Room: f.code, Token: "\x00\xff"}, ErrBadToken},
		{"other room's token", Hello{Room: other.Code, Token: token2}, ErrBadToken},
		{"other room's host key", Hello{Room: f.code, Token: other.HostKey}, ErrBadToken},
		{"other room's moderator key", Hello{Room: f.code, Token: other.ModeratorKey}, ErrBadToken},
		{"moderator key as host", Hello{Room: f.code, Token: hostKeyPrefix + f.modKey[3:]}, ErrBadToken},
		{"banned", Hello{Room: f.code, Token: token}, ErrBanned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := f.svc.Join(f.ctx, tt.hello); !errors.Is(err, tt.want) {
				t.Fatalf("Join(%+v) = %v, want %v", tt.hello, err, tt.want)
			}
		})
	}
	// Another instance with another secret does not accept the token.
	otherSvc := NewService(f.store, f.pub, Config{Secret: []byte("other")}, zap.NewNop(), nil)
	if _, _, err := otherSvc.Join(f.ctx, Hello{Room: f.code, Token: f.svc.tokens.Sign(f.code, "p_0000000000000001")}); !errors.Is(err, ErrBadToken) {
		t.Fatalf("Join with another secret's token = %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.svc.Authenticate(f.ctx, f.code, ""); AsError(err) == nil || AsError(err).Code != CodeUnauthorized {
		t.Fatalf("Authenticate without a credential = %v", err)
	}
	if a, err := f.svc.Authenticate(f.ctx, f.code, f.hostKey); err != nil || a.Role != RoleHost {
		t.Fatalf("Authenticate with the host key = %+v, %v", a, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "bad", f.hostKey); !errors.Is(err, ErrRoomNotFound) {
		t.Fatalf("Authenticate to a malformed code = %v", err)
	}
	if _, err := f.svc.Authenticate(f.ctx, f.code, "pt1.x.y"); !errors.Is(err, ErrBadToken) {
		t.Fatalf("Authenticate with a bad token = %v", err)
	}
}

func TestHandleComment(t *testing.T) {
	f := newFixture(t, Config{})
	ack, err := f.handle(f.audience, Command{Type: TypeComment, Text: "  first\ncomment  ", CID: "a"})
	if err != nil || ack.Seq != 1 || ack.Comment == "" || ack.Duplicate {
		t.Fatalf("comment = %+v, %v", ack, err)
	}
	evs := f.pub.take(TypeComment)
	if len(evs) != 1 {
		t.Fatalf("%d comment events published", len(evs))
	}
	// Everyone, staff included, gets the comment with its handle; only its
	// author gets it with its participant id.
	var c Comment
	if err := json.Unmarshal(evs[0].Data, &c); err != nil || c.Text != "first comment" || c.Author == nil || *c.Author != "Ada" || c.Participant != "" || !IsHandle(c.Handle) {
		t.Fatalf("comment event %s", evs[0].Data)
	}
	if staff := evs[0].For(true, HostParticipant); !bytes.Equal(staff, evs[0].Data) {
		t.Fatalf("staff's comment event %s", staff)
	}
	var own Comment
	if err := json.Unmarshal(evs[0].For(false, f.audience.Participant), &own); err != nil || own.Participant != f.audience.Participant || own.Handle != c.Handle {
		t.Fatalf("author's comment event %s", evs[0].For(false, f.audience.Participant))
	}
	dup, err := f.handle(f.audience, Command{Type: TypeComment, Text: "first comment", CID: "a"})
	if err != nil || !dup.Duplicate || dup.Comment != ack.Comment || dup.Seq != 0 {
		t.Fatalf("resent comment = %+v, %v; want a duplicate of %s", dup, err, ack.Comment)
	}
	// The HTTP API's name field overrides; an anonymous actor has a null author.
	anon := f.audience
	anon.Name = ""
	if _, err := f.handle(anon, Command{Type: TypeComment, Text: "anon"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(anon, Command{Type: TypeComment, Text: "named", Name: "Bot\x00"}); err != nil {
		t.Fatal(err)
	}
	evs = f.pub.take(TypeComment)
	if !strings.Contains(string(evs[0].Data), `"author":null`) || !strings.Contains(string(evs[1].Data), `"author":"Bot"`) {
		t.Fatalf("authors: %s / %s", evs[0].Data, evs[1].Data)
	}

	tests := []struct {
		name string
		cmd  Command
		code string
	}{
		{"empty", Command{Type: TypeComment}, CodeBadRequest},
		{"blank", Command{Type: TypeComment, Text: " \n\t "}, CodeBadRequest},
		{"controls only", Command{Type: TypeComment, Text: "\x00\x01\u200b"}, CodeBadRequest},
		{"too long", Command{Type: TypeComment, Text: strings.Repeat("a", MaxCommentRunes+1)}, CodeTooLarge},
		{"too long in runes", Command{Type: TypeComment, Text: strings.Repeat("é", MaxCommentRunes+1)}, CodeTooLarge},
		{"cid too long", Command{Type: TypeComment, Text: "x", CID: strings.Repeat("c", MaxCIDLength+1)}, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.handle(f.audience, tt.cmd)
			wantRefusal(t, tt.name, err, tt.code)
		})
	}
	for _, text := range []string{"x", strings.Repeat("é", MaxCommentRunes), "  " + strings.Repeat("a", MaxCommentRunes) + "  "} {
		if _, err := f.handle(f.host, Command{Type: TypeComment, Text: text}); err != nil {
			t.Fatalf("comment of %d runes: %v", len([]rune(text)), err)
		}
	}
	if _, err := f.handle(f.host, Command{Type: TypeComment, Text: "x", CID: strings.Repeat("c", MaxCIDLength)}); err != nil {
		t.Fatalf("comment with a %d-byte cid: %v", MaxCIDLength, err)
	}
}

func TestHandleCommentRoomRules(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Comments: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err := f.handle(f.audience, Command{Type: TypeComment, Text: "x"})
	wantRefusal(t, "comment with comments off", err, CodeForbidden)
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Comments: ptr(true), Closed: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.handle(f.audience, Command{Type: TypeComment, Text: "x"})
	wantRefusal(t, "comment in a closed room", err, CodeClosed)
	_, err = f.handle(f.audience, Command{Type: TypeReact, Kind: "like"})
	wantRefusal(t, "react in a closed room", err, CodeClosed)
}

func TestHandleRateLimit(t *testing.T) {
	f := newFixture(t, Config{CommentBurst: 3, CommentRate: 0.001})
	for i := range 3 {
		if _, err := f.handle(f.audience, Command{Type: TypeComment, Text: fmt.Sprint(i)}); err != nil {
			t.Fatalf("comment %d within the burst: %v", i, err)
		}
	}
	_, err := f.handle(f.audience, Command{Type: TypeComment, Text: "one too many"})
	wantRefusal(t, "comment past the burst", err, CodeRateLimited)
	// The limit is per participant, across its connections.
	if _, err := f.handle(f.join(""), Command{Type: TypeComment, Text: "someone else"}); err != nil {
		t.Fatalf("another participant: %v", err)
	}
	_, err = f.handle(Actor{Room: f.code, Participant: f.audience.Participant, Role: RoleAudience}, Command{Type: TypeComment, Text: "same participant"})
	wantRefusal(t, "same participant, other connection", err, CodeRateLimited)
	// Refusals of bad input do not use up the budget of others.
	seq, _ := f.store.Seq(f.ctx, f.code)
	if seq != 4 {
		t.Fatalf("seq %d after 4 accepted comments", seq)
	}
}

func TestHandleRoles(t *testing.T) {
	f := newFixture(t, Config{})
	title := "New title"
	tests := []struct {
		name  string
		actor Actor
		cmd   Command
		code  string // "" means allowed
	}{
		{"room_set by host", f.host, Command{Type: TypeRoomSet, Title: &title}, ""},
		{"room_set by moderator", f.mod, Command{Type: TypeRoomSet, Title: &title}, CodeForbidden},
		{"room_set by audience", f.audience, Command{Type: TypeRoomSet, Closed: ptr(true)}, CodeForbidden},
		{"room_set empty", f.host, Command{Type: TypeRoomSet}, CodeBadRequest},
		{"room_set blank title", f.host, Command{Type: TypeRoomSet, Title: ptr(" \n")}, CodeBadRequest},
		{"room_set long title", f.host, Command{Type: TypeRoomSet, Title: ptr(strings.Repeat("t", MaxTitleRunes+1))}, CodeTooLarge},
		{"room_set stage", f.host, Command{Type: TypeRoomSet, Stage: ptr(StagePodium)}, ""},
		{"room_set unknown stage", f.host, Command{Type: TypeRoomSet, Stage: ptr("projector")}, CodeBadRequest},
		{"room_set stage by moderator", f.mod, Command{Type: TypeRoomSet, Stage: ptr(StageBlank)}, CodeForbidden},
		{"ban by audience", f.audience, Command{Type: TypeBan, Participant: "p_0000000000000001"}, CodeForbidden},
		{"ban by moderator", f.mod, Command{Type: TypeBan, Participant: "p_0000000000000002"}, ""},
		{"ban by host", f.host, Command{Type: TypeBan, Participant: "p_0000000000000003"}, ""},
		{"ban without participant", f.host, Command{Type: TypeBan}, CodeBadRequest},
		{"ban of the host", f.host, Command{Type: TypeBan, Participant: HostParticipant}, CodeBadRequest},
		{"comment_delete without id", f.host, Command{Type: TypeCommentDelete}, CodeBadRequest},
		{"comment_delete unknown", f.host, Command{Type: TypeCommentDelete, Comment: "c999"}, CodeNotFound},
		{"react unknown kind", f.audience, Command{Type: TypeReact, Kind: "boo"}, CodeBadRequest},
		{"react", f.audience, Command{Type: TypeReact, Kind: "clap"}, ""},
		{"hello again", f.audience, Command{Type: TypeHello}, CodeBadRequest},
		{"unknown type", f.audience, Command{Type: "dance"}, CodeBadRequest},
	}
	for _, typ := range []string{TypePollCreate, TypePollSet, TypePollDelete, TypeVote} {
		tests = append(tests, struct {
			name  string
			actor Actor
			cmd   Command
			code  string
		}{"incomplete " + typ, f.host, Command{Type: typ}, CodeBadRequest})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.handle(tt.actor, tt.cmd)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				return
			}
			wantRefusal(t, tt.name, err, tt.code)
			if tt.cmd.Type == "dance" && !strings.Contains(err.Error(), "dance") {
				t.Fatalf("the error should name the unknown type: %v", err)
			}
		})
	}
	r, _ := f.svc.Room(f.ctx, f.code)
	if r.Title != title || r.Closed || r.Stage != StagePodium {
		t.Fatalf("room after the commands: %+v", r)
	}
	if evs := f.pub.take(EventRoom); len(evs) != 2 {
		t.Fatalf("%d room events, want 2 (title, stage)", len(evs))
	}
}

func TestHandleBan(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.handle(f.audience, Command{Type: TypeComment, Text: "before"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(f.mod, Command{Type: TypeBan, Participant: f.audience.Participant}); err != nil {
		t.Fatal(err)
	}
	bans := f.pub.take(EventBan)
	if len(bans) != 1 || bans[0].Participant != f.audience.Participant || bans[0].Seq != 0 || !bans[0].Internal() {
		t.Fatalf("ban events %+v: want one internal event for the participant", bans)
	}
	_, err := f.handle(f.audience, Command{Type: TypeComment, Text: "after"})
	wantRefusal(t, "comment of a banned participant", err, CodeForbidden)
	_, err = f.handle(f.audience, Command{Type: TypeReact, Kind: "like"})
	wantRefusal(t, "react of a banned participant", err, CodeForbidden)
}

func TestHandleCommentDelete(t *testing.T) {
	f := newFixture(t, Config{})
	mine, err := f.handle(f.audience, Command{Type: TypeComment, Text: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	other := f.join("")
	_, err = f.handle(other, Command{Type: TypeCommentDelete, Comment: mine.Comment})
	wantRefusal(t, "delete of another's comment", err, CodeForbidden)
	if ack, err := f.handle(f.audience, Command{Type: TypeCommentDelete, Comment: mine.Comment}); err != nil || ack.Seq == 0 {
		t.Fatalf("author's delete = %+v, %v", ack, err)
	}
	theirs, _ := f.handle(other, Command{Type: TypeComment, Text: "theirs"})
	if _, err := f.handle(f.mod, Command{Type: TypeCommentDelete, Comment: theirs.Comment}); err != nil {
		t.Fatalf("moderator's delete: %v", err)
	}
	if evs := f.pub.take(EventCommentDeleted); len(evs) != 2 {
		t.Fatalf("%d comment_deleted events, want 2", len(evs))
	}
}

func TestReactionsFlush(t *testing.T) {
	f := newFixture(t, Config{ReactBurst: 5, ReactRate: 0.001})
	other := f.join("")
	for range 3 {
		if _, err := f.handle(f.audience, Command{Type: TypeReact, Kind: "like"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.handle(other, Command{Type: TypeReact, Kind: "clap"}); err != nil {
		t.Fatal(err)
	}
	if evs := f.pub.take(EventReactions); len(evs) != 0 {
		t.Fatalf("reactions were published: %d events; the hub sends them from the flushed totals", len(evs))
	}
	totals, err := f.svc.FlushReactions(f.ctx, nil)
	if err != nil || totals[f.code] != (Reactions{3, 0, 1, 0, 0}) {
		t.Fatalf("FlushReactions = %v, %v; want like 3, clap 1", totals, err)
	}

	// Nothing pending and nothing watched: no store call, no totals.
	if totals, err := f.svc.FlushReactions(f.ctx, nil); err != nil || len(totals) != 0 {
		t.Fatalf("empty flush = %v, %v", totals, err)
	}
	// A watched room's totals come back even with nothing pending.
	if totals, err := f.svc.FlushReactions(f.ctx, []string{f.code}); err != nil || totals[f.code] != (Reactions{3, 0, 1, 0, 0}) {
		t.Fatalf("watched flush = %v, %v", totals, err)
	}

	// Totals accumulate. Past the burst, reactions are dropped silently.
	for range 5 {
		if _, err := f.handle(f.audience, Command{Type: TypeReact, Kind: "like"}); err != nil {
			t.Fatalf("a reaction past the burst must be dropped silently: %v", err)
		}
	}
	if totals, err := f.svc.FlushReactions(f.ctx, nil); err != nil || totals[f.code] != (Reactions{5, 0, 1, 0, 0}) {
		t.Fatalf("second flush = %v, %v; want like 5 (2 dropped), clap 1", totals, err)
	}
	cur, err := f.svc.CurrentReactions(f.ctx, f.code)
	if err != nil || string(cur) != `{"type":"reactions","counts":{"like":5,"love":0,"clap":1,"laugh":0,"wow":0},"delta":{}}` {
		t.Fatalf("CurrentReactions = %s, %v", cur, err)
	}

	// Reactions off: refused.
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Reactions: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.handle(other, Command{Type: TypeReact, Kind: "wow"})
	wantRefusal(t, "react with reactions off", err, CodeForbidden)
}

func TestReactionsEventDelta(t *testing.T) {
	got := string(ReactionsEvent(Reactions{5, 0, 1, 0, 0}, Reactions{5, 0, 1, 0, 0}.Sub(Reactions{3, 0, 1, 0, 0})))
	want := `{"type":"reactions","counts":{"like":5,"love":0,"clap":1,"laugh":0,"wow":0},"delta":{"like":2}}`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

func TestRunFlushesReactionsWhenItEnds(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.svc.Run(ctx)
	}()
	for _, kind := range []string{"love", "wow"} {
		if _, err := f.handle(f.audience, Command{Type: TypeReact, Kind: kind}); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	<-done
	totals, _ := f.store.AddReactions(context.Background(), f.code, Reactions{})
	if totals != (Reactions{0, 1, 0, 0, 1}) {
		t.Fatalf("totals after Run ended: %v", totals)
	}
}

func TestSnapshot(t *testing.T) {
	f := newFixture(t, Config{SnapshotComments: 2})
	check := func(wantSeq uint64, wantComments []string) map[string]json.RawMessage {
		t.Helper()
		b, seq, err := f.svc.Snapshot(f.ctx, f.audience, 42)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("snapshot is not valid JSON: %s", b)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"type", "seq", "room", "questions", "polls", "comments", "reactions", "presence", "you"} {
			if _, ok := m[key]; !ok {
				t.Fatalf("snapshot lacks %q: %s", key, b)
			}
		}
		var top struct {
			Type      string
			Seq       uint64
			Room      Room
			Questions []any
			Polls     []any
			Comments  []Comment
			Reactions map[string]int64
			Presence  int
			You       struct {
				Upvoted []string
				Votes   map[string][]int
			}
		}
		if err := json.Unmarshal(b, &top); err != nil {
			t.Fatal(err)
		}
		if top.Type != EventSnapshot || top.Seq != wantSeq || seq != wantSeq || top.Room.Code != f.code || top.Presence != 42 {
			t.Fatalf("snapshot %s: want seq %d, room %s, presence 42", b, wantSeq, f.code)
		}
		if top.Questions == nil || top.Polls == nil || top.You.Upvoted == nil || top.You.Votes == nil || top.Comments == nil {
			t.Fatalf("snapshot lists must be [] / {}, not null: %s", b)
		}
		if len(top.Reactions) != len(ReactionKinds) {
			t.Fatalf("snapshot reactions %v: want every kind", top.Reactions)
		}
		var texts []string
		for _, c := range top.Comments {
			texts = append(texts, c.Text)
		}
		if fmt.Sprint(texts) != fmt.Sprint(wantComments) {
			t.Fatalf("snapshot comments %v, want %v (newest, oldest first)", texts, wantComments)
		}
		return m
	}
	check(0, nil)
	for _, text := range []string{"one", "two", "three"} {
		if _, err := f.handle(f.host, Command{Type: TypeComment, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	check(3, []string{"two", "three"})
	// The cached part follows the seq: a new event is in the next snapshot.
	if _, err := f.handle(f.host, Command{Type: TypeComment, Text: "four"}); err != nil {
		t.Fatal(err)
	}
	check(4, []string{"three", "four"})
	// A participant id with quotes cannot break the JSON.
	b, _, err := f.svc.Snapshot(f.ctx, Actor{Room: f.code, Participant: `p_"\` + "\n"}, 0)
	if err != nil || !json.Valid(b) {
		t.Fatalf("snapshot with an odd participant: %v, %s", err, b)
	}
	if _, _, err := f.svc.Snapshot(f.ctx, Actor{Room: "ZZZZZZ"}, 0); !errors.Is(err, ErrRoomNotFound) {
		t.Fatalf("snapshot of an unknown room: %v", err)
	}
}

func TestHandleCommandRateLimit(t *testing.T) {
	f := newFixture(t, Config{CommandBurst: 5, CommandRate: 0.001, ReactBurst: 100})
	// Every command counts, refused ones too: a script cannot probe for free.
	for i := range 5 {
		_, err := f.handle(f.audience, Command{Type: TypeUpvote, Question: "q404"})
		wantRefusal(t, fmt.Sprintf("upvote %d of an unknown question", i), err, CodeNotFound)
	}
	_, err := f.handle(f.audience, Command{Type: TypeUpvote, Question: "q404"})
	wantRefusal(t, "a command past the burst", err, CodeRateLimited)
	_, err = f.handle(f.audience, Command{Type: TypeComment, Text: "hello"})
	wantRefusal(t, "a comment past the command burst", err, CodeRateLimited)
	// Reactions have their own limit and do not use this one.
	other := f.join("")
	for i := range 20 {
		if _, err := f.handle(other, Command{Type: TypeReact, Kind: "like"}); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
	}
	if _, err := f.handle(other, Command{Type: TypeComment, Text: "after reactions"}); err != nil {
		t.Fatalf("a comment after 20 reactions: %v", err)
	}
	// Hosts and moderators are not limited.
	for i := range 20 {
		for _, staff := range []Actor{f.host, f.mod} {
			_, err := f.handle(staff, Command{Type: TypeQuestionSet, Question: "q404", Status: ptr(QuestionLive)})
			wantRefusal(t, fmt.Sprintf("staff command %d", i), err, CodeNotFound)
		}
	}
}
