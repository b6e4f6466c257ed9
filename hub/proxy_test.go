package hub

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// createFrom posts a room as the client forwarded, by the proxy at the
// test's loopback address, as xff.
func createFrom(t *testing.T, ts *testServer, xff string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/rooms", strings.NewReader(`{"title":"t"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", xff)
	resp, err := ts.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBehindTrustedProxy is the proxy as found: every client shared the
// proxy's bucket, so one client used up room creation for everyone. With
// the proxy trusted, each forwarded client has its own bucket; a client
// cannot choose its bucket by writing X-Forwarded-For itself.
func TestBehindTrustedProxy(t *testing.T) {
	ts := newTestServer(t, Config{TrustedProxies: mustTrust(t, "127.0.0.0/8"), RoomCreateBurst: 1, RoomCreateRate: 0.001}, rooms.Config{})
	if got := createFrom(t, ts, "203.0.113.1"); got != http.StatusCreated {
		t.Fatalf("first client: %d", got)
	}
	if got := createFrom(t, ts, "203.0.113.1"); got != http.StatusTooManyRequests {
		t.Fatalf("first client again: %d, want 429", got)
	}
	if got := createFrom(t, ts, "203.0.113.2"); got != http.StatusCreated {
		t.Fatalf("another client behind the same proxy: %d, want its own bucket", got)
	}
	// The first client prepends a made-up hop: the proxy appended the real one.
	if got := createFrom(t, ts, "198.51.100.77, 203.0.113.1"); got != http.StatusTooManyRequests {
		t.Fatalf("a client naming another address: %d, want 429 (its real address is used)", got)
	}
}

// TestUntrustedForwardedHeadersIgnored: without -trusted-proxies a client's
// own X-Forwarded-For buys it no new bucket, and its X-Forwarded-Host does
// not reach the QR code.
func TestUntrustedForwardedHeadersIgnored(t *testing.T) {
	ts := newTestServer(t, Config{RoomCreateBurst: 1, RoomCreateRate: 0.001}, rooms.Config{})
	if got := createFrom(t, ts, "203.0.113.1"); got != http.StatusCreated {
		t.Fatalf("first room: %d", got)
	}
	if got := createFrom(t, ts, "203.0.113.2"); got != http.StatusTooManyRequests {
		t.Fatalf("a made-up X-Forwarded-For from an untrusted peer: %d, want 429 (same address)", got)
	}
	ts2 := newTestServer(t, Config{}, rooms.Config{})
	code := ts2.createRoom(t, "qr").Code
	resp, body := getQR(t, ts2, "/api/rooms/"+code+"/qr.svg", map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
	if got := decodeQRSVG(t, body); got != "http://"+strings.TrimPrefix(ts2.URL, "http://")+"/r/"+code {
		t.Fatalf("QR code of an untrusted request points at %s", got)
	}
	if v := resp.Header.Get("Vary"); strings.Contains(v, "X-Forwarded") {
		t.Errorf("Vary %q names forwarded headers that are not used", v)
	}
}
