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
