package roomlog

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
)

// crashChildEnv names the data directory when the test binary runs as the
// process that TestDiskKeepsAckedEntriesThroughKill kills.
const crashChildEnv = "HUBBUB_ROOMLOG_CRASH_DIR"

// crashChild appends from 8 goroutines until it is killed, printing
// "pos data" for every append once Append has returned.
func crashChild() {
	d, err := OpenDisk(os.Getenv(crashChildEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := d.Create(context.Background(), "crash", 1, []byte("start")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				data := fmt.Sprintf("g%d-%d", g, i)
				e, err := d.Append(context.Background(), "crash", 1, []byte(data), 0, 0)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				out.Lock()
				fmt.Fprintf(w, "%d %s\n", e.Pos, data)
				_ = w.Flush()
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestDiskKeepsAckedEntriesThroughKill kills -9 a process in the middle of
// a storm of appends and reopens its log: every append that returned is
// there, with its data, and the log takes appends again.
func TestDiskKeepsAckedEntriesThroughKill(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := make(map[uint64]string)
	lines := bufio.NewScanner(stdout)
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && lines.Scan() {
		pos, data, _ := strings.Cut(lines.Text(), " ")
		n, err := strconv.ParseUint(pos, 10, 64)
		if err != nil {
			t.Fatalf("child printed %q", lines.Text())
		}
		acked[n] = data
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d appends acked before the kill; child: %s", len(acked), stderr.String())
	}

	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	es, err := d.Read(context.Background(), "crash", 1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	kept := make(map[uint64]string, len(es))
	for i, e := range es {
		if e.Pos != uint64(i+2) {
			t.Fatalf("gap in the log after the kill: entry %d at %d", i, e.Pos)
		}
		kept[e.Pos] = string(e.Data)
	}
	for pos, data := range acked {
		if kept[pos] != data {
			t.Fatalf("acked entry %d %q is %q after the kill", pos, data, kept[pos])
		}
	}
	e, err := d.Append(context.Background(), "crash", 1, []byte("after"), 0, 0)
	if err != nil || e.Pos != uint64(len(es)+2) {
		t.Fatalf("append after the restart: %+v, %v (log held %d)", e, err, len(es)+1)
	}
	t.Logf("%d appends acked in 1 s before kill -9, %d kept", len(acked), len(es))
}

// TestDiskReopens: a closed log reopens with its rooms, entries, snapshot
// and epoch; while it is open, a second process cannot open it.
func TestDiskReopens(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := d.Create(context.Background(), "r", 1, []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SaveSnapshot(context.Background(), "r", rooms.Snapshot{Pos: 1, Epoch: first.Epoch, Rules: 1, Data: []byte("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenDisk(dir); err == nil {
		t.Fatal("a second open of a log in use succeeded")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Append(context.Background(), "r", 1, []byte("late"), 0, 0); err != ErrClosed {
		t.Fatalf("append after close: %v, want ErrClosed", err)
	}
	d, err = OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e, err := d.Append(context.Background(), "r", 1, []byte("b"), 0, 0)
	if err != nil || e.Pos != 2 || e.Epoch != first.Epoch {
		t.Fatalf("append after reopening: %+v, %v", e, err)
	}
	if s, ok, err := d.Snapshot(context.Background(), "r"); err != nil || !ok || string(s.Data) != "s" {
		t.Fatalf("snapshot after reopening: %+v %v %v", s, ok, err)
	}
}
