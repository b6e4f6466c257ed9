package hub

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestSecurityHeaders: every page, asset and API answer carries the
// content security policy, nosniff and no-referrer; only the screen page
// may be framed, and only by the server's own pages (the console's preview)
// and -embed-origins.
func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, Config{EmbedOrigins: []string{"https://event.example"}}, rooms.Config{})
	room := ts.createRoom(t, "headers")
	for _, path := range []string{"/", "/r/" + room.Code, "/host/" + room.Code, "/screen/" + room.Code, "/report/" + room.Code,
		"/static/js/client.js", "/static/app.css", "/api/rooms/" + room.Code, "/api/rooms/ZZZZ22", "/healthz"} {
		resp, err := ts.http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "connect-src 'self' ws: wss:", "img-src 'self' data: blob:", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		wantFrame := "frame-ancestors 'none'"
		if strings.HasPrefix(path, "/screen/") {
			wantFrame = "frame-ancestors 'self' https://event.example"
		}
		if !strings.Contains(csp, wantFrame) {
			t.Errorf("%s: CSP %q, want %q", path, csp, wantFrame)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, got)
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", path, got)
		}
	}
}

// TestScreenFramedBySelfOnly: without -embed-origins the screen page may
// be framed by the server's own pages (the console's stage preview) and by
// no other site; the console itself may be framed by nobody.
func TestScreenFramedBySelfOnly(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "frames")
	for path, want := range map[string]string{"/screen/" + room.Code: "frame-ancestors 'self';", "/host/" + room.Code: "frame-ancestors 'none';"} {
		resp, err := ts.http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q, want %q", path, csp, want)
		}
	}
}

// TestTrickledBodyIsCut is the slow client as found: it sends a request's
// headers and then its body a byte at a time, slower than any real client.
// The server stops reading at the body timeout and answers, instead of
// holding a goroutine and a descriptor for as long as the client likes.
func TestTrickledBodyIsCut(t *testing.T) {
	ts := newTestServer(t, Config{BodyTimeout: 300 * time.Millisecond}, rooms.Config{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := conn.Write([]byte("POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var trickle sync.WaitGroup
	trickle.Go(func() { // one byte a second until the test ends
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
			}
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
		}
	})
	defer trickle.Wait()
	defer close(done)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body within 5 s: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("trickled body answered %d, want 400", resp.StatusCode)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the trickled body was cut after %v", took)
	}
}
