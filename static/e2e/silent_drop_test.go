package e2e

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// freezer is a TCP proxy in front of the server that can stop forwarding
// without closing anything: a Wi-Fi drop as a phone meets it, where no close
// and no error ever arrive.
type freezer struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	frozen bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func newFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	f.wg.Go(f.accept)
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *freezer) URL() string { return "http://" + f.ln.Addr().String() }

func (f *freezer) setFrozen(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frozen = v
}

func (f *freezer) isFrozen() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.frozen
}

func (f *freezer) accept() {
	for {
		in, err := f.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", f.target)
		if err != nil {
			in.Close()
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, in, out)
		f.mu.Unlock()
		f.wg.Go(func() { f.pipe(out, in) })
		f.wg.Go(func() { f.pipe(in, out) })
	}
}

// pipe copies src to dst, holding what it read while frozen.
func (f *freezer) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for f.isFrozen() {
			time.Sleep(20 * time.Millisecond)
			if errors.Is(err, net.ErrClosed) {
				return
			}
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestSilentDropShowsOffline is the drop as found: the phone kept showing
// "online" with "Sending…" stuck for 12 s and more while its network was
// silently gone. The page's heartbeat notices within seconds and says so,
// and when the network comes back it is online again.
func TestSilentDropShowsOffline(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	r := createRoom(t, s, "Wi-Fi", false)
	proxy := newFreezer(t, s.addr)
	p := openPage(t, "phone", proxy.URL()+"/r/"+r.Code, phone())
	p.waitVisible(tid("room-title"))
	if eval[bool](p, visibleJS(tid("offline-banner"))) {
		t.Fatal("offline before the drop")
	}

	proxy.setFrozen(true)
	dropped := time.Now()
	p.waitForWithin(15*time.Second, "the offline banner after a silent drop", visibleJS(tid("offline-banner")))
	if took := time.Since(dropped); took > 12*time.Second {
		t.Fatalf("the drop showed after %v, want within seconds", took)
	}

	proxy.setFrozen(false)
	p.waitForWithin(30*time.Second, "back online", `!(`+visibleJS(tid("offline-banner"))+`)`)
}
