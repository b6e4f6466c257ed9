package hub

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the proxies in front of the server (-trusted-proxies)
// and the one header they write the client's address in
// (-forwarded-header). Only a request whose socket peer is one of them may
// say, in that header, whom it forwards, and in X-Forwarded-Host and
// X-Forwarded-Proto which address the client used. The zero value trusts
// nobody: every client is its socket peer.
type TrustedProxies struct {
	nets []netip.Prefix
	// forwarded: the proxies write RFC 7239 Forwarded (for=) instead of
	// X-Forwarded-For; the other header is never read, since a proxy
	// passes on unchanged whatever the client wrote in it.
	forwarded bool
}

// Forwarded headers the proxies may write the client address in.
const (
	HeaderXForwardedFor = "x-forwarded-for"
	HeaderForwarded     = "forwarded"
)

// ParseTrustedProxies reads a comma-separated list of CIDRs or single
// addresses ("10.0.0.0/8, 192.0.2.7") and the header the proxies write the
// client address in: HeaderXForwardedFor ("" too) or HeaderForwarded.
func ParseTrustedProxies(list, header string) (TrustedProxies, error) {
	var out TrustedProxies
	switch strings.ToLower(header) {
	case "", HeaderXForwardedFor:
	case HeaderForwarded:
		out.forwarded = true
	default:
		return out, fmt.Errorf("unknown forwarded header %q: use %s or %s", header, HeaderXForwardedFor, HeaderForwarded)
	}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return out, err
			}
			s = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()).String()
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return out, err
		}
		out.nets = append(out.nets, p.Masked())
	}
	return out, nil
}

// trusts reports whether a is the address of a trusted proxy.
func (tp TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range tp.nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer returns the request's socket peer.
func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// fromTrustedProxy reports whether r came through a trusted proxy, whose
// forwarded headers may be believed.
func (tp TrustedProxies) fromTrustedProxy(r *http.Request) bool {
	a, ok := peer(r)
	return ok && tp.trusts(a)
}

// clientIP is the address of the client behind r: the socket peer, unless
// the peer is a trusted proxy; then the hops it forwards (in the one header
// the proxies write: X-Forwarded-For, or Forwarded's for=) are walked from
// the right, the nearest first, past every trusted proxy, and the first hop
// that is not one is the client. Hops the client wrote itself stand further
// left and are never reached past an untrusted hop, and the other header,
// which the proxies pass on as the client wrote it, is never read, so a
// client cannot pick its own address.
func (tp TrustedProxies) clientIP(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if !tp.trusts(a) {
		return a.String()
	}
	var hops []string
	if tp.forwarded {
		hops = forwardedFor(r.Header.Values("Forwarded"))
	} else {
		for _, v := range r.Header.Values("X-Forwarded-For") {
			for h := range strings.SplitSeq(v, ",") {
				hops = append(hops, strings.TrimSpace(h))
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(hops[i])
		if err != nil {
			break // garbage from further out: the nearest believable hop stands
		}
		a = h.Unmap()
		if !tp.trusts(a) {
			break
		}
	}
	return a.String()
}

// forwardedFor returns the for= addresses of Forwarded headers (RFC 7239)
// in order, without quotes, brackets and ports.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for elem := range strings.SplitSeq(v, ",") {
			for pair := range strings.SplitSeq(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				val = strings.Trim(val, `"`)
				if strings.HasPrefix(val, "[") {
					val, _, _ = strings.Cut(val[1:], "]")
				} else if host, _, err := net.SplitHostPort(val); err == nil {
					val = host
				}
				out = append(out, val)
			}
		}
	}
	return out
}

// addressKey is the key that per-address limits (connections, room
// creation, new participants, failed joins) count a request under: the
// client's address (see clientIP), and for IPv6 its /64 network — one phone
// or household gets a whole /64, so counting single IPv6 addresses would
// limit nothing.
func (tp TrustedProxies) addressKey(r *http.Request) string {
	return addressKeyOf(tp.clientIP(r))
}

// addressKeyOf groups an IP address as addressKey does; what does not
// parse as an address is its own key.
func addressKeyOf(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
