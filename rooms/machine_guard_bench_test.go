package rooms

import (
	"fmt"
	"testing"
)

// BenchmarkMachineCommentProtections measures Machine.Apply of a comment
// from one of 1,000 participants (each seen joining, with an address
// hash) with the room's protections off and all on (name required, hold
// newcomers, slow mode: none refuses, so each comment is made): what the
// rules of machine_guard.go add to the apply path. Run it with a fixed
// count (-benchtime=20000x): the room keeps every comment.
func BenchmarkMachineCommentProtections(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprint("protections=", on), func(b *testing.B) {
			room := openRoom()
			if on {
				room.NameRequired, room.HoldNewMinutes, room.SlowModeSeconds = true, 1, 1
			}
			m := NewMachine("ROOM42")
			pos := uint64(0)
			apply := func(at int64, r Record) {
				pos++
				if _, out := m.Apply(Entry{Pos: pos, Time: at, Epoch: 1, Rules: RulesVersion, Data: EncodeRecord(r)}); out.Err != nil {
					b.Fatalf("%s: %v", r.Op, out.Err)
				}
			}
			apply(t0, Record{Op: OpCreate, Staff: true, Room: &room})
			const people = 1000
			ids := make([]string, people)
			for i := range ids {
				ids[i] = fmt.Sprintf("p_%016x", i)
				apply(t0, Record{Op: OpSeen, Seen: map[string]int64{ids[i]: 0}, Addrs: map[string]string{ids[i]: fmt.Sprintf("%032x", i)}})
			}
			author := "Ada"
			data := make([][]byte, people)
			for i, p := range ids {
				data[i] = EncodeRecord(Record{Op: OpComment, Participant: p, Author: &author, Text: "a comment of ordinary length, about fifty characters"})
			}
			at := int64(t0 + 120_000) // past the hold
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pos++
				at += 10 // each participant posts every 10 s: past the slow window
				if _, out := m.Apply(Entry{Pos: pos, Time: at, Epoch: 1, Rules: RulesVersion, Data: data[i%people]}); out.Err != nil {
					b.Fatal(out.Err)
				}
				i++
			}
		})
	}
}
