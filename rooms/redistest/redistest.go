// Package redistest starts a real redis-server for a test.
//
//	srv := redistest.Start(t, redistest.AOF())
//	rdb := srv.Client(t)
//
// Each server listens on a free port of 127.0.0.1, keeps its files in a
// t.TempDir() and is stopped (and waited for) by t.Cleanup. Restart starts it
// again on the same port and directory, so with AOF the data survives.
//
// Tests never skip for want of redis-server: they fail, saying how to install
// it (make deps does).
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Option configures a server.
type Option func(*config)

type config struct {
	aof  bool
	args []string
}

// AOF turns on the append-only file with appendfsync always, so that every
// acknowledged write survives Stop, Kill and Restart.
func AOF() Option { return func(c *config) { c.aof = true } }

// Args adds redis-server command-line arguments, e.g. Args("--maxmemory", "10mb").
func Args(args ...string) Option { return func(c *config) { c.args = append(c.args, args...) } }

// startTimeout bounds the wait for a server to answer PING.
const startTimeout = 10 * time.Second

// Server is a redis-server child process.
type Server struct {
	t    testing.TB
	bin  string
	cfg  config
	dir  string
	log  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start starts a redis-server for t and registers its cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redistest: redis-server is not on PATH: install redis-server (make deps does)")
		}
		t.Fatal("redistest: redis-server is not on PATH: install redis-server (make deps does, or: sudo apt-get install redis-server)")
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	for _, o := range opts {
		o(&s.cfg)
	}
	s.log = filepath.Join(t.TempDir(), "redis.log")
	t.Cleanup(s.Stop)
	// A free port can be taken between choosing it and redis binding it:
	// try a few.
	var lastErr error
	for range 5 {
		s.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", lastErr)
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

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is redis://127.0.0.1:PORT/0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Dir is the server's working directory (where the AOF lives).
func (s *Server) Dir() string { return s.dir }

// Client returns a client of the server with short timeouts that honours
// contexts' deadlines, closed at t's cleanup.
func (s *Server) Client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{
		Addr:         s.Addr(),
		DialTimeout:  2 * time.Second,
		ReadTimeout:  3 * time.Second,
		WriteTimeout: 3 * time.Second,
		// Deadlines of contexts bound reads and writes too.
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Start starts the server again (after Stop or Kill) on the same port and
// directory; it does nothing when the server runs.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: %v", err)
	}
}

// Restart stops the server gracefully and starts it again.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--dir", s.dir,
		"--daemonize", "no",
		"--logfile", "",
	}
	if s.cfg.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	args = append(args, s.cfg.args...)
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()

	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(s.Addr()); err == nil {
			break
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited at start:\n%s", s.port, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer PING within %v:\n%s", s.port, startTimeout, s.logTail())
		}
	}
	s.cmd, s.done = cmd, done
	return nil
}

// ping sends PING on a fresh connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return errors.New("unexpected reply " + strings.TrimSpace(line))
	}
	return nil
}

// Stop shuts the server down gracefully (SIGTERM: redis flushes its AOF and
// exits) and waits for it; after 10s it kills it. It does nothing when the
// server is not running.
func (s *Server) Stop() { s.stop(syscall.SIGTERM) }

// Kill kills the server with SIGKILL and waits for it.
func (s *Server) Kill() { s.stop(syscall.SIGKILL) }

// Pause freezes the server (SIGSTOP): it keeps its connections but answers
// nothing, like a hung or partitioned Redis. Resume undoes it; Stop and the
// cleanup resume a paused server first.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

func (s *Server) stop(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // in case it is paused
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd, s.done = nil, nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
