package loadtest

import "testing"

func TestSeqTracker(t *testing.T) {
	for _, tc := range []struct {
		name     string
		welcome  int64
		seqs     []int64
		resync   int64 // snapshot seq after the seqs, 0: none
		final    int64
		received int64
		lost     int64
		dups     int64
		ooo      int64
		skipped  int64
	}{
		{name: "in order", welcome: 10, seqs: []int64{11, 12, 13}, final: 13, received: 3},
		{name: "tail missing", welcome: 10, seqs: []int64{11, 12}, final: 15, received: 2, lost: 3},
		{name: "gap", welcome: 0, seqs: []int64{1, 2, 4, 5}, final: 5, received: 4, lost: 1},
		{name: "duplicate", welcome: 0, seqs: []int64{1, 2, 2, 3}, final: 3, received: 3, dups: 1},
		{name: "stale", welcome: 5, seqs: []int64{5, 6}, final: 6, received: 1, dups: 1},
		{name: "reordered", welcome: 0, seqs: []int64{1, 3, 2, 4}, final: 4, received: 4, ooo: 1},
		{name: "reordered then duplicated", welcome: 0, seqs: []int64{2, 1, 1}, final: 2, received: 2, ooo: 1, dups: 1},
		{name: "resync over a gap", welcome: 0, seqs: []int64{1, 3}, resync: 6, final: 8, received: 2, skipped: 4, lost: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tr seqTracker
			tr.start(tc.welcome)
			for _, s := range tc.seqs {
				tr.see(s)
			}
			if tc.resync > 0 {
				tr.resync(tc.resync)
			}
			if tr.received != tc.received || tr.lost(tc.final) != tc.lost || tr.duplicates != tc.dups || tr.outOfOrder != tc.ooo || tr.skipped != tc.skipped {
				t.Errorf("received %d lost %d dups %d ooo %d skipped %d; want %d %d %d %d %d",
					tr.received, tr.lost(tc.final), tr.duplicates, tr.outOfOrder, tr.skipped,
					tc.received, tc.lost, tc.dups, tc.ooo, tc.skipped)
			}
			if got, want := tr.expected(tc.final), tc.final-tc.welcome; got != want {
				t.Errorf("expected %d, want %d", got, want)
			}
		})
	}
}
