package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/zap"
)

// startServe runs serve with args on a free port until the test ends (or
// stop is called) and returns its base URL.
func startServe(t *testing.T, args ...string) (base string, stop func(), served <-chan error) {
	t.Helper()
	cfg, err := parseConfig(append([]string{"-log-level", "warn", "-data", t.TempDir()}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, ln, zap.NewNop()) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not return")
		}
	})
	return "http://" + ln.Addr().String(), cancel, done
}

// TestIdleKeepAliveIsClosed is the idle connection as found: a client
// makes one request and keeps the connection open without another. The
// server closes it after -http-idle-timeout instead of holding a goroutine
// and a descriptor for ever.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	base, _, _ := startServe(t, "-http-idle-timeout", "500ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	if n, err := conn.Read(buf); err != nil || !strings.Contains(string(buf[:n]), "200 OK") {
		t.Fatalf("healthz: %q %v", buf[:n], err)
	}
	start := time.Now()
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the idle connection was not closed within 5 s: %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("closed after %v idle, want about 500 ms", took)
	}
}

// TestTrickledHeadersAreCut: a client that sends a request's headers a
// byte now and then (a WebSocket upgrade or any request) is cut off after
// -http-header-timeout.
func TestTrickledHeadersAreCut(t *testing.T) {
	base, _, _ := startServe(t, "-http-header-timeout", "500ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.ReadAll(conn)
	}()
	for _, b := range []byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n") {
		select {
		case <-closed:
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("cut off after %v, want about 500 ms", took)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			break // the server closed it
		}
	}
	select {
	case <-closed:
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("cut off after %v, want about 500 ms", took)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request whose headers trickle in was not cut off")
	}
}

// TestShutdownDoesNotWaitForASlowBody is the slow body as found: a request
// trickling its body delayed the WebSocket clients' 1012 by the whole
// shutdown timeout. The hub's shutdown now runs beside the HTTP server's, so
// clients hear 1012 at once.
func TestShutdownDoesNotWaitForASlowBody(t *testing.T) {
	base, stop, _ := startServe(t, "-shutdown-timeout", "8s", "-http-body-timeout", "30s")
	resp, err := http.Post(base+"/api/rooms", "application/json", strings.NewReader(`{"title":"t"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	code := between(string(body), `"code":"`, `"`)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws", &websocket.DialOptions{Subprotocols: []string{"hubbub.v1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello","room":"`+code+`"}`)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || !strings.Contains(string(msg), `"welcome"`) {
		t.Fatalf("no welcome: %q %v", msg, err)
	}

	slow, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is in its handler, reading

	start := time.Now()
	stop()
	var readErr error
	var reading sync.WaitGroup
	reading.Go(func() {
		for {
			if _, _, readErr = ws.Read(ctx); readErr != nil {
				return
			}
		}
	})
	reading.Wait()
	if got := websocket.CloseStatus(readErr); got != websocket.StatusServiceRestart {
		t.Fatalf("close status %v (%v), want 1012", got, readErr)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("1012 came %v after shutdown began: it waited for the slow body", took)
	}
}

// between returns the text of s between the first before and the next after.
func between(s, before, after string) string {
	_, rest, _ := strings.Cut(s, before)
	out, _, _ := strings.Cut(rest, after)
	return out
}

// TestConnectionsPerAddressCapped is the descriptor exhaustion as found: one
// address opens connections and holds them. Past -max-http-conns-per-ip its
// next connection is answered 429 and closed, a closed one frees its slot,
// and a trusted proxy's connections are not counted (its clients are
// limited by their forwarded address instead).
func TestConnectionsPerAddressCapped(t *testing.T) {
	base, _, _ := startServe(t, "-max-http-conns-per-ip", "3")
	addr := strings.TrimPrefix(base, "http://")
	held := make([]net.Conn, 3)
	for i := range held {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held[i] = c
	}
	get := func() string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c)
		return string(b)
	}
	if got := get(); !strings.HasPrefix(got, "HTTP/1.1 429 ") {
		t.Fatalf("a fourth connection from one address: %q, want 429", got)
	}
	// The held connections are served: the cap refused only the extra one.
	if _, err := held[0].Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = held[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(held[0]); !strings.Contains(string(b), "200 OK") {
		t.Fatalf("a connection within the cap: %q", b)
	}
	held[0].Close() // the server closed it too (Connection: close): its slot is free
	deadline := time.Now().Add(5 * time.Second)
	for got := get(); !strings.Contains(got, "200 OK"); got = get() {
		if time.Now().After(deadline) {
			t.Fatalf("after one connection closed, a new one still gets %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}

	proxied, _, _ := startServe(t, "-max-http-conns-per-ip", "3", "-trusted-proxies", "127.0.0.1")
	paddr := strings.TrimPrefix(proxied, "http://")
	for range 5 {
		c, err := net.Dial("tcp", paddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	c, err := net.Dial("tcp", paddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(c); !strings.Contains(string(b), "200 OK") {
		t.Fatalf("a trusted proxy's sixth connection: %q, want it served", b)
	}
}
