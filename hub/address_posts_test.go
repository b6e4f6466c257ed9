package hub

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// fromAddress is a dial whose client address is ip, as a trusted proxy in
// front of the test server (127.0.0.1) says it.
func fromAddress(ip string) dialOpts {
	return dialOpts{header: http.Header{"X-Forwarded-For": {ip}}}
}

// TestOneAddressCannotFloodARoomWithIdentities is the abuse load preset's
// attacker as a test: a script behind one address mints identity after
// identity and posts with each, every one under its own limits. The room
// takes the address's burst of posts, questions and comments together,
// then refuses the rest with rate_limited and when to retry, while
// another address in the same room, the same address in another room and
// the host post as before. An identity that floods on its own is refused
// by its own limit first, without spending what its network may post.
func TestOneAddressCannotFloodARoomWithIdentities(t *testing.T) {
	const burst = 6
	ts := newTestServer(t,
		Config{AddressPostBurst: burst, AddressPostRate: 1, TrustedProxies: mustTrust(t, "127.0.0.1/32")},
		rooms.Config{CommentBurst: 2, CommentRate: 0.01})
	room, other := ts.createRoom(t, "flooded"), ts.createRoom(t, "other")
	attacker := fromAddress("203.0.113.7")

	// One identity alone: its own limit (2 comments) refuses the rest,
	// and those refusals cost the address nothing.
	loud, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, attacker)
	for i := range 5 {
		cmd := map[string]any{"type": "comment", "text": fmt.Sprintf("loud %d", i)}
		if i < 2 {
			loud.mustAck(int64(i+1), cmd)
		} else if e := loud.mustError(int64(i+1), cmd); e.Code != rooms.CodeRateLimited || strings.Contains(e.Message, "network") {
			t.Fatalf("loud comment %d: %+v; want its own rate_limited", i, e)
		}
	}

	// Fresh identities: the address's burst holds 4 more posts in all.
	posted := 2
	var refused retryErrorMsg
	for n := 0; refused.Code == "" && n < 10; n++ {
		c, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, attacker)
		for i, typ := range []string{"ask", "comment"} {
			ev := c.request(int64(i+1), map[string]any{"type": typ, "text": fmt.Sprintf("identity %d %s", n, typ)})
			if ev.Type == rooms.EventAck {
				posted++
				continue
			}
			ev.decode(t, &refused)
			break
		}
		c.drop()
	}
	if posted != burst {
		t.Fatalf("the address posted %d times before a refusal, want its burst %d", posted, burst)
	}
	now := time.Now().UnixMilli()
	if refused.Code != rooms.CodeRateLimited || !strings.Contains(refused.Message, "network") ||
		refused.RetryAt < now+30_000 || refused.RetryAt > now+61_000 {
		t.Fatalf("the post past the burst: %+v; want rate_limited naming the network, retry_at about a minute on", refused)
	}

	neighbour, _, _ := ts.join(t, rooms.Hello{Room: room.Code}, fromAddress("198.51.100.20"))
	neighbour.mustAck(1, map[string]any{"type": "comment", "text": "another network"})
	elsewhere, _, _ := ts.join(t, rooms.Hello{Room: other.Code}, attacker)
	elsewhere.mustAck(1, map[string]any{"type": "comment", "text": "the same network, another room"})
	host, _, _ := ts.join(t, rooms.Hello{Room: room.Code, Token: room.HostKey}, attacker)
	host.mustAck(1, map[string]any{"type": "comment", "text": "staff are not counted"})

	if got := ts.metric(t, "hubbub_protection_refusals_total"); got != 1 {
		t.Fatalf("protection refusals = %v, want 1", got)
	}
}
