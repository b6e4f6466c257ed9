package hub

import (
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

func TestFrameOnceBuildsEachPayloadOnce(t *testing.T) {
	var f frameOnce
	everyone, staff := []byte(`{"type":"comment","seq":1}`), []byte(`{"type":"comment","seq":1,"ip":"x"}`)
	a, ha := f.frame(everyone)
	b, _ := f.frame(everyone)
	s, _ := f.frame(staff)
	if &a[0] != &b[0] || &a[0] == &s[0] {
		t.Fatal("one payload framed twice, or two payloads sharing a frame")
	}
	if p, complete := unmaskedFrame(a); !complete || string(p) != string(everyone) || ha != 2 || a[0] != 0x81 {
		t.Fatalf("frame % x does not carry the payload", a)
	}
	for i := range 2 {
		f.frame([]byte{'a' + byte(i)})
	}
	if fr, _ := f.frame([]byte("one too many")); fr != nil {
		t.Fatal("a fifth payload was framed: framing could allocate per delivery")
	}
	if fr, _ := f.frame(everyone); fr == nil {
		t.Fatal("a known payload is no longer found")
	}
}

// TestFrameOnceSharedThenUnshared: two quiet clients of a broadcast hold
// the same frame; an event that follows before the flush is queued after
// the shared one's payload, in order, in the client's own buffer.
func TestFrameOnceSharedThenUnshared(t *testing.T) {
	h := New(Config{}, nil, NewMemoryBroker(), nil, nil)
	h.writers.max = 0 // no writer runs: what is queued stays for the test to see
	var clients []*client
	for range 2 {
		srv, _ := tcpPair(t)
		c := newClient(h, newBenchConn(), "127.0.0.1")
		c.sock, c.netConn = newSocket(srv), srv
		clients = append(clients, c)
	}
	first := rooms.Event{Seq: 1, Type: "comment", Data: []byte(`{"type":"comment","seq":1}`)}
	second := rooms.Event{Seq: 2, Type: "comment", Data: []byte(`{"type":"comment","seq":2}`)}
	var f frameOnce
	now := time.Now()
	for _, c := range clients {
		if !c.deliverFramed(&first, now, &f) {
			t.Fatal("not delivered")
		}
	}
	c0, c1 := clients[0], clients[1]
	if c0.shared == nil || c1.shared == nil || &c0.shared[0] != &c1.shared[0] || c0.pending != nil {
		t.Fatal("the quiet clients do not share the broadcast's frame")
	}
	c0.deliver(&second, now)
	if c0.shared != nil || c0.pending == nil || string(c0.pending.b) != `{"type":"comment","seq":1}`+"\n"+`{"type":"comment","seq":2}` {
		t.Fatalf("after a second event: shared %v, pending %q", c0.shared != nil, c0.pending.b)
	}
	if c1.shared == nil || string(c1.shared[2:]) != `{"type":"comment","seq":1}` {
		t.Fatal("the other client's shared frame changed")
	}
	h.writers.mu.Lock()
	h.writers.max = 1
	h.writers.startLocked()
	h.writers.mu.Unlock()
	for _, c := range clients {
		c.finish()
	}
}
