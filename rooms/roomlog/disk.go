package roomlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hubbubhq/hubbub/rooms"
)

// DiskFile is the name of the Disk log's file in its directory.
const DiskFile = "rooms.db"

// Disk is the rooms.Log of the embedded default: every room in one bbolt
// file (DiskFile in the data directory). A write returns once it is synced
// to disk; concurrent writes share a transaction and its fsync (committer),
// so a vote storm costs one fsync per group. Reads do not wait for writes.
//
// Layout: a bucket per room, named "room:" + code, holding the key "m"
// (meta: epoch, first kept position, last position, last time), the
// bucket "snap" holding the key "s" (the snapshot), and the bucket "e" of
// entries keyed by their position, 8 bytes big-endian.
//
// The snapshot has a bucket of its own because bbolt rewrites the whole
// leaf of any key it changes, and every append changes the room's bucket
// (its meta, and the header of "e"): a snapshot kept beside them, as files
// written before kept it (still read, and moved at the next snapshot), was
// copied and written again by every append — 1 MiB per append for a room
// of real size (BenchmarkAppendBesideSnapshot).
type Disk struct {
	db     *bolt.DB
	commit *committer
	epochs rooms.EpochClock
	now    func() int64 // Unix ms
}

// OpenDisk opens (creating it when missing) the log in dir. Only one
// process may have it open: a second one waits up to a second for the
// file's lock and fails.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("roomlog: data directory: %w", err)
	}
	path := filepath.Join(dir, DiskFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("roomlog: open %s: %w", path, err)
	}
	return &Disk{db: db, commit: newCommitter(db), now: func() int64 { return time.Now().UnixMilli() }}, nil
}

// WithClock makes the log stamp entries with now (Unix ms; never going
// back, as always) and returns it: for tests that set the time of each
// command. Call it before the first append.
func (d *Disk) WithClock(now func() int64) *Disk {
	d.now = now
	return d
}

// Backup writes a consistent copy of the whole log file to w while the
// log stays in use (one read transaction: appends go on meanwhile),
// telling size first how many bytes it will write. The copy is a log file:
// put it in a data directory as DiskFile to restore.
func (d *Disk) Backup(w io.Writer, size func(int64)) (int64, error) {
	var n int64
	err := d.db.View(func(tx *bolt.Tx) error {
		size(tx.Size())
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// NewEpochs starts a new epoch in every room of the log: for a log restored
// from a copy (Backup), whose clients may have seen entries made after the
// copy. Each room's next entry then carries the new epoch, so its seq and
// item numbers jump past anything of the lost history and its clients get
// fresh snapshots, as when Redis loses writes. It returns how many rooms.
func (d *Disk) NewEpochs() (int, error) {
	n := 0
	err := d.commit.do(func(tx *bolt.Tx) error {
		return forEachRoom(tx, func(_ string, b *bolt.Bucket) error {
			m, err := decodeMeta(b.Get(keyMeta))
			if err != nil {
				return err
			}
			m.epoch = d.epochs.Next(m.epoch)
			n++
			return b.Put(keyMeta, m.encode())
		})
	})
	return n, err
}

// Close waits for the writes in hand and closes the file.
func (d *Disk) Close() error {
	d.commit.close()
	return d.db.Close()
}

// diskMeta is a room's "m" record.
type diskMeta struct {
	epoch, first, last uint64
	lastTime           int64
}

var (
	keyMeta    = []byte("m")
	keySnap    = []byte("s")
	keySnapB   = []byte("snap")
	keyEntries = []byte("e")
)

// roomPrefix starts the name of every room's bucket.
const roomPrefix = "room:"

func roomBucket(room string) []byte { return []byte(roomPrefix + room) }

// forEachRoom calls fn with the code and bucket of every room of tx, in
// code order.
func forEachRoom(tx *bolt.Tx, fn func(code string, b *bolt.Bucket) error) error {
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		if code, ok := strings.CutPrefix(string(name), roomPrefix); ok {
			return fn(code, b)
		}
		return nil
	})
}

func posKey(pos uint64) []byte { return binary.BigEndian.AppendUint64(nil, pos) }

func (m diskMeta) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, m.epoch)
	b = binary.BigEndian.AppendUint64(b, m.first)
	b = binary.BigEndian.AppendUint64(b, m.last)
	return binary.BigEndian.AppendUint64(b, uint64(m.lastTime))
}

func decodeMeta(b []byte) (diskMeta, error) {
	if len(b) != 32 {
		return diskMeta{}, fmt.Errorf("roomlog: meta record of %d bytes", len(b))
	}
	return diskMeta{
		epoch:    binary.BigEndian.Uint64(b),
		first:    binary.BigEndian.Uint64(b[8:]),
		last:     binary.BigEndian.Uint64(b[16:]),
		lastTime: int64(binary.BigEndian.Uint64(b[24:])),
	}, nil
}

// encodeRecord encodes an entry's or a snapshot's header and data; the
// position is the entry's key, or the snapshot's first field.
func encodeRecord(first uint64, epoch uint64, rules uint32, data []byte) []byte {
	b := make([]byte, 0, 20+len(data))
	b = binary.BigEndian.AppendUint64(b, first)
	b = binary.BigEndian.AppendUint64(b, epoch)
	b = binary.BigEndian.AppendUint32(b, rules)
	return append(b, data...)
}

func decodeRecord(b []byte) (first, epoch uint64, rules uint32, data []byte, err error) {
	if len(b) < 20 {
		return 0, 0, 0, nil, fmt.Errorf("roomlog: record of %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint32(b[16:]),
		append([]byte(nil), b[20:]...), nil
}

// room returns the room's bucket and meta, or ErrRoomNotFound.
func room(tx *bolt.Tx, code string) (*bolt.Bucket, diskMeta, error) {
	b := tx.Bucket(roomBucket(code))
	if b == nil {
		return nil, diskMeta{}, rooms.ErrRoomNotFound
	}
	m, err := decodeMeta(b.Get(keyMeta))
	return b, m, err
}

// Create implements rooms.Log.
func (d *Disk) Create(_ context.Context, code string, rules uint32, data []byte) (rooms.Entry, error) {
	var e rooms.Entry
	err := d.commit.do(func(tx *bolt.Tx) error {
		if tx.Bucket(roomBucket(code)) != nil {
			return rooms.ErrRoomExists
		}
		b, err := tx.CreateBucket(roomBucket(code))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(keyEntries); err != nil {
			return err
		}
		e, err = appendEntry(b, diskMeta{epoch: d.epochs.Next(0), first: 1}, rules, data, d.now())
		return err
	})
	return e, err
}

// Append implements rooms.Log.
func (d *Disk) Append(_ context.Context, code string, rules uint32, data []byte, epoch, known uint64) (rooms.Entry, error) {
	var e rooms.Entry
	err := d.commit.do(func(tx *bolt.Tx) error {
		b, m, err := room(tx, code)
		if err != nil {
			return err
		}
		if rooms.LogWentBackwards(m.epoch, m.last, epoch, known) {
			m.epoch = d.epochs.Next(m.epoch)
		}
		e, err = appendEntry(b, m, rules, data, d.now())
		return err
	})
	return e, err
}

// appendEntry writes the room's next entry and its meta.
func appendEntry(b *bolt.Bucket, m diskMeta, rules uint32, data []byte, now int64) (rooms.Entry, error) {
	m.last++
	m.lastTime = rooms.StampTime(now, m.lastTime)
	e := rooms.Entry{Pos: m.last, Time: m.lastTime, Epoch: m.epoch, Rules: rules, Data: data}
	if err := b.Bucket(keyEntries).Put(posKey(e.Pos), encodeRecord(uint64(e.Time), e.Epoch, rules, data)); err != nil {
		return rooms.Entry{}, err
	}
	e.Data = append([]byte(nil), data...)
	return e, b.Put(keyMeta, m.encode())
}

// Read implements rooms.Log.
func (d *Disk) Read(_ context.Context, code string, after uint64, max int) ([]rooms.Entry, error) {
	var out []rooms.Entry
	err := d.db.View(func(tx *bolt.Tx) error {
		b, m, err := room(tx, code)
		if err != nil {
			return err
		}
		if after+1 < m.first {
			return rooms.ErrLogTrimmed
		}
		cur := b.Bucket(keyEntries).Cursor()
		for k, v := cur.Seek(posKey(after + 1)); k != nil && len(out) < max; k, v = cur.Next() {
			t, epoch, rules, data, err := decodeRecord(v)
			if err != nil {
				return err
			}
			out = append(out, rooms.Entry{Pos: binary.BigEndian.Uint64(k), Time: int64(t), Epoch: epoch, Rules: rules, Data: data})
		}
		return nil
	})
	return out, err
}

// Snapshot implements rooms.Log.
func (d *Disk) Snapshot(_ context.Context, code string) (rooms.Snapshot, bool, error) {
	var snap rooms.Snapshot
	var ok bool
	err := d.db.View(func(tx *bolt.Tx) error {
		b, _, err := room(tx, code)
		if err != nil {
			return err
		}
		snap, ok, err = snapshotOf(b)
		return err
	})
	return snap, ok, err
}

func snapshotOf(b *bolt.Bucket) (rooms.Snapshot, bool, error) {
	v := b.Get(keySnap) // where files written before the "snap" bucket keep it
	if sb := b.Bucket(keySnapB); sb != nil {
		v = sb.Get(keySnap)
	}
	if v == nil {
		return rooms.Snapshot{}, false, nil
	}
	pos, epoch, rules, data, err := decodeRecord(v)
	return rooms.Snapshot{Pos: pos, Epoch: epoch, Rules: rules, Data: data}, err == nil, err
}

// SaveSnapshot implements rooms.Log.
func (d *Disk) SaveSnapshot(_ context.Context, code string, snap rooms.Snapshot) (bool, error) {
	var saved bool
	err := d.commit.do(func(tx *bolt.Tx) error {
		saved = false
		b, m, err := room(tx, code)
		if err != nil {
			return err
		}
		kept, ok, err := snapshotOf(b)
		if err != nil {
			return err
		}
		if !snap.Replaces(kept, ok, m.last) {
			return nil
		}
		saved = true
		sb, err := b.CreateBucketIfNotExists(keySnapB)
		if err != nil {
			return err
		}
		if err := sb.Put(keySnap, encodeRecord(snap.Pos, snap.Epoch, snap.Rules, snap.Data)); err != nil {
			return err
		}
		return b.Delete(keySnap) // a snapshot of the old layout, if any
	})
	return saved, err
}

// Trim implements rooms.Log.
func (d *Disk) Trim(_ context.Context, code string, through uint64) error {
	return d.commit.do(func(tx *bolt.Tx) error {
		b, m, err := room(tx, code)
		if err != nil {
			return err
		}
		kept, ok, err := snapshotOf(b)
		if err != nil || !ok {
			return err
		}
		through = min(through, kept.Pos)
		if through < m.first {
			return nil
		}
		entries := b.Bucket(keyEntries)
		for pos := m.first; pos <= through; pos++ {
			if err := entries.Delete(posKey(pos)); err != nil {
				return err
			}
		}
		m.first = through + 1
		return b.Put(keyMeta, m.encode())
	})
}

// Delete implements rooms.Log.
func (d *Disk) Delete(_ context.Context, code string) error {
	return d.commit.do(func(tx *bolt.Tx) error {
		if tx.Bucket(roomBucket(code)) == nil {
			return nil
		}
		return tx.DeleteBucket(roomBucket(code))
	})
}

// Rooms lists the rooms that have a log, in code order.
func (d *Disk) Rooms(context.Context) ([]string, error) {
	var out []string
	err := d.db.View(func(tx *bolt.Tx) error {
		return forEachRoom(tx, func(code string, _ *bolt.Bucket) error {
			out = append(out, code)
			return nil
		})
	})
	return out, err
}
