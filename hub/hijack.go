package hub

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes handed to the WebSocket library at the upgrade, in place of
// net/http's 4 KiB reader and 4 KiB writer, which an idle connection would
// otherwise keep for its whole life.
const (
	// connReadBuffer holds client frames (commands are at most 4 KiB; a
	// larger read bypasses the buffer).
	connReadBuffer = 512
	// connWriteBuffer stages the library's frames, which are only control
	// frames (the hub writes data frames itself, frames.go): the largest,
	// 2 header bytes and 125 of payload, fits, so each reaches the socket
	// in one write.
	connWriteBuffer = 128
)

// hijacker wraps the ResponseWriter given to websocket.Accept so that the
// connection is built on small buffers and writes through a socket shared
// with the hub's data frames (socket.go). After Accept it holds the raw
// connection and the socket.
type hijacker struct {
	http.ResponseWriter
	netConn net.Conn
	sock    *socket
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
	h.sock = newSocket(netConn)
	return netConn, bufio.NewReadWriter(r, bufio.NewWriterSize(h.sock, connWriteBuffer)), nil
}

// WriteHeaderNow forwards to gin's writer, which the WebSocket library calls
// to send the 101 response before hijacking.
func (h *hijacker) WriteHeaderNow() {
	if w, ok := h.ResponseWriter.(interface{ WriteHeaderNow() }); ok {
		w.WriteHeaderNow()
	}
}
