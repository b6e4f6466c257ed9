package rooms

import (
	"context"
	"strconv"
	"testing"
	"time"
)

type discard struct{}

func (discard) Publish(string, Event) {}

// BenchmarkAddComment measures the log store's durable write on a memory log: the
// comment, its seq, its encoded event in the log and the publish.
func BenchmarkAddComment(b *testing.B) {
	for _, withCID := range []bool{false, true} {
		name := "cid=none"
		if withCID {
			name = "cid=unique"
		}
		b.Run(name, func(b *testing.B) {
			s := NewLogStore(NewMemoryLog(), discard{}, LogStoreOptions{})
			ctx := context.Background()
			const code = "K7QX2M"
			if err := s.CreateRoom(ctx, RoomRecord{Room: NewRoom(code, "Bench", false, 1)}); err != nil {
				b.Fatal(err)
			}
			author := "Ada"
			c := Comment{Text: "What is the cost of one comment in the log store?", Author: &author, Participant: "p_0123456789abcdef", At: time.Now().UnixMilli()}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				cid := ""
				if withCID {
					cid = strconv.Itoa(i)
				}
				i++
				if _, _, err := s.AddComment(ctx, code, c, cid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeEvent measures encoding a comment event once, as the store
// does before the fan-out.
func BenchmarkEncodeEvent(b *testing.B) {
	author := "Ada Lovelace"
	c := Comment{ID: "c12345", Text: "What is the fan-out cost per subscriber, end to end? ✓", Author: &author, Participant: "p_0123456789abcdef", At: 1700000000000}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n += len(commentEvent(12345, c).Data)
	}
	b.SetBytes(int64(len(commentEvent(12345, c).Data)))
	_ = n
}

// BenchmarkReactionsEvent measures the coalesced reactions event.
func BenchmarkReactionsEvent(b *testing.B) {
	totals, delta := Reactions{1203, 17, 455, 3, 98}, Reactions{12, 0, 3}
	b.ReportAllocs()
	for b.Loop() {
		_ = ReactionsEvent(totals, delta)
	}
}
