package roomlog

import (
	"bytes"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hubbubhq/hubbub/rooms"
)

// TestDiskAppendLeavesTheSnapshotAlone: an append to a room with a 1 MiB
// snapshot writes a few pages, not the snapshot again. Before the snapshot
// had a bucket of its own, every append copied and wrote it whole: the
// embedded server's CPU went to bbolt under a busy room of real size.
func TestDiskAppendLeavesTheSnapshotAlone(t *testing.T) {
	d, e := openDiskRoom(t, "LAYOUT")
	const size = 1 << 20
	if ok, err := d.SaveSnapshot(ctx, "LAYOUT", rooms.Snapshot{Pos: e.Pos, Epoch: e.Epoch, Rules: 1, Data: bytes.Repeat([]byte("q"), size)}); err != nil || !ok {
		t.Fatalf("snapshot saved %v: %v", ok, err)
	}
	before := d.db.Stats().TxStats
	const appends = 10
	for range appends {
		if _, err := d.Append(ctx, "LAYOUT", 1, []byte("a comment"), 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	after := d.db.Stats().TxStats
	allocated := after.GetPageAlloc() - before.GetPageAlloc()
	if allocated > appends*64<<10 {
		t.Fatalf("%d appends beside a %d-byte snapshot allocated %d bytes of pages: the snapshot is written again by every append", appends, size, allocated)
	}
	snap, ok, err := d.Snapshot(ctx, "LAYOUT")
	if err != nil || !ok || len(snap.Data) != size || snap.Pos != e.Pos {
		t.Fatalf("snapshot after the appends: ok %v, pos %d, %d bytes, err %v", ok, snap.Pos, len(snap.Data), err)
	}
}

// TestDiskReadsTheOldSnapshotLayout: a file written when the snapshot was
// a key of the room's bucket itself still gives that snapshot, and the next
// snapshot moves it to its bucket, leaving no copy behind.
func TestDiskReadsTheOldSnapshotLayout(t *testing.T) {
	d, e := openDiskRoom(t, "OLDLAY")
	old := rooms.Snapshot{Pos: e.Pos, Epoch: e.Epoch, Rules: 1, Data: []byte("the old layout's snapshot")}
	if err := d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(roomBucket("OLDLAY")).Put(keySnap, encodeRecord(old.Pos, old.Epoch, old.Rules, old.Data))
	}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := d.Snapshot(ctx, "OLDLAY")
	if err != nil || !ok || got.Pos != old.Pos || string(got.Data) != string(old.Data) {
		t.Fatalf("old layout's snapshot read as ok %v, %+v, err %v; want %+v", ok, got, err, old)
	}
	next, err := d.Append(ctx, "OLDLAY", 1, []byte("a comment"), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	newer := rooms.Snapshot{Pos: next.Pos, Epoch: next.Epoch, Rules: 1, Data: []byte("the next snapshot")}
	if ok, err := d.SaveSnapshot(ctx, "OLDLAY", newer); err != nil || !ok {
		t.Fatalf("next snapshot saved %v: %v", ok, err)
	}
	got, ok, err = d.Snapshot(ctx, "OLDLAY")
	if err != nil || !ok || got.Pos != newer.Pos || string(got.Data) != string(newer.Data) {
		t.Fatalf("after the next snapshot: ok %v, %+v, err %v; want %+v", ok, got, err, newer)
	}
	if err := d.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(roomBucket("OLDLAY")).Get(keySnap); v != nil {
			t.Errorf("the old layout's snapshot is still in the room's bucket: %q", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// openDiskRoom opens a Disk log in a fresh directory, closed when the test
// ends, and creates the room code in it, returning the log and the room's
// first entry.
func openDiskRoom(t *testing.T, code string) (*Disk, rooms.Entry) {
	t.Helper()
	d, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	e, err := d.Create(ctx, code, 1, []byte("created"))
	if err != nil {
		t.Fatal(err)
	}
	return d, e
}
