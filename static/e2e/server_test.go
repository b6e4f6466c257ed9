package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serverWait bounds the wait for the server to serve after a start.
const serverWait = 20 * time.Second

// serverArgs are the flags every test server gets: generous per-participant
// limits, because one browser page here plays a whole audience, and no
// per-address post limit, because the whole audience posts from 127.0.0.1.
var serverArgs = []string{
	"-log-level", "info",
	"-ask-rate", "100", "-ask-burst", "100",
	"-room-ask-rate", "1000", "-room-ask-burst", "1000",
	"-comment-rate", "100", "-comment-burst", "100",
	"-address-post-rate", "-1",
	"-secret", "x7EJ9laGNUwylAyOP2DyVpG5RQ19AYJf4fTseDprR8c=",
}

// server is one hubbub process on a fixed 127.0.0.1 port; Restart kills it
// and starts it again on the same port, so pages reconnect to the same
// address.
type server struct {
	t    *testing.T
	args []string
	addr string // 127.0.0.1:PORT
	// URL is http://127.0.0.1:PORT.
	URL string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited and its output is read
	log  lockedBuffer
}

// startServer starts hubbub on a free port with serverArgs plus extra and
// waits until it answers /healthz. Its rooms are kept in a data directory
// of the test's own, kept across restarts of s (extra's -data overrides it). The process is stopped at t's cleanup;
// its log is printed when the test failed.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	s := &server{t: t, args: append(append([]string{"-data", t.TempDir()}, serverArgs...), extra...)}
	t.Cleanup(func() {
		s.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.tail(6000))
		}
	})
	var err error
	for range 5 { // a free port can be taken before the server binds it
		var port int
		if port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		s.addr = "127.0.0.1:" + strconv.Itoa(port)
		s.URL = "http://" + s.addr
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("starting hubbub: %v\n%s", err, s.log.tail(4000))
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the binary on s.addr and waits for /healthz.
func (s *server) start() error {
	cmd := exec.Command(hubbubBin, append([]string{"-addr", s.addr}, s.args...)...)
	cmd.Stdout = &s.log
	out, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(&s.log, out)
		_ = cmd.Wait()
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(serverWait)
	client := &http.Client{Timeout: time.Second, Transport: apiClient.Transport}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("hubbub exited at start: %v", cmd.ProcessState)
		default:
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop(syscall.SIGKILL)
	return fmt.Errorf("hubbub did not serve %s within %v", s.addr, serverWait)
}

// stop signals the process and waits for it (SIGKILL after 15 s).
func (s *server) stop(sig syscall.Signal) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Terminate stops the process gracefully (SIGTERM: clients are closed with
// 1012, "restarting") and waits for it.
func (s *server) Terminate() { s.stop(syscall.SIGTERM) }

// Kill ends the process with SIGKILL (no goodbye to its clients: their
// sockets just drop) and waits for it.
func (s *server) Kill() { s.stop(syscall.SIGKILL) }

// Start starts the process again on the same port, after Kill or Terminate.
func (s *server) Start() {
	s.t.Helper()
	var err error
	// The port is ours again once the killed process is gone; retry
	// briefly in case the kernel has not released it yet.
	for range 20 {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("restarting hubbub on %s: %v\n%s", s.addr, err, s.log.tail(4000))
}

// lockedBuffer is a bytes.Buffer safe for the process's output copier and
// the test reading it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// tail is the last n bytes written.
func (b *lockedBuffer) tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
