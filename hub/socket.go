package hub

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"syscall"
)

// socket is one connection's outgoing byte stream, shared by two writers:
// the WebSocket library, which after the handshake writes only control
// frames (ping, pong, close), and the client's flush, which writes the
// data frames the hub builds itself (frames.go).
//
// Contract:
//   - Frames never interleave. The mutex is held from the first byte of a
//     frame to its last: the library's frames may reach Write in pieces
//     (its bufio.Writer flushes when full), so Write reads each frame's
//     header and keeps the socket locked until the whole frame has passed.
//     A data write holds it for the whole flush.
//   - No data frame follows a close frame: once the library has written
//     close, data writes fail with net.ErrClosed.
//   - A data write never blocks a pool writer: tryWrite writes what the
//     kernel takes at once; when the socket is busy (locked, or its buffer
//     full) the rest is written by finishWrite, which may block, on a
//     goroutine of the client's own.
//
// It is safe for concurrent use.
type socket struct {
	conn net.Conn
	raw  syscall.RawConn // nil when conn is not a file descriptor: writes may block

	mu        sync.Mutex
	frameLeft int  // bytes still to come of the library's frame in progress (mu held meanwhile)
	closeSent bool // the library wrote a close frame
}

// rawWrite is a non-blocking write in progress: a writer goroutine keeps
// one and hands it to tryWrite, so a socket carries no scratch of its own
// and a write allocates nothing.
type rawWrite struct {
	out []byte
	n   int
	err error
	fn  func(fd uintptr) bool // do, bound once
}

func newRawWrite() *rawWrite {
	w := &rawWrite{}
	w.fn = w.do
	return w
}

// errSocketBusy reports that tryWrite wrote nothing because another frame
// is being written; the caller finishes with finishWrite.
var errSocketBusy = errors.New("socket busy")

// newSocket returns the socket of conn. Non-blocking writes go to the
// file descriptor of conn, or of the TCP connection under the listener's
// limitedConn; any other wrapper (TLS above all, whose bytes must not
// bypass it) leaves raw nil, and every flush then writes through conn on
// the client's own goroutine, as before the writer pool.
func newSocket(conn net.Conn) *socket {
	s := &socket{conn: conn}
	c := conn
	if lc, ok := c.(*limitedConn); ok {
		c = lc.Conn
	}
	if sc, ok := c.(*net.TCPConn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
		}
	}
	return s
}

// Write implements io.Writer for the WebSocket library (control frames,
// and the library's frames of any kind should it write others). It may
// block, like any socket write; the close watchdog bounds it.
func (s *socket) Write(p []byte) (int, error) {
	// frameLeft is read before taking mu: the library writes one frame at a
	// time under its own frame lock, so a Write finding it non-zero comes
	// from the goroutine that holds mu for the rest of its frame.
	if s.frameLeft == 0 {
		s.mu.Lock()
		s.frameLeft = frameSize(p)
		if len(p) > 0 && p[0]&0x0f == opClose {
			s.closeSent = true
		}
	}
	n, err := s.conn.Write(p)
	s.frameLeft -= len(p)
	if s.frameLeft <= 0 || err != nil {
		s.frameLeft = 0
		s.mu.Unlock()
	}
	return n, err
}

// tryWrite writes b, whole data frames, without blocking, using w. When
// all of b was written, or on an error, it returns with the socket
// unlocked. When it returns n < len(b) with err nil or errSocketBusy, the
// rest must be written with finishWrite (on a goroutine that may block);
// with err nil the socket stays locked until then, so nothing comes
// between the parts.
func (s *socket) tryWrite(b []byte, w *rawWrite) (n int, err error) {
	if s.raw == nil || !s.mu.TryLock() {
		return 0, errSocketBusy
	}
	if s.closeSent {
		s.mu.Unlock()
		return 0, net.ErrClosed
	}
	w.out, w.n, w.err = b, 0, nil
	if err := s.raw.Write(w.fn); err != nil {
		w.err = err
	}
	n, err = w.n, w.err
	w.out, w.err = nil, nil
	if err != nil || n == len(b) {
		s.mu.Unlock()
	}
	return n, err
}

// finishWrite writes rest, blocking until it is written or the socket
// fails. locked says whether the caller holds the socket (tryWrite wrote a
// part); otherwise finishWrite waits for it. It unlocks the socket.
func (s *socket) finishWrite(rest []byte, locked bool) error {
	if !locked {
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if s.closeSent {
		return net.ErrClosed
	}
	_, err := s.conn.Write(rest)
	return err
}

// do is the RawConn callback: it writes w.out until done, the kernel's
// buffer is full (EAGAIN) or an error, and never asks to wait.
func (w *rawWrite) do(fd uintptr) bool {
	for w.n < len(w.out) {
		n, err := syscall.Write(int(fd), w.out[w.n:])
		if n > 0 {
			w.n += n
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true
		case err != nil:
			w.err = err
			return true
		case n <= 0:
			return true
		}
	}
	return true
}

// frameSize is the size of the WebSocket frame starting at p, header
// included, from its header; len(p) when p does not hold a whole header
// (the library writes at least the header at once: its buffer is larger).
func frameSize(p []byte) int {
	if len(p) < 2 {
		return len(p)
	}
	hdr := 2
	if p[1]&0x80 != 0 {
		hdr += 4 // mask key (client frames only)
	}
	var payload uint64
	switch l := p[1] & 0x7f; l {
	case 126:
		if len(p) < 4 {
			return len(p)
		}
		payload, hdr = uint64(binary.BigEndian.Uint16(p[2:])), hdr+2
	case 127:
		if len(p) < 10 {
			return len(p)
		}
		payload, hdr = binary.BigEndian.Uint64(p[2:]), hdr+8
	default:
		payload = uint64(l)
	}
	if payload > 1<<40 {
		return len(p)
	}
	return hdr + int(payload)
}
