package roomlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
)

// logs returns a fresh log of each kind, by name, closed at the test's end.
func logs(t *testing.T) map[string]func(t *testing.T) rooms.Log {
	return map[string]func(t *testing.T) rooms.Log{
		"memory": func(t *testing.T) rooms.Log { return rooms.NewMemoryLog() },
		"disk": func(t *testing.T) rooms.Log {
			d, err := OpenDisk(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = d.Close() })
			return d
		},
		"redis": func(t *testing.T) rooms.Log {
			return NewRedis(redistest.Start(t).Client(t), RedisOptions{})
		},
	}
}

// TestConformance runs the one suite every rooms.Log passes.
func TestConformance(t *testing.T) {
	for name, open := range logs(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			log := open(t)
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) { c.run(t, log, c.name) })
			}
		})
	}
}

var conformance = []struct {
	name string
	run  func(t *testing.T, log rooms.Log, room string)
}{
	{"create", testCreate},
	{"no room", testNoRoom},
	{"append and read", testAppendRead},
	{"concurrent appends", testConcurrentAppends},
	{"snapshots", testSnapshots},
	{"trim", testTrim},
	{"epoch", testEpoch},
	{"delete", testDelete},
	{"binary data", testBinaryData},
}

var ctx = context.Background()

func mustAppend(t *testing.T, log rooms.Log, room string, data string) rooms.Entry {
	t.Helper()
	e, err := log.Append(ctx, room, rooms.RulesVersion, []byte(data), 0, 0)
	if err != nil {
		t.Fatalf("append %q: %v", data, err)
	}
	return e
}

func mustRead(t *testing.T, log rooms.Log, room string, after uint64, max int) []rooms.Entry {
	t.Helper()
	es, err := log.Read(ctx, room, after, max)
	if err != nil {
		t.Fatalf("read after %d: %v", after, err)
	}
	return es
}

func testCreate(t *testing.T, log rooms.Log, room string) {
	before := time.Now().UnixMilli()
	e, err := log.Create(ctx, room, 7, []byte("created"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Pos != 1 || e.Epoch == 0 || e.Epoch >= 1<<53 || e.Rules != 7 || string(e.Data) != "created" {
		t.Fatalf("first entry %+v", e)
	}
	if e.Time < before-1000 || e.Time > time.Now().UnixMilli()+1000 {
		t.Fatalf("entry time %d is not now (%d)", e.Time, before)
	}
	if _, err := log.Create(ctx, room, 7, []byte("again")); !errors.Is(err, rooms.ErrRoomExists) {
		t.Fatalf("creating %s twice: %v, want ErrRoomExists", room, err)
	}
	if es := mustRead(t, log, room, 0, 10); len(es) != 1 || string(es[0].Data) != "created" {
		t.Fatalf("log after a refused create: %+v", es)
	}
}

func testNoRoom(t *testing.T, log rooms.Log, room string) {
	if _, err := log.Append(ctx, room, 1, []byte("x"), 0, 0); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Errorf("append: %v", err)
	}
	if _, err := log.Read(ctx, room, 0, 10); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Errorf("read: %v", err)
	}
	if _, _, err := log.Snapshot(ctx, room); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Errorf("snapshot: %v", err)
	}
	if _, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 1, Epoch: 1}); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Errorf("save snapshot: %v", err)
	}
	if err := log.Trim(ctx, room, 1); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Errorf("trim: %v", err)
	}
	if err := log.Delete(ctx, room); err != nil {
		t.Errorf("delete: %v", err)
	}
}

func testAppendRead(t *testing.T, log rooms.Log, room string) {
	first, err := log.Create(ctx, room, 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	prev := first
	for i := 1; i < 10; i++ {
		e := mustAppend(t, log, room, fmt.Sprint(i))
		if e.Pos != prev.Pos+1 || e.Epoch != first.Epoch || e.Time < prev.Time || string(e.Data) != fmt.Sprint(i) {
			t.Fatalf("entry %d %+v after %+v", i, e, prev)
		}
		prev = e
	}
	all := mustRead(t, log, room, 0, 100)
	if len(all) != 10 {
		t.Fatalf("read %d entries, want 10", len(all))
	}
	for i, e := range all {
		if e.Pos != uint64(i+1) || string(e.Data) != fmt.Sprint(i) || e.Epoch != first.Epoch || e.Rules == 0 {
			t.Fatalf("entry %d read as %+v", i, e)
		}
	}
	if es := mustRead(t, log, room, 3, 2); len(es) != 2 || es[0].Pos != 4 || es[1].Pos != 5 {
		t.Fatalf("read 2 after 3: %+v", es)
	}
	if es := mustRead(t, log, room, 10, 5); len(es) != 0 {
		t.Fatalf("read after the end: %+v", es)
	}
	if es := mustRead(t, log, room, 50, 5); len(es) != 0 {
		t.Fatalf("read far after the end: %+v", es)
	}
	other := room + "-other"
	if _, err := log.Create(ctx, other, 1, []byte("o")); err != nil {
		t.Fatal(err)
	}
	if es := mustRead(t, log, other, 0, 100); len(es) != 1 || es[0].Pos != 1 {
		t.Fatalf("another room's log: %+v", es)
	}
}

func testConcurrentAppends(t *testing.T, log rooms.Log, room string) {
	if _, err := log.Create(ctx, room, 1, []byte("start")); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 50
	got := make(map[uint64]string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				data := fmt.Sprintf("w%d-%d", w, i)
				e, err := log.Append(ctx, room, 1, []byte(data), 0, 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if was, dup := got[e.Pos]; dup {
					t.Errorf("position %d given to %q and %q", e.Pos, was, data)
				}
				got[e.Pos] = data
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	all := mustRead(t, log, room, 1, 1000)
	if len(all) != writers*each {
		t.Fatalf("read %d entries, want %d", len(all), writers*each)
	}
	for i, e := range all {
		if e.Pos != uint64(i+2) || got[e.Pos] != string(e.Data) {
			t.Fatalf("entry at %d: %+v, acked as %q", i+2, e, got[e.Pos])
		}
	}
}

func testSnapshots(t *testing.T, log rooms.Log, room string) {
	first, err := log.Create(ctx, room, 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 6; i++ {
		mustAppend(t, log, room, fmt.Sprint(i))
	}
	if _, ok, err := log.Snapshot(ctx, room); err != nil || ok {
		t.Fatalf("snapshot of a new room: ok %v, %v", ok, err)
	}
	ep := first.Epoch
	steps := []struct {
		snap rooms.Snapshot
		want bool
	}{
		{rooms.Snapshot{Pos: 3, Epoch: ep, Rules: 1, Data: []byte("s3")}, true},
		{rooms.Snapshot{Pos: 2, Epoch: ep, Rules: 1, Data: []byte("s2")}, false},
		{rooms.Snapshot{Pos: 3, Epoch: ep, Rules: 1, Data: []byte("s3 again")}, false},
		{rooms.Snapshot{Pos: 7, Epoch: ep, Rules: 1, Data: []byte("past the log")}, false},
		{rooms.Snapshot{Pos: 0, Epoch: ep, Rules: 1, Data: []byte("nothing")}, false},
		{rooms.Snapshot{Pos: 5, Epoch: ep, Rules: 2, Data: []byte("s5")}, true},
	}
	for _, s := range steps {
		saved, err := log.SaveSnapshot(ctx, room, s.snap)
		if err != nil || saved != s.want {
			t.Fatalf("save %+v: %v, %v; want %v", s.snap, saved, err, s.want)
		}
	}
	snap, ok, err := log.Snapshot(ctx, room)
	if err != nil || !ok || snap.Pos != 5 || snap.Epoch != ep || snap.Rules != 2 || string(snap.Data) != "s5" {
		t.Fatalf("kept snapshot %+v ok %v err %v", snap, ok, err)
	}
}

func testTrim(t *testing.T, log rooms.Log, room string) {
	first, err := log.Create(ctx, room, 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 10; i++ {
		mustAppend(t, log, room, fmt.Sprint(i))
	}
	if err := log.Trim(ctx, room, 5); err != nil {
		t.Fatal(err)
	}
	if es := mustRead(t, log, room, 0, 100); len(es) != 10 {
		t.Fatalf("trim without a snapshot dropped entries: %d left", len(es))
	}
	if _, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 6, Epoch: first.Epoch, Rules: 1, Data: []byte("s6")}); err != nil {
		t.Fatal(err)
	}
	if err := log.Trim(ctx, room, 4); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Read(ctx, room, 3, 10); !errors.Is(err, rooms.ErrLogTrimmed) {
		t.Fatalf("read after 3 with 1–4 trimmed: %v, want ErrLogTrimmed", err)
	}
	if es := mustRead(t, log, room, 4, 100); len(es) != 6 || es[0].Pos != 5 {
		t.Fatalf("read after 4: %+v", es)
	}
	if err := log.Trim(ctx, room, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Read(ctx, room, 5, 10); !errors.Is(err, rooms.ErrLogTrimmed) {
		t.Fatalf("read after 5 with 1–6 trimmed: %v, want ErrLogTrimmed", err)
	}
	es := mustRead(t, log, room, 6, 100)
	if len(es) != 4 || es[0].Pos != 7 || string(es[0].Data) != "6" {
		t.Fatalf("trim went past the snapshot: %+v", es)
	}
	if e := mustAppend(t, log, room, "10"); e.Pos != 11 {
		t.Fatalf("append after trims at %d, want 11", e.Pos)
	}
}

func testEpoch(t *testing.T, log rooms.Log, room string) {
	first, err := log.Create(ctx, room, 1, []byte("0"))
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, log, room, "1")
	// A caller of another epoch that knows more: not this log's history.
	if e, err := log.Append(ctx, room, 1, []byte("2"), first.Epoch+1, 50); err != nil || e.Epoch != first.Epoch || e.Pos != 3 {
		t.Fatalf("append from another epoch: %+v, %v", e, err)
	}
	// A caller that applied position 3 of this epoch: the log holds it.
	if e, err := log.Append(ctx, room, 1, []byte("3"), first.Epoch, 3); err != nil || e.Epoch != first.Epoch || e.Pos != 4 {
		t.Fatalf("append from a caller in step: %+v, %v", e, err)
	}
	// A caller that applied 9 of this epoch: the log lost entries.
	e, err := log.Append(ctx, room, 1, []byte("4"), first.Epoch, 9)
	if err != nil || e.Epoch <= first.Epoch || e.Epoch >= 1<<53 || e.Pos != 5 {
		t.Fatalf("append after the log went backwards: %+v, %v (first epoch %d)", e, err, first.Epoch)
	}
	if next := mustAppend(t, log, room, "5"); next.Epoch != e.Epoch || next.Pos != 6 {
		t.Fatalf("append in the new epoch: %+v", next)
	}
	es := mustRead(t, log, room, 0, 10)
	if len(es) != 6 || es[3].Epoch != first.Epoch || es[4].Epoch != e.Epoch {
		t.Fatalf("log across epochs: %+v", es)
	}
	// A snapshot of the new epoch replaces one of the old at a higher position.
	if _, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 4, Epoch: first.Epoch, Rules: 1}); err != nil {
		t.Fatal(err)
	}
	if saved, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 4, Epoch: e.Epoch, Rules: 1}); err != nil || !saved {
		t.Fatalf("snapshot of the new epoch refused: %v %v", saved, err)
	}
}

func testDelete(t *testing.T, log rooms.Log, room string) {
	if _, err := log.Create(ctx, room, 1, []byte("0")); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, log, room, "1")
	if _, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 2, Epoch: 1 << 52, Rules: 1}); err != nil {
		t.Fatal(err)
	}
	if err := log.Delete(ctx, room); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Read(ctx, room, 0, 10); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("read a deleted room: %v", err)
	}
	e, err := log.Create(ctx, room, 1, []byte("new"))
	if err != nil || e.Pos != 1 {
		t.Fatalf("create after delete: %+v, %v", e, err)
	}
	if _, ok, err := log.Snapshot(ctx, room); err != nil || ok {
		t.Fatalf("a deleted room's snapshot came back: ok %v, %v", ok, err)
	}
}

func testBinaryData(t *testing.T, log rooms.Log, room string) {
	odd := []byte("a b\nc\x00d\xff \"}")
	if _, err := log.Create(ctx, room, 1, odd); err != nil {
		t.Fatal(err)
	}
	e := mustAppend(t, log, room, "")
	if es := mustRead(t, log, room, 0, 10); len(es) != 2 || !bytes.Equal(es[0].Data, odd) || len(es[1].Data) != 0 || es[1].Pos != e.Pos {
		t.Fatalf("binary entries read as %+v", es)
	}
	if _, err := log.SaveSnapshot(ctx, room, rooms.Snapshot{Pos: 1, Epoch: e.Epoch, Rules: 1, Data: odd}); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := log.Snapshot(ctx, room); err != nil || !ok || !bytes.Equal(s.Data, odd) {
		t.Fatalf("binary snapshot read as %+v ok %v err %v", s, ok, err)
	}
}
