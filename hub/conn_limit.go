package hub

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxHTTPConnsPerIP caps the TCP connections (HTTP and WebSocket
// alike) one client address holds at once: above DefaultMaxConnsPerIP, so a
// hall behind one NAT keeps its WebSockets and loads its pages, but far
// below what a server's descriptors allow, so one address holding
// connections open (slow requests, idle keep-alives) cannot exhaust them.
const DefaultMaxHTTPConnsPerIP = 8000

// refusedBody and refusedResponse are what a connection past the cap reads
// before it is closed.
const refusedBody = "too many connections from your address; retry later\n"

var refusedResponse = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(refusedBody)) + "\r\n\r\n" + refusedBody

// ConnLimitListener caps the connections each socket peer holds at once
// (IPv6 grouped by /64). Connections from a trusted proxy are not counted:
// every client behind it shares its address, and the hub's per-client
// limits apply to them by their forwarded address. A connection past the
// cap is answered 429 and closed at once; it never reaches the HTTP server.
type ConnLimitListener struct {
	net.Listener
	max     int
	trusted TrustedProxies
	refused prometheus.Counter

	mu    sync.Mutex
	count map[string]int
}

// LimitConnsPerIP wraps ln. max ≤ 0 means no cap. reg may be nil.
func LimitConnsPerIP(ln net.Listener, max int, trusted TrustedProxies, reg prometheus.Registerer) net.Listener {
	if max <= 0 {
		return ln
	}
	l := &ConnLimitListener{Listener: ln, max: max, trusted: trusted, count: make(map[string]int),
		refused: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubbub_http_conns_refused_total", Help: "TCP connections refused because their address held -max-http-conns-per-ip already.",
		})}
	if reg != nil {
		reg.MustRegister(l.refused)
	}
	return l
}

// Accept returns the next connection within the cap, refusing those past it.
func (l *ConnLimitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key, counted := l.keyOf(c)
		if !counted {
			return c, nil
		}
		l.mu.Lock()
		if l.count[key] >= l.max {
			l.mu.Unlock()
			l.refused.Inc()
			go refuse(c)
			continue
		}
		l.count[key]++
		l.mu.Unlock()
		return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
	}
}

// keyOf returns the address key c counts under, and false for a trusted
// proxy's connections (or a peer that is not an IP address).
func (l *ConnLimitListener) keyOf(c net.Conn) (string, bool) {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return "", false
	}
	a := ap.Addr().Unmap()
	if l.trusted.trusts(a) {
		return "", false
	}
	return addressKeyOf(a.String()), true
}

func (l *ConnLimitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count[key]--; l.count[key] <= 0 {
		delete(l.count, key)
	}
}

// refuse answers 429 within a second and closes c.
func refuse(c net.Conn) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write([]byte(refusedResponse))
	_ = c.Close()
}

// limitedConn gives its slot back when it is closed, once.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
