package hub

import (
	"bytes"
	"net"
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

// TestHeldWriterCollectsUntilRelease checks that writes while held leave in
// one write at release, and go straight through otherwise.
func TestHeldWriterCollectsUntilRelease(t *testing.T) {
	sock := &countingConn{}
	w := &heldWriter{conn: sock}
	w.hold()
	for _, s := range []string{"ab", "cd", "ef"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if sock.writes != 0 {
		t.Fatalf("%d socket writes while held", sock.writes)
	}
	if err := w.release(); err != nil {
		t.Fatal(err)
	}
	if sock.writes != 1 || sock.data.String() != "abcdef" {
		t.Fatalf("release: %d writes of %q, want 1 of \"abcdef\"", sock.writes, sock.data.String())
	}
	if _, err := w.Write([]byte("gh")); err != nil || sock.writes != 2 {
		t.Fatalf("unheld write: %d writes, %v", sock.writes, err)
	}
	if err := w.release(); err != nil || sock.writes != 2 {
		t.Fatalf("empty release wrote: %d writes, %v", sock.writes, err)
	}
}

// countingConn is a net.Conn that records writes.
type countingConn struct {
	net.Conn
	writes int
	data   bytes.Buffer
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes++
	return c.data.Write(p)
}
