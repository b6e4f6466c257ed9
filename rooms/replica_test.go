package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hubbubhq/hubbub/rooms"
	"github.com/hubbubhq/hubbub/rooms/redistest"
	"github.com/hubbubhq/hubbub/rooms/roomlog"
)

var bg = context.Background()

// createLogRoom starts room code's log with its create record.
func createLogRoom(t *testing.T, log rooms.Log, code string) {
	t.Helper()
	room := rooms.NewRoom(code, "Replicas", false, 0)
	if _, err := log.Create(bg, code, rooms.RulesVersion, rooms.EncodeRecord(rooms.Record{Op: rooms.OpCreate, Staff: true, Room: &room})); err != nil {
		t.Fatal(err)
	}
}

func openReplica(t *testing.T, log rooms.Log, code string, emit func(rooms.Entry, []rooms.Event)) *rooms.Replica {
	t.Helper()
	opts := rooms.ReplicaOptions{Retained: 50}
	if emit != nil {
		opts.Emit = func(_ *rooms.Machine, e rooms.Entry, events []rooms.Event) { emit(e, events) }
	}
	r, err := rooms.OpenReplica(bg, log, code, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ask(t *testing.T, r *rooms.Replica, who, text string) rooms.Outcome {
	t.Helper()
	_, out, err := r.Append(bg, rooms.Record{Op: rooms.OpAsk, Participant: who, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hashOf(r *rooms.Replica) (h [32]byte) {
	r.Read(func(m *rooms.Machine) { h = m.Hash() })
	return h
}

// TestReplicasFollowOneLog: two replicas of a room, one appending and one
// told of the entries (in order, repeated, and with gaps), agree on the
// state and on the events a resuming client gets; a third opened from the
// snapshot the first saved agrees too.
func TestReplicasFollowOneLog(t *testing.T) {
	log := rooms.NewMemoryLog()
	createLogRoom(t, log, "ROOMAA")
	var mu sync.Mutex
	var announced []rooms.Entry
	a := openReplica(t, log, "ROOMAA", func(e rooms.Entry, _ []rooms.Event) {
		mu.Lock()
		announced = append(announced, e)
		mu.Unlock()
	})
	b := openReplica(t, log, "ROOMAA", nil)
	for i := range 60 {
		if out := ask(t, a, fmt.Sprintf("p_%d", i%4), fmt.Sprintf("Question %d?", i)); out.Err != nil || out.Question.ID != fmt.Sprintf("q%d", i+1) {
			t.Fatalf("ask %d: %+v", i, out)
		}
	}
	if out := ask(t, a, "p_9", "Question 3?"); out.Err == nil || out.Err.Code != rooms.CodeConflict {
		t.Fatalf("a duplicate: %+v", out)
	}
	// b hears of every third entry, some twice: the rest it reads from the log.
	for i, e := range announced {
		if i%3 == 2 {
			for range 2 {
				if err := b.Receive(bg, e); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := b.Receive(bg, announced[len(announced)-1]); err != nil {
		t.Fatal(err)
	}
	if hashOf(a) != hashOf(b) {
		t.Fatal("two replicas of one log differ")
	}
	evA, okA := a.Since(10)
	evB, okB := b.Since(10)
	if !okA || !okB || len(evA) != 50 || len(evB) != 50 || string(evA[49].Data) != string(evB[49].Data) {
		t.Fatalf("since 10: %d (%v) and %d (%v) events", len(evA), okA, len(evB), okB)
	}
	if _, ok := a.Since(9); ok {
		t.Fatal("a resume from before the 50-event window was served")
	}

	if saved, err := a.SaveSnapshot(bg); err != nil || !saved {
		t.Fatalf("save snapshot: %v %v", saved, err)
	}
	if _, err := log.Read(bg, "ROOMAA", 0, 10); !errors.Is(err, rooms.ErrLogTrimmed) {
		t.Fatalf("the log was not trimmed through the snapshot: %v", err)
	}
	ask(t, a, "p_1", "After the snapshot?")
	c := openReplica(t, log, "ROOMAA", nil)
	if hashOf(c) != hashOf(a) {
		t.Fatal("a replica opened from the snapshot differs")
	}
	evC, okC := c.Since(20)
	evA, okA = a.Since(20)
	if !okC || !okA || len(evC) != 41 || len(evC) != len(evA) || string(evC[0].Data) != string(evA[0].Data) {
		t.Fatalf("the snapshot's replica serves %d events since 20 (%v), the first %d (%v)", len(evC), okC, len(evA), okA)
	}
}

// TestReplicasRace: two instances append at once to one room; every
// append's outcome is its own entry's, a lost race (the same question
// asked on both) is refused for one of them only, and both replicas end in
// the same state.
func TestReplicasRace(t *testing.T) {
	log, err := roomlog.OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	createLogRoom(t, log, "ROOMBB")
	var a, b *rooms.Replica
	a = openReplica(t, log, "ROOMBB", nil)
	b = openReplica(t, log, "ROOMBB", nil)
	ids := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	refused := 0
	for w := range 8 {
		wg.Go(func() {
			r := a
			if w%2 == 1 {
				r = b
			}
			for i := range 25 {
				text := fmt.Sprintf("Question %d?", i) // every text is asked by 4 writers at once
				_, out, err := r.Append(bg, rooms.Record{Op: rooms.OpAsk, Participant: fmt.Sprint("p_", w), Text: text})
				mu.Lock()
				switch {
				case err != nil:
					t.Error(err)
				case out.Err != nil:
					if out.Err.Code != rooms.CodeConflict {
						t.Errorf("refused: %v", out.Err)
					}
					refused++
				default:
					if was, dup := ids[out.Question.ID]; dup {
						t.Errorf("%s given to %q and %q", out.Question.ID, was, text)
					}
					ids[out.Question.ID] = text
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ids) != 25 || refused != 175 {
		t.Fatalf("%d questions made, %d refused; want 25 and 175", len(ids), refused)
	}
	// Each replica catches up with what the other appended.
	var last rooms.Entry
	if last, _, err = a.Append(bg, rooms.Record{Op: rooms.OpComment, Participant: "p_x", Text: "done"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Receive(bg, last); err != nil {
		t.Fatal(err)
	}
	if hashOf(a) != hashOf(b) {
		t.Fatal("the replicas differ after the race")
	}
}

// TestReplicaStopsAtNewerRules: an entry appended by newer rules stops the
// replica with ErrNewerRules (the instance closes the room's clients with
// 1012).
func TestReplicaStopsAtNewerRules(t *testing.T) {
	log := rooms.NewMemoryLog()
	createLogRoom(t, log, "ROOMCC")
	r := openReplica(t, log, "ROOMCC", nil)
	e, err := log.Append(bg, "ROOMCC", rooms.RulesVersion+1, rooms.EncodeRecord(rooms.Record{Op: rooms.OpComment, Participant: "p_a", Text: "from the future"}), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Receive(bg, e); !errors.Is(err, rooms.ErrNewerRules) {
		t.Fatalf("receive an entry of newer rules: %v", err)
	}
	if _, err := rooms.OpenReplica(bg, log, "ROOMCC", rooms.ReplicaOptions{}); !errors.Is(err, rooms.ErrNewerRules) {
		t.Fatalf("open a room with entries of newer rules: %v", err)
	}
}

// TestReplicaResyncsWhenRedisLosesEntries: Redis restarts from an older
// save and loses acknowledged entries. A replica that applied them
// rebuilds itself from the log — when it appends (the log starts a new
// epoch) and when another instance appends at a position it applied with
// other content — and then agrees with a fresh replica of the log.
func TestReplicaResyncsWhenRedisLosesEntries(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	log := roomlog.NewRedis(rdb, roomlog.RedisOptions{})
	createLogRoom(t, log, "ROOMDD")
	a := openReplica(t, log, "ROOMDD", nil)
	for i := range 4 {
		ask(t, a, "p_a", fmt.Sprintf("Saved %d?", i))
	}
	if err := rdb.Save(bg).Err(); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		ask(t, a, "p_a", fmt.Sprintf("Lost %d?", i))
	}
	srv.Kill()
	srv.Start()

	// b opens after the loss and appends: it knew no more than the log.
	waitForLog(t, log, "ROOMDD")
	b := openReplica(t, log, "ROOMDD", nil)
	e, out, err := b.Append(bg, rooms.Record{Op: rooms.OpAsk, Participant: "p_b", Text: "After the restart?"})
	if err != nil || out.Question.ID != "q5" {
		t.Fatalf("b's ask: %+v %v", out, err)
	}
	epochOf := func(r *rooms.Replica) (epoch, seq uint64) {
		r.Read(func(m *rooms.Machine) { epoch, seq = m.Epoch(), m.Seq() })
		return epoch, seq
	}
	before, seqB := epochOf(b)
	if err := a.Receive(bg, e); err != nil {
		t.Fatal(err)
	}
	// a applied other entries at b's position: it rebuilds from the log
	// and starts a new epoch (OpEpoch), which b follows, so a client of a
	// that saw the lost seqs and ids, or comes back later, is not taken
	// for one of the log's history.
	if err := b.CatchUp(bg); err != nil {
		t.Fatal(err)
	}
	epochA, seqA := epochOf(a)
	if a.Resyncs() < 1 || epochA <= before || seqA < seqB+rooms.EpochSeqGap || hashOf(a) != hashOf(b) {
		t.Fatalf("a after b's append at a lost position: %d resyncs, epoch %d (was %d), seq %d (b was at %d), same as b: %v",
			a.Resyncs(), epochA, before, seqA, seqB, hashOf(a) == hashOf(b))
	}
	resyncs := a.Resyncs()
	// And the other way: a log that lost entries an appender applied starts a new epoch.
	if err := rdb.Save(bg).Err(); err != nil {
		t.Fatal(err)
	}
	lost := ask(t, a, "p_a", "Lost again?")
	srv.Kill()
	srv.Start()
	waitForLog(t, log, "ROOMDD")
	out = ask(t, a, "p_a", "After the second restart?")
	if out.Err != nil || a.Resyncs() != resyncs+1 {
		t.Fatalf("a's ask after the loss: %+v, %d resyncs (%d before)", out, a.Resyncs(), resyncs)
	}
	// a's clients were shown the lost question's id: the new epoch gives
	// the next question a number past every one the lost history could
	// have used.
	var n int
	if _, err := fmt.Sscanf(lost.Question.ID, "q%d", &n); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("q%d", n+rooms.EpochSeqGap); out.Question.ID != want {
		t.Fatalf("the first question of the new epoch is %s (the lost one was %s), want %s", out.Question.ID, lost.Question.ID, want)
	}
	fresh := openReplica(t, log, "ROOMDD", nil)
	if hashOf(fresh) != hashOf(a) {
		t.Fatal("a differs from a fresh replica of the log")
	}
	var texts []string
	a.Read(func(m *rooms.Machine) {
		for _, q := range m.Questions() {
			texts = append(texts, q.Text)
		}
	})
	if fmt.Sprint(texts) != "[Saved 0? Saved 1? Saved 2? Saved 3? After the restart? After the second restart?]" {
		t.Fatalf("questions after the losses: %v", texts)
	}
}

// waitForLog waits until the restarted Redis answers for the room.
func waitForLog(t *testing.T, log rooms.Log, code string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := log.Read(bg, code, 0, 1)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log did not come back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
