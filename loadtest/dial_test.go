package loadtest

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestAttackerDialsFromOneAddressOfItsOwn: every connection of one
// attacker comes from one source address, as from one script on one
// machine, and no client of the pool shares it.
func TestAttackerDialsFromOneAddressOfItsOwn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sources := func(d *dialer, n int) map[string]int {
		t.Helper()
		seen := map[string]int{}
		for range n {
			conn, err := d.DialContext(context.Background(), "tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			peer, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			seen[peer.RemoteAddr().(*net.TCPAddr).IP.String()]++
			peer.Close()
			conn.Close()
		}
		return seen
	}
	attacker := sources(attackerDialer(0, time.Second), 5)
	if len(attacker) != 1 || attacker["127.0.0.2"] != 5 {
		t.Fatalf("the attacker's 5 dials came from %v, want all from 127.0.0.2", attacker)
	}
	if second := sources(attackerDialer(1, time.Second), 1); second["127.0.0.3"] != 1 {
		t.Fatalf("the second attacker dialed from %v, want 127.0.0.3", second)
	}
	pool := sources(newDialer(64, time.Second), 64)
	if len(pool) != 64 || pool["127.0.0.2"] != 0 || pool["127.0.0.3"] != 0 {
		t.Fatalf("the clients' 64 dials came from %d addresses (%v), want 64, none an attacker's", len(pool), pool)
	}
}
