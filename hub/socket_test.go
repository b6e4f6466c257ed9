package hub

import (
	"bytes"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestSocketKeepsLibraryFramesWhole: while a frame of the library is half
// written, a data write does not go in between; it goes after the frame.
// Once the library has written close, data writes fail.
func TestSocketKeepsLibraryFramesWhole(t *testing.T) {
	srv, cli := tcpPair(t)
	s := newSocket(srv)
	if s.raw == nil {
		t.Fatal("a TCP connection has no raw file descriptor")
	}
	w := newRawWrite()
	pong := append([]byte{0x80 | 0xA, 5}, "hello"...)
	// The library's bufio.Writer may hand a frame over in pieces.
	if _, err := s.Write(pong[:3]); err != nil {
		t.Fatal(err)
	}
	data, _ := appendDataFrames(nil, []byte(`{"type":"comment"}`))
	if n, err := s.tryWrite(data, w); n != 0 || !errors.Is(err, errSocketBusy) {
		t.Fatalf("data write in the middle of a pong: %d bytes, %v; want 0, busy", n, err)
	}
	done := make(chan error, 1)
	go func() { done <- s.finishWrite(data, false) }() // the client's slow path waits for the frame
	time.Sleep(20 * time.Millisecond)
	if _, err := s.Write(pong[3:]); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	closeFrame := []byte{0x80 | opClose, 2, 0x03, 0xe8}
	if _, err := s.Write(closeFrame); err != nil {
		t.Fatal(err)
	}
	if _, err := s.tryWrite(data, w); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("data write after close: %v, want net.ErrClosed", err)
	}
	if err := s.finishWrite(data, false); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("slow data write after close: %v, want net.ErrClosed", err)
	}
	want := append(append(append([]byte(nil), pong...), data...), closeFrame...)
	got := make([]byte, len(want))
	_ = cli.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := readFull(cli, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("on the wire % x\nwant % x", got, want)
	}
}

// TestSocketWriteAfterConnClosed: once the connection is closed (as the
// library closes a dead client's), a data write fails with net.ErrClosed,
// leaves the socket unlocked and writes nothing anywhere, not even to a
// connection opened since, which the kernel may give the same descriptor
// number.
func TestSocketWriteAfterConnClosed(t *testing.T) {
	srv, _ := tcpPair(t)
	s := newSocket(srv)
	w := newRawWrite()
	data, _ := appendDataFrames(nil, []byte(`{"type":"comment"}`))
	if n, err := s.tryWrite(data, w); err != nil || n != len(data) {
		t.Fatalf("write to an open socket: %d of %d, %v", n, len(data), err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	_, newcomer := tcpPair(t)
	if n, err := s.tryWrite(data, w); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close: %d bytes, %v; want 0, net.ErrClosed", n, err)
	}
	if !s.mu.TryLock() {
		t.Fatal("the socket is still held after a failed write")
	}
	s.mu.Unlock()
	_ = newcomer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := newcomer.Read(make([]byte, 64)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection opened after the close received %d bytes (%v)", n, err)
	}
}

// TestSocketPartialWrite: a socket whose peer does not read takes part of
// a large flush; tryWrite keeps it locked, and finishWrite writes the rest
// once the peer reads, with nothing in between.
func TestSocketPartialWrite(t *testing.T) {
	srv, cli := tcpPair(t)
	s := newSocket(srv)
	w := newRawWrite()
	payload := bytes.Repeat([]byte("x"), 60<<10)
	var wire []byte
	for range 200 { // 12 MB: more than both kernel buffers hold
		wire, _ = appendDataFrames(wire, payload)
	}
	n, err := s.tryWrite(wire, w)
	if err != nil || n == 0 || n >= len(wire) {
		t.Fatalf("tryWrite to a peer that does not read: %d of %d, %v; want a part", n, len(wire), err)
	}
	if s.mu.TryLock() {
		t.Fatal("the socket is not held after a partial write")
	}
	done := make(chan error, 1)
	go func() { done <- s.finishWrite(wire[n:], true) }()
	got := make([]byte, len(wire))
	_ = cli.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := readFull(cli, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wire) {
		t.Fatal("the bytes received are not the flush")
	}
}

func TestFrameSize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		head int
	}{{0, 2}, {125, 2}, {126, 4}, {0xffff, 4}, {0x10000, 10}} {
		f := appendFrameHeader(nil, tc.n)
		if len(f) != tc.head {
			t.Errorf("header of %d bytes is %d long, want %d", tc.n, len(f), tc.head)
		}
		if got := frameSize(f); got != tc.head+tc.n {
			t.Errorf("frameSize of a %d-byte frame = %d", tc.n, got)
		}
		payload, complete := unmaskedFrame(append(f, make([]byte, tc.n)...))
		if !complete || len(payload) != tc.n {
			t.Errorf("frame of %d bytes parses as %d, complete %v", tc.n, len(payload), complete)
		}
	}
}

// TestAppendDataFramesCutsLikeWriteFrames: the frames the hub builds carry
// the same payloads as those written through the library.
func TestAppendDataFramesCutsLikeWriteFrames(t *testing.T) {
	var events [][]byte
	for i := range 700 {
		events = append(events, bytes.Repeat([]byte{'a' + byte(i%26)}, 50+i%300))
	}
	b := bytes.Join(events, []byte("\n"))
	wire, frames := appendDataFrames(nil, b)
	var got [][]byte
	for len(wire) > 0 {
		if wire[0] != 0x81 {
			t.Fatalf("frame starts with %#x, want FIN text", wire[0])
		}
		p, complete := unmaskedFrame(wire)
		if !complete || len(p) > MaxFrameBytes {
			t.Fatalf("bad frame: complete %v, %d bytes", complete, len(p))
		}
		got = append(got, bytes.Split(p, []byte("\n"))...)
		wire = wire[frameSize(wire):]
		frames--
	}
	if frames != 0 || !bytes.Equal(bytes.Join(got, []byte("\n")), b) {
		t.Fatal("frames do not carry exactly the events in order")
	}
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := c.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestSocketUnderConnLimit: the server's listener wraps each connection to
// count it per address; the hub's writers still reach its file descriptor
// (without it every flush would take the slow path).
func TestSocketUnderConnLimit(t *testing.T) {
	srv, _ := tcpPair(t)
	if s := newSocket(&limitedConn{Conn: srv, release: func() {}}); s.raw == nil {
		t.Fatal("no file descriptor under the listener's limitedConn")
	}
	if s := newSocket(struct{ net.Conn }{srv}); s.raw != nil {
		t.Fatal("an unknown wrapper was bypassed")
	}
}
