package rooms

import (
	"context"
	"time"
)

// ResultsFlush is how often the hub should call FlushResults: the most
// often a client gets a `results` event of one poll.
func (s *Service) ResultsFlush() time.Duration { return s.cfg.ResultsFlush }

// PollBallotsStore is the part of every Store that lists every ballot of a
// room, for the export (which must carry complete tallies, where `results`
// events keep only the top MaxCloudWords words and the newest
// MaxTextAnswers answers, and every participant's ballots).
type PollBallotsStore interface {
	// AllBallots returns every poll of the room that is not deleted,
	// whatever its state, ordered by poll number, each with every ballot
	// cast in it, all read in one step of the room's replica (under its
	// lock) so the ballots are those of the polls as returned. Ballots of a text poll come in the order they were
	// cast, oldest first (a replaced ballot counts as new, as in
	// Tally.Answers); those of the other kinds ordered by participant id.
	// Refusals: ErrRoomNotFound.
	AllBallots(ctx context.Context, code string) ([]PollBallots, error)
}

// PollBallots is one poll with every ballot cast in it.
type PollBallots struct {
	Poll    Poll // as stored, with Correct
	Ballots []VoterBallot
}

// VoterBallot is one participant's standing ballot in a poll.
type VoterBallot struct {
	Participant string
	Ballot      Ballot
}
