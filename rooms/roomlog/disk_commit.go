package roomlog

import (
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/hubbubhq/hubbub/rooms"
)

// maxGroup bounds how many writes share one transaction and its fsync.
const maxGroup = 1024

// ErrClosed is returned by a Disk log's methods after Close.
var ErrClosed = errors.New("roomlog: log closed")

// write is one change waiting for a group commit. fn runs inside the
// group's transaction; a refusal (*rooms.Error) must be returned before fn
// changes anything, so that the other writes of the group still commit.
type write struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// committer runs the writes of a Disk log in group commits: one goroutine
// takes the first waiting write and every other one already waiting, runs
// them in one transaction and syncs once. A vote storm is one fsync per
// group, not one per vote, and a lone write waits for nothing but its own
// fsync: there is no timer.
type committer struct {
	db     *bolt.DB
	writes chan write
	quit   chan struct{}
	exited chan struct{}
}

func newCommitter(db *bolt.DB) *committer {
	c := &committer{db: db, writes: make(chan write), quit: make(chan struct{}), exited: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in the next group commit and returns its refusal, or the
// commit's failure, once the group is on disk.
func (c *committer) do(fn func(tx *bolt.Tx) error) error {
	w := write{fn: fn, done: make(chan error, 1)}
	select {
	case c.writes <- w:
	case <-c.quit:
		return ErrClosed
	}
	return <-w.done
}

func (c *committer) run() {
	defer close(c.exited)
	group := make([]write, 0, maxGroup)
	results := make([]error, 0, maxGroup)
	for {
		select {
		case w := <-c.writes:
			group = append(group[:0], w)
		case <-c.quit:
			return
		}
	gather:
		for len(group) < maxGroup {
			select {
			case w := <-c.writes:
				group = append(group, w)
			default:
				break gather
			}
		}
		results = results[:0]
		err := c.db.Update(func(tx *bolt.Tx) error {
			for _, w := range group {
				err := w.fn(tx)
				if err != nil && rooms.AsError(err) == nil {
					return err
				}
				results = append(results, err)
			}
			return nil
		})
		for i, w := range group {
			if err != nil {
				w.done <- err
			} else {
				w.done <- results[i]
			}
		}
	}
}

// close stops the goroutine once the group in hand is committed; later
// writes get ErrClosed.
func (c *committer) close() {
	close(c.quit)
	<-c.exited
}
