package hub

import (
	"net"
	"net/http"
	"net/netip"
)

// addressKey is the key that per-address limits (connections, room
// creation, new participants, failed joins) count a request under: the
// peer's IP address, and for IPv6 its /64 network — one phone or household
// gets a whole /64, so counting single IPv6 addresses would limit nothing.
func addressKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return addressKeyOf(host)
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
