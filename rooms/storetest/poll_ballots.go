package storetest

import (
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/hubbubhq/hubbub/rooms"
)

// testAllBallots runs the rules of rooms.PollBallotsStore.
func testAllBallots(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *pollFixture)
	}{
		{"EveryKind", testAllBallotsEveryKind},
		{"PastResultsCaps", testAllBallotsPastCaps},
		{"Concurrent", testAllBallotsConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newStore, DefaultRetained)
			tt.fn(t, &pollFixture{fixture: f, ps: f.store})
		})
	}
}

// allBallots calls AllBallots, which must succeed.
func (f *pollFixture) allBallots() []rooms.PollBallots {
	f.t.Helper()
	all, err := f.store.AllBallots(f.ctx, f.code)
	if err != nil {
		f.t.Fatalf("AllBallots: %v", err)
	}
	return all
}

func vb(participant string, b rooms.Ballot) rooms.VoterBallot {
	return rooms.VoterBallot{Participant: participant, Ballot: b}
}

// testAllBallotsEveryKind: every poll by number, whatever its state (a draft
// without ballots too), as Poll returns it; every standing ballot, replaced
// ones as replaced; deleted polls gone with their ballots; text ballots in
// the order cast, the others by participant.
func testAllBallotsEveryKind(t *testing.T, f *pollFixture) {
	if all := f.allBallots(); all == nil || len(all) != 0 {
		t.Fatalf("a room without polls: %#v, want empty, not nil", all)
	}
	s, _ := f.create(single)
	m, _ := f.create(multi)
	r, _ := f.create(rating)
	w, _ := f.create(cloud)
	x, _ := f.create(text)
	q, _ := f.create(quiz)
	gone, _ := f.create(single)
	d := rating
	d.State = rooms.PollDraft
	draft, _ := f.create(d)

	f.cast(s.ID, "p_c", choices(2))
	f.cast(s.ID, "p_a", choices(0))
	f.cast(s.ID, "p_b", choices(1))
	f.cast(s.ID, "p_a", choices(1)) // replaces 0
	f.cast(m.ID, "p_b", choices(0, 2))
	f.cast(r.ID, "p_b", rooms.Ballot{Rating: 2})
	f.cast(r.ID, "p_a", rooms.Ballot{Rating: 5})
	f.cast(w.ID, "p_a", rooms.Ballot{Words: []string{"été", "fun"}})
	f.cast(x.ID, "p_z", rooms.Ballot{Text: "first, \"quoted\""})
	f.cast(x.ID, "p_a", rooms.Ballot{Text: "second"})
	f.cast(x.ID, "p_m", rooms.Ballot{Text: "third"})
	f.cast(x.ID, "p_z", rooms.Ballot{Text: "fourth: p_z again"}) // replaced: newest now
	f.cast(q.ID, "host", choices(1))
	f.cast(gone.ID, "p_a", choices(0))
	if _, err := f.ps.DeletePoll(f.ctx, f.code, gone.ID); err != nil {
		t.Fatal(err)
	}
	f.set(s.ID, rooms.PollPatch{State: ptr(rooms.PollClosed), Reveal: ptr(true)})

	want := []rooms.PollBallots{
		{Ballots: []rooms.VoterBallot{vb("p_a", choices(1)), vb("p_b", choices(1)), vb("p_c", choices(2))}},
		{Ballots: []rooms.VoterBallot{vb("p_b", choices(0, 2))}},
		{Ballots: []rooms.VoterBallot{vb("p_a", rooms.Ballot{Rating: 5}), vb("p_b", rooms.Ballot{Rating: 2})}},
		{Ballots: []rooms.VoterBallot{vb("p_a", rooms.Ballot{Words: []string{"été", "fun"}})}},
		{Ballots: []rooms.VoterBallot{vb("p_a", rooms.Ballot{Text: "second"}), vb("p_m", rooms.Ballot{Text: "third"}),
			vb("p_z", rooms.Ballot{Text: "fourth: p_z again"})}},
		{Ballots: []rooms.VoterBallot{vb("host", choices(1))}},
		{Ballots: []rooms.VoterBallot{}},
	}
	for i, id := range []string{s.ID, m.ID, r.ID, w.ID, x.ID, q.ID, draft.ID} {
		p, err := f.ps.Poll(f.ctx, f.code, id)
		if err != nil {
			t.Fatal(err)
		}
		want[i].Poll = p
	}
	got := f.allBallots()
	if len(got) != len(want) {
		t.Fatalf("AllBallots: %d polls, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("poll %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
	if got[0].Poll.State != rooms.PollClosed || !got[0].Poll.Reveal || fmt.Sprint(got[5].Poll.Correct) != "[1]" {
		t.Fatalf("polls as stored now: %+v, %+v", got[0].Poll, got[5].Poll)
	}
	_, err := f.store.AllBallots(f.ctx, "NOROOM")
	wantErr(t, "AllBallots of an unknown room", err, rooms.ErrRoomNotFound)
	f.wantSeq(10) // 8 polls, a deletion, a poll_set: ballots are not events
}

// testAllBallotsPastCaps: more words than a wordcloud's results list and
// more answers than a text poll's: AllBallots has every one of them.
func testAllBallotsPastCaps(t *testing.T, f *pollFixture) {
	w, _ := f.create(cloud)
	x, _ := f.create(text)
	const voters = rooms.MaxTextAnswers + 30
	for i := range voters {
		who := "p_" + strconv.Itoa(1000+i)
		f.cast(w.ID, who, rooms.Ballot{Words: []string{"word" + strconv.Itoa(i), "common"}})
		f.cast(x.ID, who, rooms.Ballot{Text: "answer " + strconv.Itoa(i)})
	}
	if ps := f.poll(w.ID); len(ps.Tally.Words) != rooms.MaxCloudWords {
		t.Fatalf("results keep %d words, want the cap %d", len(ps.Tally.Words), rooms.MaxCloudWords)
	}
	all := f.allBallots()
	if len(all) != 2 || len(all[0].Ballots) != voters || len(all[1].Ballots) != voters {
		t.Fatalf("AllBallots: %d polls, ballots %d and %d; want 2 polls of %d", len(all), len(all[0].Ballots), len(all[1].Ballots), voters)
	}
	for i, b := range all[1].Ballots {
		if b.Participant != "p_"+strconv.Itoa(1000+i) || b.Ballot.Text != "answer "+strconv.Itoa(i) {
			t.Fatalf("text ballot %d: %+v, want the answers in the order cast", i, b)
		}
	}
	words := make(map[string]int)
	for _, b := range all[0].Ballots {
		for _, word := range b.Ballot.Words {
			words[word]++
		}
	}
	if len(words) != voters+1 || words["common"] != voters {
		t.Fatalf("%d distinct words (common %d), want %d (common %d)", len(words), words["common"], voters+1, voters)
	}
}

// testAllBallotsConcurrent: ballots racing from many goroutines, with
// replacements, are listed exactly as they stand, and agree with the tally.
func testAllBallotsConcurrent(t *testing.T, f *pollFixture) {
	const voters = 300
	p, _ := f.create(single)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range voters {
		wg.Go(func() {
			<-start
			who := fmt.Sprintf("p_%04d", i)
			for _, c := range []int{i % 3, (i + 1) % 3} { // the second replaces the first
				if _, err := f.ps.CastBallot(f.ctx, f.code, p.ID, who, choices(c)); err != nil {
					t.Errorf("CastBallot: %v", err)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	all := f.allBallots()
	if len(all) != 1 || len(all[0].Ballots) != voters {
		t.Fatalf("AllBallots: %+v", all)
	}
	counts := make([]int64, 3)
	for i, b := range all[0].Ballots {
		if b.Participant != fmt.Sprintf("p_%04d", i) || !b.Ballot.Equal(choices((i+1)%3)) {
			t.Fatalf("ballot %d: %+v, want p_%04d's second choice", i, b, i)
		}
		counts[b.Ballot.Choices[0]]++
	}
	if ps := f.poll(p.ID); fmt.Sprint(ps.Tally.Counts) != fmt.Sprint(counts) || ps.Tally.Total != voters {
		t.Fatalf("tally %+v, ballots count %v", ps.Tally, counts)
	}
}
