package hub

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Environment of the idle-connection measurement.
const (
	// envIdleConns sets how many connections BenchmarkIdleConnections opens
	// (default 10,000).
	envIdleConns = "HUBBUB_IDLE_CONNS"
	// envIdleProfile, when set, is a file the heap profile is written to
	// while the connections are open.
	envIdleProfile = "HUBBUB_IDLE_PPROF"
	// envFleet* tell the child process (TestIdleFleet) what to open.
	envFleetAddr = "HUBBUB_IDLE_FLEET_ADDR"
	envFleetN    = "HUBBUB_IDLE_FLEET_N"
	envFleetRoom = "HUBBUB_IDLE_FLEET_ROOM"
)

// BenchmarkIdleConnections measures the server's memory per idle
// connection: HeapInuse + StackInuse after GC, with N real WebSocket
// connections that have joined one room and gone quiet, minus the same
// before, divided by N. The clients live in a child process (this test
// binary running TestIdleFleet) so that neither their memory nor their file
// descriptors count against the server: 10,000 connections need 10,000
// descriptors on each side. Each client is a raw TCP socket that did the
// HTTP upgrade by hand, sent a masked hello and read the welcome; it has no
// goroutine. Target: at most 24 KiB per connection.
func BenchmarkIdleConnections(b *testing.B) {
	n := 10000
	if s := os.Getenv(envIdleConns); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("%s=%q: want a positive number", envIdleConns, s)
		}
		n = v
	}
	var perConn, heap, stack, goroutines float64
	for range b.N {
		m := measureIdle(b, n)
		perConn += m.perConn
		heap += m.heap
		stack += m.stack
		goroutines += m.goroutines
	}
	N := float64(b.N)
	b.ReportMetric(perConn/N/1024, "KiB/conn")
	b.ReportMetric(heap/N/1024, "heap-KiB/conn")
	b.ReportMetric(stack/N/1024, "stack-KiB/conn")
	b.ReportMetric(goroutines/N, "goroutines/conn")
	b.Logf("idle connections: %d; %.2f KiB per connection (heap %.2f KiB + stacks %.2f KiB), %.2f goroutines per connection",
		n, perConn/N/1024, heap/N/1024, stack/N/1024, goroutines/N)
}

type idleMeasure struct{ perConn, heap, stack, goroutines float64 }

func measureIdle(b *testing.B, n int) idleMeasure {
	b.Helper()
	b.StopTimer() // only the fleet's connecting is timed
	log := zap.NewNop()
	reg := prometheus.NewRegistry()
	broker := NewMemoryBroker()
	store := rooms.NewLogStore(rooms.NewMemoryLog(), broker, rooms.LogStoreOptions{})
	svc := rooms.NewService(store, broker, rooms.Config{Secret: []byte("bench")}, log, reg)
	h := New(Config{MaxConnsPerIP: n + 1, MaxConns: n + 1}, svc, broker, log, reg)
	srv := httptest.NewServer(NewRouter(h, reg, fstest.MapFS{}))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.Run(ctx) })
	wg.Go(func() { h.Run(ctx) })
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		if err := h.Shutdown(sctx); err != nil {
			b.Errorf("hub shutdown: %v", err)
		}
		cancel()
		wg.Wait()
		srv.Close()
	}()
	created, err := svc.CreateRoom(ctx, "Idle", false)
	if err != nil {
		b.Fatal(err)
	}

	before, gBefore := settledMemory()
	b.StartTimer()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleFleet$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envFleetAddr+"="+srv.Listener.Addr().String(),
		envFleetN+"="+strconv.Itoa(n),
		envFleetRoom+"="+created.Code,
	)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close() // the fleet closes its sockets and exits
		if err := cmd.Wait(); err != nil {
			b.Errorf("client fleet: %v", err)
		}
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "fleet ready") {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("the client fleet exited before it was ready")
	}()
	if err := <-ready; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if got := h.localCount(created.Code); got != n {
		b.Fatalf("%d connections in the room, want %d", got, n)
	}
	// Let the last presence event go out and every writer finish.
	time.Sleep(presenceInterval + 4*DefaultFlushInterval)
	after, gAfter := settledMemory()
	if path := os.Getenv(envIdleProfile); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	heap := float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	stack := float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
	return idleMeasure{perConn: heap + stack, heap: heap, stack: stack, goroutines: float64(gAfter-gBefore) / float64(n)}
}

// settledMemory returns the memory statistics after garbage collection.
func settledMemory() (runtime.MemStats, int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m, runtime.NumGoroutine()
}

// TestIdleFleet is the client side of BenchmarkIdleConnections, run in a
// child process; it skips unless that benchmark started it. It opens the
// connections (raw TCP, source addresses spread over 127.0.0.2-254 so that
// ephemeral ports do not run short), prints "fleet ready", keeps them open
// without any goroutine until its stdin closes, then closes them.
func TestIdleFleet(t *testing.T) {
	addr := os.Getenv(envFleetAddr)
	if addr == "" {
		t.Skip("run by BenchmarkIdleConnections")
	}
	n, _ := strconv.Atoi(os.Getenv(envFleetN))
	room := os.Getenv(envFleetRoom)
	conns := make([]net.Conn, n)
	var next sync.WaitGroup
	errs := make(chan error, 1)
	work := make(chan int)
	for range 32 {
		next.Go(func() {
			for i := range work {
				c, err := dialIdle(addr, room, i)
				if err != nil {
					select {
					case errs <- fmt.Errorf("connection %d: %w", i, err):
					default:
					}
					continue
				}
				conns[i] = c
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	next.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	fmt.Println("fleet ready", n)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// dialIdle opens one WebSocket by hand: HTTP upgrade, masked hello, and
// the welcome frame read; what follows (the snapshot) stays unread.
func dialIdle(addr, room string, i int) (net.Conn, error) {
	return dialRaw(addr, room, fmt.Sprintf("idle %d", i), net.IPv4(127, 0, 0, byte(2+i%253)))
}

// dialIdleNamed is dialIdle from 127.0.0.1 with a given display name.
func dialIdleNamed(addr, room, name string) (net.Conn, error) {
	return dialRaw(addr, room, name, net.IPv4(127, 0, 0, 1))
}

// dialRaw upgrades a raw TCP connection by hand, sending the hello in the
// same write as the request, and reads up to the welcome.
func dialRaw(addr, room, name string, from net.IP) (net.Conn, error) {
	d := net.Dialer{
		Timeout:   10 * time.Second,
		LocalAddr: &net.TCPAddr{IP: from},
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.Close()
		}
	}()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + Subprotocol + "\r\n\r\n"
	hello := fmt.Appendf(nil, `{"type":"hello","room":%q,"name":%q}`, room, name)
	if _, err := c.Write(append([]byte(req), maskedTextFrame(hello)...)); err != nil {
		return nil, err
	}
	var buf []byte
	tmp := make([]byte, 4096)
	readMore := func() error {
		k, err := c.Read(tmp)
		buf = append(buf, tmp[:k]...)
		return err
	}
	for bytes.Index(buf, []byte("\r\n\r\n")) < 0 {
		if err := readMore(); err != nil {
			return nil, fmt.Errorf("upgrade: %w", err)
		}
	}
	end := bytes.Index(buf, []byte("\r\n\r\n")) + 4
	if !bytes.HasPrefix(buf, []byte("HTTP/1.1 101")) {
		return nil, fmt.Errorf("upgrade refused: %q", buf[:end])
	}
	buf = buf[end:]
	for {
		payload, complete := unmaskedFrame(buf)
		if complete {
			if !bytes.Contains(payload, []byte(`"type":"welcome"`)) {
				return nil, fmt.Errorf("first frame is not a welcome: %q", payload)
			}
			break
		}
		if err := readMore(); err != nil {
			return nil, fmt.Errorf("welcome: %w", err)
		}
	}
	_ = c.SetDeadline(time.Time{})
	ok = true
	return c, nil
}

// maskedTextFrame is a client text frame (FIN, masked) carrying p.
func maskedTextFrame(p []byte) []byte {
	f := []byte{0x81}
	switch {
	case len(p) < 126:
		f = append(f, 0x80|byte(len(p)))
	default:
		f = append(f, 0x80|126, byte(len(p)>>8), byte(len(p)))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, key[:]...)
	for i, c := range p {
		f = append(f, c^key[i%4])
	}
	return f
}

// unmaskedFrame parses the first server frame in b.
func unmaskedFrame(b []byte) (payload []byte, complete bool) {
	if len(b) < 2 {
		return nil, false
	}
	n, off := int(b[1]&0x7f), 2
	switch n {
	case 126:
		if len(b) < 4 {
			return nil, false
		}
		n, off = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return nil, false
		}
		n, off = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b) < off+n {
		return nil, false
	}
	return b[off : off+n], true
}
