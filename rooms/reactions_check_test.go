package rooms

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
)

// readCounter is a Store that counts the reads a reaction may need.
type readCounter struct {
	Store
	rooms, bans atomic.Int64
}

func (r *readCounter) Room(ctx context.Context, code string) (RoomRecord, error) {
	r.rooms.Add(1)
	return r.Store.Room(ctx, code)
}

func (r *readCounter) Banned(ctx context.Context, code, participant string) (bool, error) {
	r.bans.Add(1)
	return r.Store.Banned(ctx, code, participant)
}

func TestReactionsReadTheStoreOncePerSecond(t *testing.T) {
	f := newFixture(t, Config{ReactBurst: 1000, ReactRate: 1000})
	counted := &readCounter{Store: f.store}
	svc := NewService(counted, f.pub, Config{Secret: []byte("test secret"), ReactBurst: 1000, ReactRate: 1000}, zap.NewNop(), nil)
	a := f.join("")
	for i := range 50 {
		if _, err := svc.Handle(f.ctx, a, Command{Type: TypeReact, Kind: "like"}); err != nil {
			t.Fatalf("reaction %d: %v", i, err)
		}
	}
	if r, b := counted.rooms.Load(), counted.bans.Load(); r != 1 || b != 1 {
		t.Fatalf("50 reactions read the room %d and the bans %d times, want once each", r, b)
	}

	// Changes made through this Service apply at once.
	if _, err := svc.Handle(f.ctx, f.host, Command{Type: TypeRoomSet, Reactions: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Handle(f.ctx, a, Command{Type: TypeReact, Kind: "like"})
	wantRefusal(t, "reaction after reactions were turned off here", err, CodeForbidden)
	if _, err := svc.Handle(f.ctx, f.host, Command{Type: TypeRoomSet, Reactions: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Handle(f.ctx, a, Command{Type: TypeReact, Kind: "like"}); err != nil {
		t.Fatalf("reaction after reactions were turned on again: %v", err)
	}
	if _, err := svc.ban(f.ctx, f.mod, Command{Type: TypeBan, Participant: a.Participant}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Handle(f.ctx, a, Command{Type: TypeReact, Kind: "like"})
	wantRefusal(t, "reaction after a ban here", err, CodeForbidden)

	// Changes made elsewhere (another instance: f.svc) apply within reactCheckTTL.
	b := f.join("")
	if _, err := svc.Handle(f.ctx, b, Command{Type: TypeReact, Kind: "like"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.handle(f.host, Command{Type: TypeRoomSet, Closed: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(reactCheckTTL + time.Second)
	for {
		_, err := svc.Handle(f.ctx, b, Command{Type: TypeReact, Kind: "like"})
		if err != nil {
			wantRefusal(t, "reaction in a room closed elsewhere", err, CodeClosed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reactions still accepted %v after the room was closed elsewhere", reactCheckTTL+time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
