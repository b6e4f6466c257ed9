package rooms

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

// TestRetentionSweep: a closed room is deleted its retention after the
// close (server default, then the room's retention_days), and nothing else
// is: not an open room, not a room closed and reopened. On both stores
// (from now on the real clock, so that Redis's own expiry lies ahead).
func TestRetentionSweep(t *testing.T) {
	t0 := time.Now().Truncate(time.Second)
	clock := newTestClock(t0)
	insightStores(t, clock, t0, func(t *testing.T, f *fixture) {
		f.svc.cfg.Retention = time.Hour
		testRetentionSweep(t, f, clock, t0)
	})
}

func testRetentionSweep(t *testing.T, f *fixture, clock *testClock, t0 time.Time) {
	f.act(f.audience, Command{Type: TypeComment, Text: "kept until the end"})
	other, err := f.svc.CreateRoom(f.ctx, "Other", false)
	if err != nil {
		t.Fatal(err)
	}
	otherHost := Actor{Room: other.Code, Participant: HostParticipant, Role: RoleHost}

	f.act(f.host, Command{Type: TypeRoomSet, Closed: ptr(true)})
	if r := f.stats().Retention; r != (StatsRetention{RetentionHours: 1, ClosedAtMS: t0.UnixMilli(), DeleteAtMS: t0.Add(time.Hour).UnixMilli()}) {
		t.Fatalf("retention after the close: %+v", r)
	}
	// The other room closes and reopens: nothing scheduled.
	f.act(otherHost, Command{Type: TypeRoomSet, Closed: ptr(true)})
	f.act(otherHost, Command{Type: TypeRoomSet, Closed: ptr(false)})

	clock.set(t0.Add(59 * time.Minute))
	f.svc.SweepDeletions(f.ctx)
	if _, err := f.svc.Room(f.ctx, f.code); err != nil {
		t.Fatalf("deleted before its retention ran out: %v", err)
	}
	// The room's own setting moves the deletion, still from the close.
	clock.set(t0.Add(30 * time.Minute))
	f.act(f.host, Command{Type: TypeRoomSet, RetentionDays: ptr(2)})
	if r := f.stats().Retention; r != (StatsRetention{RetentionDays: 2, RetentionHours: 48, ClosedAtMS: t0.UnixMilli(), DeleteAtMS: t0.Add(48 * time.Hour).UnixMilli()}) {
		t.Fatalf("retention after retention_days 2: %+v", r)
	}
	clock.set(t0.Add(2 * time.Hour))
	f.svc.SweepDeletions(f.ctx)
	if _, err := f.svc.Room(f.ctx, f.code); err != nil {
		t.Fatalf("deleted by the server default despite retention_days: %v", err)
	}
	if evs := f.pub.take(EventRoomDeleted); len(evs) != 0 {
		t.Fatalf("room_deleted published early: %d", len(evs))
	}

	clock.set(t0.Add(48 * time.Hour))
	f.svc.SweepDeletions(f.ctx)
	if _, err := f.svc.Room(f.ctx, f.code); err != ErrRoomNotFound {
		t.Fatalf("Room after the retention: %v, want not found", err)
	}
	if _, err := f.svc.store.Insight(f.ctx, f.code); err != ErrRoomNotFound {
		t.Fatalf("Insight after the retention: %v, want not found", err)
	}
	if evs := f.pub.take(EventRoomDeleted); len(evs) != 1 {
		t.Fatalf("room_deleted events: %d, want 1", len(evs))
	}
	if _, err := f.svc.Room(f.ctx, other.Code); err != nil {
		t.Fatalf("the other room went too: %v", err)
	}

	// Bad settings are refused and change nothing.
	for _, d := range []int{-1, MaxRetentionDays + 1} {
		_, err := f.handle(otherHost, Command{Type: TypeRoomSet, RetentionDays: ptr(d)})
		wantRefusal(t, "retention_days", err, CodeBadRequest)
	}
	moderator := Actor{Room: other.Code, Participant: ModeratorParticipant, Role: RoleModerator}
	_, err = f.handle(moderator, Command{Type: TypeRoomSet, RetentionDays: ptr(1)})
	wantRefusal(t, "retention_days by a moderator", err, CodeForbidden)
}

// TestDeleteRoom: only the host key deletes a room, at once, with all of
// it; every instance is told to close the room's connections. On both
// stores.
func TestDeleteRoom(t *testing.T) {
	clock := newTestClock(time.Now())
	insightStores(t, clock, time.Now(), testDeleteRoom)
}

func testDeleteRoom(t *testing.T, f *fixture) {
	f.act(f.audience, Command{Type: TypeAsk, Text: "will go"})
	tok := f.svc.tokens.Sign(f.code, f.audience.Participant)
	for _, tt := range []struct {
		credential, code string
	}{{f.modKey, CodeForbidden}, {tok, CodeForbidden}, {"", CodeUnauthorized}, {"hk_forged", CodeUnauthorized}} {
		wantRefusal(t, "DeleteRoom", f.svc.DeleteRoom(f.ctx, tt.credential, f.code), tt.code)
	}
	if _, err := f.svc.Room(f.ctx, f.code); err != nil {
		t.Fatalf("a refused delete deleted the room: %v", err)
	}
	if err := f.svc.DeleteRoom(f.ctx, f.hostKey, f.code); err != nil {
		t.Fatal(err)
	}
	if evs := f.pub.take(EventRoomDeleted); len(evs) != 1 || !evs[0].Internal() {
		t.Fatalf("room_deleted events: %+v", evs)
	}
	if _, err := f.svc.Room(f.ctx, f.code); err != ErrRoomNotFound {
		t.Fatalf("Room after delete: %v", err)
	}
	if _, _, err := f.svc.Join(f.ctx, Hello{Type: TypeHello, Room: f.code}); err != ErrRoomNotFound {
		t.Fatalf("Join after delete: %v", err)
	}
	if err := f.svc.DeleteRoom(f.ctx, f.hostKey, f.code); err != ErrRoomNotFound {
		t.Fatalf("second delete: %v", err)
	}
}

// TestRunSweepsDeletions: Service.Run deletes a closed room once its
// retention ran out, on its own minute sweep (fake time: synctest).
func TestRunSweepsDeletions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, Config{Retention: time.Hour})
		ctx, cancel := context.WithCancel(f.ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			f.svc.Run(ctx)
		}()
		f.act(f.host, Command{Type: TypeRoomSet, Closed: ptr(true)})
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		if _, err := f.svc.Room(f.ctx, f.code); err != nil {
			t.Fatalf("gone before its hour: %v", err)
		}
		time.Sleep(DeletionSweep + time.Second)
		synctest.Wait()
		if _, err := f.svc.Room(f.ctx, f.code); err != ErrRoomNotFound {
			t.Fatalf("Room an hour and a sweep after the close: %v, want not found", err)
		}
		if evs := f.pub.take(EventRoomDeleted); len(evs) != 1 {
			t.Fatalf("room_deleted events: %d", len(evs))
		}
		cancel()
		<-done
	})
}
