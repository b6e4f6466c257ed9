package hub

import (
	"strings"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestHelloInTheUpgradeWrite sends the upgrade request and the hello in one
// TCP write, so the hello is already buffered when the connection is
// hijacked: it must not be lost, whether it fits the small read buffer or not.
func TestHelloInTheUpgradeWrite(t *testing.T) {
	ts := newTestServer(t, Config{}, rooms.Config{})
	room := ts.createRoom(t, "Early")
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, name := range []string{"short", strings.Repeat("n", 3000)} {
		c, err := dialIdleNamed(addr, room.Code, name)
		if err != nil {
			t.Fatalf("hello of %d bytes sent with the upgrade: %v", len(name), err)
		}
		c.Close()
	}
}
