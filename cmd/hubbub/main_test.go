package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hubbubhq/hubbub/rooms"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

// TestMain builds the hubbub binary once for the tests that run several
// instances of it, and checks that no test leaves a goroutine behind.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hubbub-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hubbubBin = filepath.Join(dir, "hubbub")
	build := exec.Command("go", "build", "-o", hubbubBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hubbub:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func TestParseConfigFlagsAndEnv(t *testing.T) {
	env := map[string]string{
		"HUBBUB_FLUSH_INTERVAL":   "40ms",
		"HUBBUB_ADDR":             ":9999",
		"HUBBUB_ALLOWED_ORIGINS":  "a.example.com, *.b.example.com",
		"HUBBUB_MAX_QUEUE_BYTES":  "65536",
		"HUBBUB_SECRET":           "x7EJ9laGNUwylAyOP2DyVpG5RQ19AYJf4fTseDprR8c=",
		"HUBBUB_RETAINED_EVENTS":  "77",
		"HUBBUB_MAX_CONNS_PER_IP": "12",
		"HUBBUB_RETENTION":        "48h",
		"HUBBUB_PUBLIC_URL":       "https://events.example.com/live",
		"HUBBUB_MAX_COMMENTS":     "900",
		"HUBBUB_ROOM_IDLE_EXPIRY": "168h",
	}
	cfg, err := parseConfig([]string{"-addr", "127.0.0.1:7000", "-comment-rate", "5"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.addr != "127.0.0.1:7000" {
		t.Errorf("flag must win over env: addr = %q", cfg.addr)
	}
	if cfg.hub.FlushInterval != 40*time.Millisecond || cfg.hub.MaxQueueBytes != 65536 || cfg.hub.MaxConnsPerIP != 12 {
		t.Errorf("env not applied to hub config: %+v", cfg.hub)
	}
	if cfg.rooms.RetainedEvents != 77 || cfg.rooms.CommentRate != 5 || string(cfg.rooms.Secret) != "x7EJ9laGNUwylAyOP2DyVpG5RQ19AYJf4fTseDprR8c=" || cfg.rooms.Retention != 48*time.Hour {
		t.Errorf("rooms config: %+v", cfg.rooms)
	}
	if want := (rooms.RoomCaps{Questions: rooms.DefaultMaxQuestions, Comments: 900, Polls: rooms.DefaultMaxPolls}); cfg.caps != want || cfg.idleExpiry != 168*time.Hour {
		t.Errorf("room caps %+v, idle expiry %v; want %+v and 168h", cfg.caps, cfg.idleExpiry, want)
	}
	if got := strings.Join(cfg.hub.AllowedOrigins, "|"); got != "a.example.com|*.b.example.com" {
		t.Errorf("origins = %q", got)
	}
	if cfg.hub.PublicURL != "https://events.example.com/live" {
		t.Errorf("public URL = %q", cfg.hub.PublicURL)
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"bad duration flag", []string{"-flush-interval", "soon"}, nil},
		{"bad env", nil, map[string]string{"HUBBUB_MAX_CONNS": "many"}},
		{"flush interval too small", []string{"-flush-interval", "10us"}, nil},
		{"stray argument", []string{"extra"}, nil},
		{"retention not positive", []string{"-retention", "0s"}, nil},
		{"room cap not positive", []string{"-max-questions", "0"}, nil},
		{"idle expiry below an hour", []string{"-room-idle-expiry", "5m"}, nil},
		{"no header timeout", []string{"-http-header-timeout", "0s"}, nil},
		{"no idle timeout", nil, map[string]string{"HUBBUB_HTTP_IDLE_TIMEOUT": "0s"}},
		{"unknown flag", []string{"-nope"}, nil},
		{"relative public URL", []string{"-public-url", "events.example.com"}, nil},
		{"public URL of another scheme", []string{"-public-url", "ftp://events.example.com"}, nil},
		{"public URL with a query", nil, map[string]string{"HUBBUB_PUBLIC_URL": "https://events.example.com/?x=1"}},
		// The weak secret as found: brute-forced from one token.
		{"weak secret", []string{"-secret", "hunter2"}, nil},
		{"weak secret in env", nil, map[string]string{"HUBBUB_SECRET": "hunter2hunter2hunter2hunter2hunter2"}},
		{"short hex secret", []string{"-secret", "00112233445566778899aabbccddeeff"}, nil},
		{"repeated characters", []string{"-secret", strings.Repeat("ab", 40)}, nil},
		{"secret file missing", []string{"-secret-file", "/nonexistent/hubbub.secret"}, nil},
		{"embed origin with a path", []string{"-embed-origins", "https://event.example/page"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.args, func(k string) string { return tc.env[k] })
			if err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := envName("max-conns-per-ip"); got != "HUBBUB_MAX_CONNS_PER_IP" {
		t.Fatal(got)
	}
}

// TestServeShutsDownGracefully runs the whole binary's wiring: a client in a
// room receives 1012 when the server is told to stop, and serve returns.
func TestServeShutsDownGracefully(t *testing.T) {
	cfg, err := parseConfig([]string{"-log-level", "warn", "-data", t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, cfg, ln, zap.NewNop()) }()
	base := "http://" + ln.Addr().String()

	resp, err := http.Post(base+"/api/rooms", "application/json", strings.NewReader(`{"title":"t"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ Code string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create room: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	dialCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dialCtx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if err := conn.Write(dialCtx, websocket.MessageText, []byte(`{"type":"hello","room":"`+created.Code+`"}`)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := conn.Read(dialCtx); err != nil || !strings.Contains(string(msg), `"welcome"`) {
		t.Fatalf("no welcome: %q %v", msg, err)
	}

	stop()
	for {
		if _, _, err = conn.Read(dialCtx); err != nil {
			break
		}
	}
	if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
		t.Fatalf("close status = %v (%v), want 1012", got, err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
}

func TestParseConfigWordFilter(t *testing.T) {
	noEnv := func(string) string { return "" }
	cfg, err := parseConfig(nil, noEnv)
	if err != nil || cfg.rooms.WordFilter != nil {
		t.Fatalf("default: %v, %v; want nil (the built-in lists)", cfg.rooms.WordFilter, err)
	}
	cfg, err = parseConfig([]string{"-word-filter", "none"}, noEnv)
	if err != nil || cfg.rooms.WordFilter == nil || cfg.rooms.WordFilter.Len() != 0 {
		t.Fatalf("none: %v, %v; want an empty filter", cfg.rooms.WordFilter, err)
	}
	file := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(file, []byte("# ours\nheck\n糟糕\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = parseConfig(nil, func(k string) string { return map[string]string{"HUBBUB_WORD_FILTER": file}[k] })
	if err != nil {
		t.Fatal(err)
	}
	wf := cfg.rooms.WordFilter
	if wf.Len() != 2 || wf.Mask("Heck, 真糟糕") != "****, 真**" || wf.Match("shit") {
		t.Fatalf("filter from %s: %d words, %q", file, wf.Len(), wf.Mask("Heck, 真糟糕"))
	}
	if _, err := parseConfig([]string{"-word-filter", filepath.Join(t.TempDir(), "missing.txt")}, noEnv); err == nil {
		t.Fatal("a missing word list file must be an error")
	}
}

// TestSecretFromFile: a strong secret is read from -secret-file (kept out of
// ps), and a weak one there is refused like one on the command line.
func TestSecretFromFile(t *testing.T) {
	const strong = "Vb1jDMhm5A+qXCUZuDlk5e64GP1PrPgbEMyngTzsby0="
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	weak := filepath.Join(dir, "weak")
	if err := os.WriteFile(good, []byte(strong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(weak, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	cfg, err := parseConfig([]string{"-secret-file", good}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.rooms.Secret) != strong || cfg.secretInArgs {
		t.Fatalf("secret %q (in args: %v), want the file's", cfg.rooms.Secret, cfg.secretInArgs)
	}
	if _, err := parseConfig([]string{"-secret-file", weak}, noEnv); err == nil || !strings.Contains(err.Error(), "/dev/urandom") {
		t.Fatalf("weak secret file: %v, want a refusal saying how to make a strong one", err)
	}
	if _, err := parseConfig([]string{"-secret-file", good, "-secret", strong}, noEnv); err == nil {
		t.Fatal("both -secret and -secret-file were accepted")
	}
	if cfg, err := parseConfig([]string{"-secret", strong}, noEnv); err != nil || !cfg.secretInArgs {
		t.Fatalf("-secret on the command line: %v, in args %v", err, cfg.secretInArgs)
	}
}
