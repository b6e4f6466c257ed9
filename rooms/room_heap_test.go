package rooms

import (
	"context"
	"runtime"
	"testing"

	"go.uber.org/zap"
)

// BenchmarkEmptyRoomHeap reports the heap one empty room holds in the
// log store on a memory log (B/room): what a script creating rooms costs the server.
func BenchmarkEmptyRoomHeap(b *testing.B) {
	const n = 1000
	svc := NewService(newTestStore(nil, Config{}), nil, Config{}, zap.NewNop(), nil)
	ctx := context.Background()
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			if _, err := svc.CreateRoom(ctx, "empty", false); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/room")
}
