package rooms

import (
	"testing"
	"time"
)

// TestStatsRatesNeverPass100 is the report as found: "200 responses from 1
// people present (20,000%)" — ballots through the HTTP API, and people who
// came and went, are not in the presence peak — and a participation rate
// above 100%. People who could take part are never fewer than those who did.
func TestStatsRatesNeverPass100(t *testing.T) {
	st := State{Room: Room{Code: "K7QX2M"}, Polls: []PollState{
		{Poll: Poll{ID: "p1", Kind: PollSingle, State: PollClosed}, Tally: Tally{Total: 200}},
		{Poll: Poll{ID: "p2", Kind: PollSingle, State: PollClosed}, Tally: Tally{Total: 3}},
	}}
	ins := Insight{Unique: 13, Active: 50, PollPresent: map[string]int64{"p1": 1, "p2": 12}}
	s := buildStats(st, ins, 1, time.Hour, time.Now())
	if p := s.Participants; p.ParticipationRate > 1 || p.Unique < p.Active {
		t.Fatalf("participants: %+v", p)
	}
	want := map[string][2]float64{"p1": {200, 1}, "p2": {12, 0.25}}
	for _, p := range s.Polls {
		if w := want[p.ID]; float64(p.Present) != w[0] || p.ResponseRate != w[1] {
			t.Errorf("%s: %d responses from %d present (%v), want present %v, rate %v", p.ID, p.Ballots, p.Present, p.ResponseRate, w[0], w[1])
		}
	}
}
