package rooms

import (
	"strings"
	"testing"
)

// TestMachineStage: the room's stage setting, step by step from a new room
// (auto, left out of the room event): each valid value is kept and sent in
// the room event, auto goes back to the default, and an unknown value or a
// participant's change is refused with nothing changed.
func TestMachineStage(t *testing.T) {
	f := newFeed(t, openRoom())
	if f.m.Room().Stage != "" {
		t.Fatalf("a new room's stage is %q, want auto (\"\")", f.m.Room().Stage)
	}
	steps := []struct {
		set       string
		staff     bool
		wantErr   *Error
		wantStage string // Room.Stage after the step
		wantEvent string // in the room event; "" means no stage field at all
	}{
		{set: StagePoll, staff: true, wantStage: StagePoll, wantEvent: `"stage":"poll"`},
		{set: StageBlank, staff: true, wantStage: StageBlank, wantEvent: `"stage":"blank"`},
		{set: "projector", staff: true, wantErr: ErrUnknownStage, wantStage: StageBlank},
		{set: "", staff: true, wantErr: ErrUnknownStage, wantStage: StageBlank},
		{set: "Poll", staff: true, wantErr: ErrUnknownStage, wantStage: StageBlank},
		{set: StageCode, staff: false, wantErr: &Error{Code: CodeForbidden}, wantStage: StageBlank},
		{set: StageLeaderboard, staff: true, wantStage: StageLeaderboard, wantEvent: `"stage":"leaderboard"`},
		{set: StagePodium, staff: true, wantStage: StagePodium, wantEvent: `"stage":"podium"`},
		{set: StageQuestion, staff: true, wantStage: StageQuestion, wantEvent: `"stage":"question"`},
		{set: StageCode, staff: true, wantStage: StageCode, wantEvent: `"stage":"code"`},
		{set: StageAuto, staff: true, wantStage: ""},
	}
	for _, s := range steps {
		r := Record{Op: OpRoomSet, Staff: s.staff, Patch: &RoomPatch{Stage: ptr(s.set)}}
		if !s.staff {
			r.Participant = "p_a"
		}
		if s.wantErr != nil {
			err := f.refused(r, s.wantErr.Code)
			if s.wantErr == ErrUnknownStage && err != ErrUnknownStage {
				t.Errorf("stage %q: refused with %v, want ErrUnknownStage", s.set, err)
			}
		} else {
			evs, _ := f.ok(r)
			if len(evs) != 1 || evs[0].Type != EventRoom {
				t.Fatalf("stage %q: events %+v, want one room event", s.set, evs)
			}
			data := string(evs[0].Data)
			if s.wantEvent == "" && strings.Contains(data, `"stage"`) {
				t.Errorf("stage %q: the room event %s carries a stage", s.set, data)
			}
			if s.wantEvent != "" && !strings.Contains(data, s.wantEvent) {
				t.Errorf("stage %q: the room event %s lacks %s", s.set, data, s.wantEvent)
			}
		}
		if got := f.m.Room().Stage; got != s.wantStage {
			t.Errorf("after stage %q: Room.Stage %q, want %q", s.set, got, s.wantStage)
		}
	}
	// The setting survives a snapshot.
	f.ok(Record{Op: OpRoomSet, Staff: true, Patch: &RoomPatch{Stage: ptr(StagePodium)}})
	restored, err := RestoreMachine(f.m.Snapshot())
	if err != nil || restored.Room().Stage != StagePodium {
		t.Fatalf("restored stage %q (%v), want podium", restored.Room().Stage, err)
	}
}
