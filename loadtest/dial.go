package loadtest

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"
)

// RaiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit, since every
// client holds one socket. It returns the soft limit in force afterwards.
func RaiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}

// dialer is the one dial function every client connection goes through. For a
// loopback destination it binds the source address to the next of a pool of
// 127.x.y.z addresses, so that the fleet is not limited to one address's
// ephemeral ports (about 28,000 on Linux). It is safe for concurrent use.
type dialer struct {
	base    net.Dialer
	sources []net.IP
	next    atomic.Uint64
}

func newDialer(nSources int, timeout time.Duration) *dialer {
	d := &dialer{base: net.Dialer{Timeout: timeout, KeepAlive: -1}}
	for i := 0; i < nSources; i++ {
		// 127.0.1.1, 127.0.1.2, ... 127.0.1.250, 127.0.2.1, ...: never 127.0.0.1,
		// so the server's own loopback traffic (Redis, metrics) stays apart.
		d.sources = append(d.sources, net.IPv4(127, 0, byte(1+i/250), byte(1+i%250)))
	}
	return d
}

// attackerDialer is the dialer of attacker n (abuse.go): one script on one
// machine, so every loopback dial of it comes from one source address of
// its own, 127.0.0.2, 127.0.0.3, ..., apart from the clients' pool. Against
// a remote target it dials from the machine's address like everyone else.
func attackerDialer(n int, timeout time.Duration) *dialer {
	d := &dialer{base: net.Dialer{Timeout: timeout, KeepAlive: -1}}
	d.sources = []net.IP{net.IPv4(127, 0, 0, byte(2+n%250))}
	return d
}

// DialContext dials network/addr, spreading loopback dials over the source pool.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(d.sources) == 0 || !isLoopback(addr) {
		return d.base.DialContext(ctx, network, addr)
	}
	nd := d.base // copy: LocalAddr differs per dial
	src := d.sources[d.next.Add(1)%uint64(len(d.sources))]
	nd.LocalAddr = &net.TCPAddr{IP: src}
	return nd.DialContext(ctx, network, addr)
}

// isLoopback reports whether host:port names an IPv4 loopback address or localhost.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && ip.IsLoopback()
}

// newHTTPClient returns the one HTTP client (and transport) used for the
// WebSocket handshakes, the room API and /metrics scrapes.
func newHTTPClient(d *dialer) *http.Client {
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{Transport: tr}
}
