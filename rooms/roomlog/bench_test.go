package roomlog

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// BenchmarkAppend measures one append of a 100-byte entry to each log, from
// one writer (every append waits for its own fsync on disk) and from 64
// concurrent writers over 8 rooms (group commit: appends share fsyncs).
// Redis runs with AOF and appendfsync always, as redistest.AOF starts it.
func BenchmarkAppend(b *testing.B) {
	data := make([]byte, 100)
	for name, open := range benchLogs(b) {
		for _, writers := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", name, writers), func(b *testing.B) {
				log := open(b)
				for r := range 8 {
					if _, err := log.Create(ctx, fmt.Sprint("bench", r), 1, data); err != nil {
						b.Fatal(err)
					}
				}
				var n atomic.Int64
				b.SetParallelism(max(1, writers/max(1, runtimeProcs())))
				b.ResetTimer()
				if writers == 1 {
					for b.Loop() {
						if _, err := log.Append(ctx, "bench0", 1, data, 0, 0); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					room := fmt.Sprint("bench", n.Add(1)%8)
					for pb.Next() {
						if _, err := log.Append(ctx, room, 1, data, 0, 0); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

func benchLogs(b *testing.B) map[string]func(b *testing.B) rooms.Log {
	return map[string]func(b *testing.B) rooms.Log{
		"memory": func(b *testing.B) rooms.Log { return rooms.NewMemoryLog() },
		"disk": func(b *testing.B) rooms.Log {
			d, err := OpenDisk(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = d.Close() })
			return d
		},
		"redis": func(b *testing.B) rooms.Log {
			return NewRedis(redistest.Start(b, redistest.AOF()).Client(b), RedisOptions{})
		},
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkAppendBesideSnapshot appends to a room whose snapshot is large
// (a room of hundreds of questions and thousands of comments), one writer:
// what an append costs must not grow with the snapshot kept beside it.
func BenchmarkAppendBesideSnapshot(b *testing.B) {
	data := make([]byte, 100)
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("disk/snapshot=%dKiB", size>>10), func(b *testing.B) {
			log := benchLogs(b)["disk"](b)
			if _, err := log.Create(ctx, "bench", 1, data); err != nil {
				b.Fatal(err)
			}
			e, err := log.Append(ctx, "bench", 1, data, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			snap := rooms.Snapshot{Pos: e.Pos, Epoch: e.Epoch, Rules: 1, Data: make([]byte, size)}
			if ok, err := log.SaveSnapshot(ctx, "bench", snap); err != nil || !ok {
				b.Fatalf("snapshot saved %v: %v", ok, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := log.Append(ctx, "bench", 1, data, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
