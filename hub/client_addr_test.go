package hub

import (
	"net/http"
	"testing"
)

func TestAddressKeyGroupsIPv6By64(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"not an address", "not an address"},
	}
	for _, tc := range tests {
		if got := addressKeyOf(tc.in); got != tc.want {
			t.Errorf("addressKeyOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func mustTrust(t *testing.T, list string) TrustedProxies {
	t.Helper()
	tp, err := ParseTrustedProxies(list, "")
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// forwardedRequest is a request from socket peer with the X-Forwarded-For
// and Forwarded headers xff and fwd ("": none).
func forwardedRequest(peer, xff, fwd string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = peer
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	if fwd != "" {
		r.Header.Set("Forwarded", fwd)
	}
	return r
}

func TestClientIP(t *testing.T) {
	tp := mustTrust(t, "10.0.0.0/8, 192.0.2.7")
	tests := []struct {
		name, peer, xff, fwd, want string
	}{
		{"no proxy", "198.51.100.1:5000", "", "", "198.51.100.1"},
		{"untrusted peer's header ignored", "198.51.100.1:5000", "203.0.113.9", "", "198.51.100.1"},
		{"trusted proxy", "10.1.2.3:5000", "203.0.113.9", "", "203.0.113.9"},
		{"client-written hops are not reached", "10.1.2.3:5000", "1.2.3.4, 203.0.113.9", "", "203.0.113.9"},
		{"two trusted proxies", "10.1.2.3:5000", "203.0.113.9, 192.0.2.7", "", "203.0.113.9"},
		{"several headers", "10.1.2.3:5000", "1.2.3.4", "", "1.2.3.4"},
		// The proxies write X-Forwarded-For: a Forwarded header is the
		// client's own, passed on, and would let it pick any address.
		{"the client's Forwarded is not read", "10.1.2.3:5000", "203.0.113.9", `for=198.51.100.1`, "203.0.113.9"},
		{"a Forwarded alone is not read", "10.1.2.3:5000", "", `for=198.51.100.1`, "10.1.2.3"},
		{"garbage hop", "10.1.2.3:5000", "not-an-ip", "", "10.1.2.3"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:5000", "203.0.113.9", "", "203.0.113.9"},
	}
	for _, tc := range tests {
		if got := tp.clientIP(forwardedRequest(tc.peer, tc.xff, tc.fwd)); got != tc.want {
			t.Errorf("%s: clientIP = %s, want %s", tc.name, got, tc.want)
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/33", ""); err == nil {
		t.Error("a bad CIDR was accepted")
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8", "x-real-ip"); err == nil {
		t.Error("an unknown forwarded header was accepted")
	}
}

// TestClientIPFromForwarded: proxies that write RFC 7239 Forwarded
// (-forwarded-header forwarded): its for= hops are walked, and a client's
// own X-Forwarded-For, which such a proxy passes on, is never read.
func TestClientIPFromForwarded(t *testing.T) {
	tp, err := ParseTrustedProxies("10.0.0.0/8", HeaderForwarded)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, xff, fwd, want string
	}{
		{"Forwarded hops", "", `for=203.0.113.9;proto=https, for="[2001:db8::1]:4711"`, "2001:db8::1"},
		{"client-written hops are not reached", "", `for=1.2.3.4, for=203.0.113.9`, "203.0.113.9"},
		{"the client's X-Forwarded-For is not read", "198.51.100.1", `for=203.0.113.9`, "203.0.113.9"},
		{"an X-Forwarded-For alone is not read", "198.51.100.1", "", "10.1.2.3"},
	}
	for _, tc := range tests {
		if got := tp.clientIP(forwardedRequest("10.1.2.3:5000", tc.xff, tc.fwd)); got != tc.want {
			t.Errorf("%s: clientIP = %s, want %s", tc.name, got, tc.want)
		}
	}
}
