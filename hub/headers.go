package hub

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// contentSecurityPolicy is every response's policy: scripts, styles, fonts
// and connections from the page's own server only (its WebSocket
// included), images also from data: and blob: URLs, no framing by other
// sites, no <base>. The pages have no inline script or style, so nothing
// needs 'unsafe-inline'.
const contentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the browser headers of every response: the content
// security policy, no MIME sniffing, no referrer (page addresses carry room
// codes). The screen page may be framed by the server's own pages (the
// console's live preview of the stage) and by embedOrigins (an event's
// site); it shows only what the audience sees and takes no action.
func securityHeaders(embedOrigins []string) gin.HandlerFunc {
	screenPolicy := strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'",
		strings.Join(append([]string{"frame-ancestors 'self'"}, embedOrigins...), " "), 1)
	return func(c *gin.Context) {
		h := c.Writer.Header()
		policy := contentSecurityPolicy
		if strings.HasPrefix(c.Request.URL.Path, "/screen/") {
			policy = screenPolicy
		}
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
	}
}
