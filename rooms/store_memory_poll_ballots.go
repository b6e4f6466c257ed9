package rooms

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// AllBallots implements PollBallotsStore: under the room's mutex, every
// poll (by number) with copies of its ballots.
func (s *MemoryStore) AllBallots(_ context.Context, code string) ([]PollBallots, error) {
	r, err := s.room(code)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PollBallots, 0, len(r.polls.polls))
	for _, m := range r.polls.sorted() {
		p := m.p
		p.Options, p.Correct = slices.Clone(p.Options), slices.Clone(p.Correct)
		pb := PollBallots{Poll: p, Ballots: make([]VoterBallot, 0, len(m.ballots))}
		for participant, b := range m.ballots {
			b = Ballot{Choices: slices.Clone(b.Choices), Rating: b.Rating, Words: slices.Clone(b.Words), Text: b.Text}
			pb.Ballots = append(pb.Ballots, VoterBallot{Participant: participant, Ballot: b})
		}
		if p.Kind == PollText {
			sort.Slice(pb.Ballots, func(i, j int) bool {
				return m.cast[pb.Ballots[i].Participant] < m.cast[pb.Ballots[j].Participant]
			})
		} else {
			slices.SortFunc(pb.Ballots, func(a, b VoterBallot) int { return strings.Compare(a.Participant, b.Participant) })
		}
		out = append(out, pb)
	}
	return out, nil
}
