package rooms

import (
	"strings"
	"testing"
)

// TestMachineRotateKeys: an OpKeys record replaces the keys whose hashes it
// carries, keeps the others, survives a snapshot, and makes one internal
// EventKeys per key naming the new hash; refusals change nothing.
func TestMachineRotateKeys(t *testing.T) {
	hostA, modA := NewKeys()
	hostB, modB := NewKeys()
	f := &machineFeed{t: t, m: NewMachine("ROOM42")}
	room := openRoom()
	f.ok(Record{Op: OpCreate, Staff: true, Room: &room, Keys: &RoomKeys{Host: HashKey(hostA), Moderator: HashKey(modA)}})

	f.refused(Record{Op: OpKeys, Participant: "p_a", Keys: &RoomKeys{Host: HashKey(hostB)}}, CodeForbidden)
	f.refused(Record{Op: OpKeys, Staff: true}, CodeBadRequest)
	f.refused(Record{Op: OpKeys, Staff: true, Keys: &RoomKeys{}}, CodeBadRequest)

	evs, _ := f.ok(Record{Op: OpKeys, Staff: true, Keys: &RoomKeys{Moderator: HashKey(modB)}})
	rec := f.m.Record()
	if rec.ModeratorKeyHash != HashKey(modB) || rec.HostKeyHash != HashKey(hostA) {
		t.Fatal("moderator rotation: wrong hashes kept")
	}
	if len(evs) != 1 || !evs[0].Internal() || evs[0].Seq != 0 {
		t.Fatalf("moderator rotation events %+v", evs)
	}
	who, hash, ok := KeyRotated(evs[0])
	if !ok || who != ModeratorParticipant || hash != HashKey(modB) || strings.Contains(string(evs[0].Data), modB) {
		t.Fatalf("KeyRotated = %q %x %v (data %s)", who, hash, ok, evs[0].Data)
	}

	evs, _ = f.ok(Record{Op: OpKeys, Staff: true, Keys: &RoomKeys{Host: HashKey(hostB)}})
	if who, hash, ok := KeyRotated(evs[0]); len(evs) != 1 || !ok || who != HostParticipant || hash != HashKey(hostB) {
		t.Fatalf("host rotation events %+v", evs)
	}
	r, err := RestoreMachine(f.m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Record(); got.HostKeyHash != HashKey(hostB) || got.ModeratorKeyHash != HashKey(modB) {
		t.Fatal("rotated keys lost in a snapshot")
	}
	if _, _, ok := KeyRotated(Event{Type: EventKeys, Participant: HostParticipant, Data: []byte("zz")}); ok {
		t.Fatal("a malformed keys event read as one")
	}
}

// TestRotateKey: only the host rotates; the new key is returned once and
// only its hash is in the log; the old key no longer authenticates.
func TestRotateKey(t *testing.T) {
	f := newFixture(t, Config{})
	if _, err := f.handle(f.mod, Command{Type: TypeKeyRotate, Key: KeyModerator}); AsError(err) == nil || AsError(err).Code != CodeForbidden {
		t.Fatalf("a moderator rotating: %v", err)
	}
	if _, err := f.handle(f.audience, Command{Type: TypeKeyRotate, Key: KeyHost}); AsError(err) == nil || AsError(err).Code != CodeForbidden {
		t.Fatalf("the audience rotating: %v", err)
	}
	for _, which := range []string{"", "screen", "HOST"} {
		if _, err := f.handle(f.host, Command{Type: TypeKeyRotate, Key: which}); AsError(err) != ErrUnknownKey {
			t.Fatalf("key %q: %v", which, err)
		}
	}
	if _, err := f.svc.RotateKey(f.ctx, f.host, KeyHost, "mk_wrongkind"); AsError(err) != ErrUnknownKey {
		t.Fatalf("a moderator key as the new host key: %v", err)
	}
	ack, err := f.handle(f.host, Command{Type: TypeKeyRotate, Key: KeyModerator})
	if err != nil || !strings.HasPrefix(ack.ModeratorKey, "mk_") || ack.HostKey != "" {
		t.Fatalf("rotate = %+v, %v", ack, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, f.code, f.modKey); AsError(err) != ErrBadToken {
		t.Fatalf("the old moderator key after rotation: %v", err)
	}
	if a, err := f.svc.Authenticate(f.ctx, f.code, ack.ModeratorKey); err != nil || a.Role != RoleModerator {
		t.Fatalf("the new moderator key: %+v, %v", a, err)
	}
	if a, err := f.svc.Authenticate(f.ctx, f.code, f.hostKey); err != nil || a.Role != RoleHost {
		t.Fatalf("the host key after a moderator rotation: %+v, %v", a, err)
	}
}
