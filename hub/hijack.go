package hub

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync"
)

// Buffer sizes handed to the WebSocket library at the upgrade, in place of
// net/http's 4 KiB reader and 4 KiB writer, which an idle connection would
// otherwise keep for its whole life.
const (
	// connReadBuffer holds client frames (commands are at most 4 KiB; a
	// larger read bypasses the buffer).
	connReadBuffer = 512
	// connWriteBuffer only stages frame headers and control frames: data
	// frames are collected by heldWriter in a pooled buffer.
	connWriteBuffer = 64
)

// hijacker wraps the ResponseWriter given to websocket.Accept so that the
// connection is built on small buffers and a heldWriter. After Accept it
// holds the raw connection and the writer.
type hijacker struct {
	http.ResponseWriter
	netConn net.Conn
	out     *heldWriter
}

// Hijack implements http.Hijacker.
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	netConn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Keep what the client sent after its request (it may be the hello) in
	// the new reader's buffer: the WebSocket library takes over exactly
	// what is buffered there.
	early, _ := brw.Reader.Peek(brw.Reader.Buffered())
	r := bufio.NewReaderSize(netConn, connReadBuffer)
	if len(early) > 0 {
		r = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), netConn), max(connReadBuffer, len(early)))
		if _, err := r.Peek(len(early)); err != nil {
			netConn.Close()
			return nil, nil, err
		}
	}
	h.netConn = netConn
	h.out = &heldWriter{conn: netConn}
	return netConn, bufio.NewReadWriter(r, bufio.NewWriterSize(h.out, connWriteBuffer)), nil
}

// WriteHeaderNow forwards to gin's writer, which the WebSocket library calls
// to send the 101 response before hijacking.
func (h *hijacker) WriteHeaderNow() {
	if w, ok := h.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		w.WriteHeaderNow()
	}
}

// heldWriter sits between the WebSocket library and the socket. While a
// client's writer holds it, whatever the library writes (frame headers and
// payloads, for every frame of one flush) collects in a pooled buffer and
// leaves in ONE system call at release; otherwise writes (control frames
// from other goroutines) go straight to the socket. An idle connection thus
// keeps no write buffer, and a flush costs one write however many frames
// it has.
type heldWriter struct {
	conn net.Conn

	mu   sync.Mutex
	held bool
	buf  *frameBuf
}

// Write implements io.Writer.
func (w *heldWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.held {
		if w.buf == nil {
			w.buf = getFrameBuf()
		}
		w.buf.b = append(w.buf.b, p...)
		w.mu.Unlock()
		return len(p), nil
	}
	w.mu.Unlock()
	return w.conn.Write(p)
}

// hold starts collecting writes.
func (w *heldWriter) hold() {
	w.mu.Lock()
	w.held = true
	w.mu.Unlock()
}

// release stops collecting and writes what was collected. The socket write
// happens outside the mutex, so a close frame written meanwhile by another
// goroutine is not stuck behind a peer that stopped reading.
func (w *heldWriter) release() error {
	w.mu.Lock()
	buf := w.buf
	w.buf, w.held = nil, false
	w.mu.Unlock()
	if buf == nil {
		return nil
	}
	_, err := w.conn.Write(buf.b)
	putFrameBuf(buf)
	return err
}
