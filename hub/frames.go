package hub

import "encoding/binary"

// The hub writes its data frames itself (the WebSocket library keeps the
// handshake, reading, control frames and close): a server's frames are not
// masked, and the hub never compresses, so a text frame is a header of 2 to
// 10 bytes and the payload as it is. Building them here costs an append
// per frame, where the library's Write takes its locks and resets its
// message writer for every frame.

// WebSocket opcodes (RFC 6455, section 5.2).
const (
	opText  = 0x1
	opClose = 0x8
)

// maxFrameHeader is the longest header of a server's frame.
const maxFrameHeader = 10

// appendFrameHeader appends the header of a final, unmasked text frame of
// n payload bytes.
func appendFrameHeader(dst []byte, n int) []byte {
	switch {
	case n <= 125:
		return append(dst, 0x80|opText, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, 0x80|opText, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 0x80|opText, 127), uint64(n))
	}
}

// frameHeaderLen is the length of the header of server frame f.
func frameHeaderLen(f []byte) int {
	switch f[1] & 0x7f {
	case 126:
		return 4
	case 127:
		return 10
	}
	return 2
}

// appendDataFrames appends pending events b (newline-separated) as text
// frames of at most MaxFrameBytes, cut at event boundaries as frameCut
// does, and returns dst and the number of frames.
func appendDataFrames(dst, b []byte) ([]byte, int) {
	frames := 0
	for len(b) > 0 {
		n := frameCut(b, MaxFrameBytes)
		dst = appendFrameHeader(dst, n)
		dst = append(dst, b[:n]...)
		frames++
		b = b[min(n+1, len(b)):] // skip the newline between frames
	}
	return dst, frames
}
