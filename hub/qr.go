package hub

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"rsc.io/qr"
)

// QR code defaults.
const (
	// qrQuietZone is the light border around the code, in modules: the QR
	// standard asks for four so that scanners find the finder patterns.
	qrQuietZone = 4
	// qrLevel is the error correction level: M (15% of the code may be
	// unreadable) scans reliably from a projected, slightly blurred image
	// while keeping the code small.
	qrLevel = qr.M
	// qrCacheControl lets browsers and shared caches keep the image for a
	// day: a room's code never changes, and the image depends only on the
	// audience URL, which the Vary header names the inputs of.
	qrCacheControl = "public, max-age=86400"
)

// qr answers GET /api/rooms/:code/qr.svg: an SVG QR code of the room's
// absolute audience URL (see audienceURL), 404 for an unknown room. The
// answer is cacheable and carries an ETag; a matching If-None-Match gets 304.
func (a api) qr(c *gin.Context) {
	room, err := a.svc.Room(c.Request.Context(), c.Param("code"))
	if err != nil {
		a.fail(c, err)
		return
	}
	forwarded := a.hub.cfg.TrustedProxies.fromTrustedProxy(c.Request)
	target := audienceURL(a.hub.cfg.PublicURL, c.Request, room.Code, forwarded)
	sum := sha256.Sum256([]byte(target))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Writer.Header()
	h.Set("Cache-Control", qrCacheControl)
	h.Set("ETag", etag)
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case a.hub.cfg.PublicURL != "":
	case forwarded:
		h.Set("Vary", "Host, X-Forwarded-Host, X-Forwarded-Proto")
	default:
		h.Set("Vary", "Host")
	}
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, etag) {
		c.Status(http.StatusNotModified)
		return
	}
	svg, err := qrSVG(target)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", svg)
}

// audienceURL is the absolute address of a room's audience page,
// publicURL + "/r/" + code. Without a publicURL it is built from the
// request: the scheme of X-Forwarded-Proto ("http" or "https") or of the
// connection, and the host of X-Forwarded-Host or Host, the forwarded
// headers only when forwarded (the request came from a trusted proxy).
// Header values that are not a plain scheme or host are ignored.
func audienceURL(publicURL string, r *http.Request, code string, forwarded bool) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/") + "/r/" + code
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if forwarded {
		if p := strings.ToLower(firstHeaderValue(r.Header.Get("X-Forwarded-Proto"))); p == "http" || p == "https" {
			scheme = p
		}
		if fh := firstHeaderValue(r.Header.Get("X-Forwarded-Host")); validHost(fh) {
			host = fh
		}
	}
	if !validHost(host) {
		host = "localhost"
	}
	return scheme + "://" + host + "/r/" + code
}

// firstHeaderValue is the first of a comma-separated header's values (the
// one the client-facing proxy set), trimmed.
func firstHeaderValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// validHost reports whether s is a host[:port] made only of the characters
// a host name, an IPv4 or a bracketed IPv6 address and a port use.
func validHost(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(".-:[]_", r):
		default:
			return false
		}
	}
	return true
}

// qrSVG draws text as a QR code in SVG: a white square of the code plus
// its quiet zone, one unit per module, and one black path made of a
// rectangle per horizontal run of dark modules (crisp at any size). The
// text is also the image's title and accessible name.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qrLevel)
	if err != nil {
		return nil, err
	}
	side := strconv.Itoa(code.Size + 2*qrQuietZone)
	label := html.EscapeString(text)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + side + ` ` + side + `" width="` + side + `" height="` + side +
		`" shape-rendering="crispEdges" role="img" aria-label="` + label + `"><title>` + label + `</title>`)
	b.WriteString(`<rect width="` + side + `" height="` + side + `" fill="#fff"/><path fill="#000" d="`)
	for y := range code.Size {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			run := 1
			for code.Black(x+run, y) {
				run++
			}
			b.WriteString("M" + strconv.Itoa(x+qrQuietZone) + " " + strconv.Itoa(y+qrQuietZone) +
				"h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>` + "\n")
	return []byte(b.String()), nil
}
