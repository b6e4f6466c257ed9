package hub

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

func TestFrameCut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		limit int
		want  int
	}{
		{"fits", "aa\nbb", 10, 5},
		{"exactly", "aa\nbb", 5, 5},
		{"cut at last boundary", "aa\nbb\ncc", 6, 5},
		{"boundary at limit", "aa\nbb\ncc", 5, 5},
		{"first event too big", "aaaaaa\nb", 3, 6},
		{"single event too big", "aaaaaa", 3, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := frameCut([]byte(tc.in), tc.limit); got != tc.want {
				t.Fatalf("frameCut(%q, %d) = %d, want %d", tc.in, tc.limit, got, tc.want)
			}
		})
	}
}

// TestWriteFramesSplitsAtEventBoundaries checks that a large flush becomes
// several frames, none over MaxFrameBytes, that together carry every event.
func TestWriteFramesSplitsAtEventBoundaries(t *testing.T) {
	h := New(Config{}, nil, NewMemoryBroker(), nil, nil)
	fc := &recordingConn{}
	c := newClient(h, fc, "127.0.0.1")
	var events []string
	for i := 0; i < 1000; i++ {
		events = append(events, `{"type":"comment","text":"`+strings.Repeat("x", 200)+`"}`)
	}
	if err := c.writeFrames([]byte(strings.Join(events, "\n"))); err != nil {
		t.Fatal(err)
	}
	if len(fc.frames) < 3 {
		t.Fatalf("%d frames for %d KiB, want several", len(fc.frames), 1000*220/1024)
	}
	var got []string
	for _, f := range fc.frames {
		if len(f) > MaxFrameBytes {
			t.Fatalf("frame of %d bytes > %d", len(f), MaxFrameBytes)
		}
		if bytes.HasPrefix(f, []byte("\n")) || bytes.HasSuffix(f, []byte("\n")) {
			t.Fatal("frame starts or ends with a newline")
		}
		got = append(got, strings.Split(string(f), "\n")...)
	}
	if strings.Join(got, "\n") != strings.Join(events, "\n") {
		t.Fatal("frames do not carry exactly the events in order")
	}
}

// recordingConn keeps a copy of every frame written to it.
type recordingConn struct {
	benchConn
	frames [][]byte
}

func (c *recordingConn) Write(_ context.Context, _ websocket.MessageType, p []byte) error {
	c.frames = append(c.frames, bytes.Clone(p))
	return nil
}
