package main

// Tests of the shipped proxy examples, docs/deploy/nginx.conf and
// docs/deploy/haproxy.cfg: each runs, as shipped but for its addresses, in
// front of two instances on a real redis-server.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// proxyKind is one proxy under test: its binary, its shipped example, how the
// example is adapted to the test's addresses and how the binary is started.
type proxyKind struct {
	bin  string // binary name, looked up on PATH
	pkg  string // Debian package that has it
	file string // the example, relative to the repository root
	// subst are the only changes made to the example: each pattern must
	// match exactly once, so a reworded example fails the test instead of
	// running with the example's own addresses.
	subst func(dir, listen string, upstreams [2]string) []substitution
	args  func(dir, conf string) []string
}

// substitution replaces the one match of re in the example with repl
// (regexp.ReplaceAllString syntax).
type substitution struct {
	re   *regexp.Regexp
	repl string
}

var nginxProxy = proxyKind{
	bin: "nginx", pkg: "nginx", file: "docs/deploy/nginx.conf",
	subst: func(dir, listen string, up [2]string) []substitution {
		temp := ""
		for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
			temp += fmt.Sprintf("    %s_temp_path %s;\n", d, filepath.Join(dir, d+"_temp"))
		}
		return []substitution{
			{regexp.MustCompile(`(?m)^pid .*;$`), "pid " + filepath.Join(dir, "nginx.pid") + ";"},
			{regexp.MustCompile(`(?m)^error_log \S+`), "error_log " + filepath.Join(dir, "error.log")},
			{regexp.MustCompile(`(?m)^http \{\n`), "http {\n" + temp},
			{regexp.MustCompile(`(?m)^(\s*listen) 8080;`), "${1} " + listen + ";"},
			{regexp.MustCompile(`server 127\.0\.0\.1:8081 `), "server " + up[0] + " "},
			{regexp.MustCompile(`server 127\.0\.0\.1:8082 `), "server " + up[1] + " "},
		}
	},
	// master_process off: one process that never switches user, so a root
	// run reads and writes the test's directory like any other.
	args: func(dir, conf string) []string {
		return []string{"-p", dir, "-c", conf, "-g", "daemon off; master_process off;"}
	},
}

var haproxyProxy = proxyKind{
	bin: "haproxy", pkg: "haproxy", file: "docs/deploy/haproxy.cfg",
	subst: func(dir, listen string, up [2]string) []substitution {
		return []substitution{
			{regexp.MustCompile(`(?m)^(\s*bind) :8080$`), "${1} " + listen},
			{regexp.MustCompile(`(?m)^(\s*server i1) 127\.0\.0\.1:8081$`), "${1} " + up[0]},
			{regexp.MustCompile(`(?m)^(\s*server i2) 127\.0\.0\.1:8082$`), "${1} " + up[1]},
		}
	},
	args: func(dir, conf string) []string { return []string{"-f", conf, "-db"} },
}

// TestProxyNginx: docs/deploy/nginx.conf in front of two instances on Redis
// (see testProxy).
func TestProxyNginx(t *testing.T) { testProxy(t, nginxProxy) }

// TestProxyHAProxy: docs/deploy/haproxy.cfg in front of two instances on
// Redis (see testProxy).
func TestProxyHAProxy(t *testing.T) { testProxy(t, haproxyProxy) }

// testProxy starts a redis-server, two instances that trust 127.0.0.1 as
// their proxy, and the proxy with its shipped example, then checks through
// the proxy that /readyz answers 200, that a room can be created, that a
// client-supplied Forwarded header does not reach the instances, that the
// join address follows the Host the client used (X-Forwarded-Host/Proto set
// by the proxy, over the client's own), and that a WebSocket joined through
// the proxy sees comments posted on either instance and the other way round.
// Not covered (they need minutes or thousands of connections): the upstream
// keep-alive timeout, the 1 h WebSocket timeouts and the per-address cap.
func testProxy(t *testing.T, p proxyKind) {
	bin := lookProxy(t, p)
	rd := redistest.Start(t)
	// One room per address per minute, shared through Redis: the Forwarded
	// check below counts on it.
	extra := []string{"-secret", clusterSecret, "-trusted-proxies", "127.0.0.1/32",
		"-room-create-rate", "1", "-room-create-burst", "1"}
	ins := [2]*instance{startInstance(t, "p0", rd.URL(), extra...), startInstance(t, "p1", rd.URL(), extra...)}
	c := &cluster{redis: rd, instances: ins[:], http: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(c.http.CloseIdleConnections)

	base := startProxy(t, p, bin, [2]string{strings.TrimPrefix(ins[0].base, "http://"), strings.TrimPrefix(ins[1].base, "http://")})

	// Room creation through the proxy, claiming another address in
	// Forwarded: the proxy drops the header, so both requests count against
	// the proxy-appended 127.0.0.1 and the second is refused. Had Forwarded
	// reached an instance, it would have counted each under its own address.
	create := func(claim string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/rooms", strings.NewReader(`{"title":"proxy"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Forwarded", "for="+claim)
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatalf("create room through %s: %v", p.bin, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := create("198.51.100.1")
	var room createdRoom
	if status != http.StatusCreated || json.Unmarshal(body, &room) != nil || room.Code == "" {
		t.Fatalf("create room through %s: %d %s", p.bin, status, body)
	}
	if status, body := create("198.51.100.2"); status != http.StatusTooManyRequests {
		t.Errorf("second room through %s claiming Forwarded: for=198.51.100.2: %d %s, want 429 "+
			"(the client's Forwarded header reached hubbub)", p.bin, status, body)
	}

	// The join address (the QR code's, whose ETag hashes it) is the one the
	// client used: the proxy sets X-Forwarded-Host and X-Forwarded-Proto from
	// the request, over whatever the client wrote in them.
	qr := func(url, host string, hdr map[string]string) string {
		req, _ := http.NewRequest(http.MethodGet, url+"/api/rooms/"+room.Code+"/qr.svg", nil)
		req.Host = host
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatalf("QR code: %v", err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
			t.Fatalf("QR code from %s: %d, ETag %q", url, resp.StatusCode, resp.Header.Get("ETag"))
		}
		return resp.Header.Get("ETag")
	}
	const host = "events.example.test"
	want := qr(ins[0].base, "ignored.example.test", map[string]string{"X-Forwarded-Host": host, "X-Forwarded-Proto": "http"})
	if got := qr(base, host, map[string]string{"X-Forwarded-Host": "evil.example.test", "X-Forwarded-Proto": "https"}); got != want {
		t.Errorf("QR code through %s for http://%s: ETag %s, want %s (that of http://%s/r/%s): "+
			"the client's X-Forwarded-Host or X-Forwarded-Proto reached hubbub", p.bin, host, got, want, host, room.Code)
	}

	// A WebSocket through the proxy, and one directly on each instance: the
	// proxied one lands on one of them, so one of the direct ones is always
	// on the other instance.
	ws := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	viaProxy := joinClient(t, room.Code, []string{ws}, 0, false)
	direct := []*liveClient{
		joinClient(t, room.Code, []string{ins[0].wsURL()}, 0, false),
		joinClient(t, room.Code, []string{ins[1].wsURL()}, 0, false),
	}
	var seqs []uint64
	for i, cl := range []*liveClient{direct[0], direct[1], viaProxy} {
		if !cl.send(map[string]any{"type": "comment", "id": 1, "text": fmt.Sprintf("c%d", i), "cid": fmt.Sprintf("c%d", i)}) {
			t.Fatalf("comment %d: connection gone", i)
		}
		ev, ok := cl.reply(1)
		if !ok || ev.Type != "ack" || ev.Seq == 0 {
			t.Fatalf("comment %d: %+v", i, ev)
		}
		seqs = append(seqs, ev.Seq)
	}
	clients := []*liveClient{viaProxy, direct[0], direct[1]}
	waitAllAt(t, clients, seqs[len(seqs)-1])
	for i, cl := range clients {
		cl.check(t, fmt.Sprintf("client %d", i), seqs)
	}
}

// lookProxy finds p's binary on PATH or in /usr/sbin or /sbin (where Debian
// puts both, often not on a user's PATH); without it the test fails in CI
// (CI=true) and skips elsewhere, saying what to install.
func lookProxy(t *testing.T, p proxyKind) string {
	t.Helper()
	if bin, err := exec.LookPath(p.bin); err == nil {
		return bin
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if bin, err := exec.LookPath(filepath.Join(dir, p.bin)); err == nil {
			return bin
		}
	}
	msg := fmt.Sprintf("%s is not on PATH: install %s (make deps does, or: sudo apt-get install %s)", p.bin, p.pkg, p.pkg)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// startProxy writes p's example with the test's addresses into a temporary
// directory, starts the proxy on a free port of 127.0.0.1 in front of
// upstreams, waits until /readyz answers 200 through it and returns its
// base URL. t.Cleanup stops it.
func startProxy(t *testing.T, p proxyKind, bin string, upstreams [2]string) string {
	t.Helper()
	shipped, err := os.ReadFile(filepath.Join("..", "..", p.file))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	listen := freeAddr(t)
	conf := string(shipped)
	for _, s := range p.subst(dir, listen, upstreams) {
		if n := len(s.re.FindAllStringIndex(conf, -1)); n != 1 {
			t.Fatalf("%s: %d matches of %s, want 1: the test's substitutions no longer fit the example", p.file, n, s.re)
		}
		conf = s.re.ReplaceAllString(conf, s.repl)
	}
	confPath := filepath.Join(dir, filepath.Base(p.file))
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin, p.args(dir, confPath)...)
	cmd.Stdout, cmd.Stderr = out, out // a file: no copying goroutine
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	logs := func() string {
		var b strings.Builder
		for _, f := range []string{"output", "error.log"} {
			if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
				fmt.Fprintf(&b, "%s:\n%s\n", f, data)
			}
		}
		return b.String()
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			t.Logf("%s %s\n%s", p.bin, strings.Join(cmd.Args[1:], " "), logs())
		}
	})

	base := "http://" + listen
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(clusterWait)
	for {
		select {
		case err := <-done:
			exited = true
			t.Fatalf("%s exited at start: %v\n%s", p.bin, err, logs())
		default:
		}
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz through %s: %v (status %v)", p.bin, err, statusOf(resp, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func statusOf(resp *http.Response, err error) any {
	if err != nil {
		return err
	}
	return resp.StatusCode
}
