package rooms

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"
)

// exportAllComments is the comment count Export asks the store for: every
// comment a room can hold.
const exportAllComments = math.MaxInt32

// AnonymousAuthor is the author an export gives a question or comment
// posted without a name.
const AnonymousAuthor = "anonymous"

// Export is everything a room holds, for its host or moderators to keep
// after the event: GET /api/rooms/{code}/export. Times are RFC 3339 in UTC,
// with the Unix milliseconds beside them (fields ending in _ms).
type Export struct {
	// Format names this layout, so later versions can add to it knowingly.
	Format       string           `json:"format"`
	ExportedAt   string           `json:"exported_at"`
	ExportedAtMS int64            `json:"exported_at_ms"`
	Seq          uint64           `json:"seq"` // the room's seq the export reflects
	Room         ExportRoom       `json:"room"`
	Stats        ExportStats      `json:"stats"`
	Questions    []ExportQuestion `json:"questions"` // every question not deleted, by id
	// Polls: every poll not deleted, by id, with complete results and
	// every ballot under a pseudonymous voter id (poll_export.go).
	Polls     []ExportPoll    `json:"polls"`
	Comments  []ExportComment `json:"comments"` // every comment not deleted, oldest first
	Reactions Reactions       `json:"reactions"`
}

// ExportFormat is Export.Format.
const ExportFormat = "hubbub.export.v1"

// ExportRoom is the room's settings in an export: every field of Room
// (so settings added to Room appear here too), except that created_at is
// RFC 3339 in UTC, with created_at_ms beside it.
type ExportRoom struct {
	Room
	CreatedAt   string `json:"created_at"` // shadows Room.CreatedAt in JSON
	CreatedAtMS int64  `json:"created_at_ms"`
}

// ExportStats are engagement figures computed from the export's data.
type ExportStats struct {
	Questions int `json:"questions"` // not deleted, every status
	Live      int `json:"live"`
	Answered  int `json:"answered"`
	Pending   int `json:"pending"`
	Hidden    int `json:"hidden"`
	// Upvotes is the sum of the questions' upvotes.
	Upvotes  int64 `json:"upvotes"`
	Comments int   `json:"comments"`
	// Reactions is the sum of the reaction totals of every kind.
	Reactions int64 `json:"reactions"`
	// Contributors is how many distinct participants (staff included)
	// asked a question or wrote a comment that is still there.
	Contributors int `json:"contributors"`
	// Askers is how many distinct audience participants (staff left out)
	// asked a question that is still there.
	Askers int `json:"askers"`
}

// ReportQuestions is how many questions ReportView keeps.
const ReportQuestions = 10

// ReportView returns what the after-event report draws, without what only
// a full export needs: the ReportQuestions questions with the most votes
// (ties: the earlier asked first), every poll with its results but without
// its ballots, and no comments. Stats are those of the whole room.
func ReportView(e Export) Export {
	qs := slices.Clone(e.Questions)
	slices.SortStableFunc(qs, func(a, b ExportQuestion) int {
		if a.Votes != b.Votes {
			return cmp.Compare(b.Votes, a.Votes)
		}
		return cmp.Compare(a.AskedAtMS, b.AskedAtMS)
	})
	e.Questions = qs[:min(len(qs), ReportQuestions)]
	polls := make([]ExportPoll, len(e.Polls))
	for i, p := range e.Polls {
		p.Ballots = []ExportBallot{}
		polls[i] = p
	}
	e.Polls = polls
	e.Comments = []ExportComment{}
	return e
}

// ExportQuestion is one question in an export.
type ExportQuestion struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"`
	// Answered: the status is answered.
	Answered bool   `json:"answered"`
	Votes    int64  `json:"votes"`
	Pinned   bool   `json:"pinned"`
	Answer   string `json:"answer"` // "" when none
	// Author is the display name, or AnonymousAuthor (then Anonymous is
	// true, which tells it from someone who calls themselves "anonymous").
	Author    string `json:"author"`
	Anonymous bool   `json:"anonymous"`
	// Participant tells authors apart without naming them: "host" or
	// "moderator" for an item of the staff keys, else the item's handle
	// (exportParticipant). Participant ids never leave the server.
	Participant string `json:"participant"`
	// Handle is the item's opaque handle ("" for the staff keys' items):
	// `ban` takes it.
	Handle    string `json:"handle"`
	AskedAt   string `json:"asked_at"`
	AskedAtMS int64  `json:"asked_at_ms"`
}

// ExportComment is one comment in an export.
type ExportComment struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	Author      string `json:"author"`
	Anonymous   bool   `json:"anonymous"`
	Participant string `json:"participant"` // as in ExportQuestion
	Handle      string `json:"handle"`
	At          string `json:"at"`
	AtMS        int64  `json:"at_ms"`
}

// Export returns everything room code holds, for the holder of its host or
// moderator key (credential). Refusals: ErrRoomNotFound; unauthorized
// without a credential or with one that is not valid for the room;
// forbidden for a participant token.
func (s *Service) Export(ctx context.Context, credential, code string) (Export, error) {
	actor, err := s.Authenticate(ctx, code, credential)
	if err != nil {
		return Export{}, err
	}
	if !actor.Role.Staff() {
		return Export{}, &Error{Code: CodeForbidden, Message: "only the host and moderators may export a room"}
	}
	// Reactions this instance summed but has not flushed yet (at most one
	// flush interval's worth) go into the totals first.
	if err := s.flushRoomReactions(ctx, actor.Room); err != nil {
		return Export{}, err
	}
	st, err := s.store.StateWithQuestions(ctx, actor.Room, exportAllComments)
	if err != nil {
		return Export{}, err
	}
	polls, err := s.store.AllBallots(ctx, actor.Room)
	if err != nil {
		return Export{}, err
	}
	e := buildExport(st, time.Now())
	e.Polls = s.exportPolls(actor.Room, polls)
	return e, nil
}

// flushRoomReactions adds the reactions pending on this instance for one
// room to the store; on failure they stay pending.
func (s *Service) flushRoomReactions(ctx context.Context, code string) error {
	s.reactMu.Lock()
	d := s.pending[code]
	delete(s.pending, code)
	s.reactMu.Unlock()
	if d == nil || d.IsZero() {
		return nil
	}
	if _, err := s.store.AddReactions(ctx, code, *d); err != nil {
		s.restorePending(map[string]Reactions{code: *d})
		return err
	}
	var n int64
	for _, c := range d {
		n += c
	}
	s.metrics.reactionsFlushed.Add(float64(n))
	return nil
}

// buildExport turns a State (with every question and comment) into an
// Export made at now.
func buildExport(st State, now time.Time) Export {
	r := st.Room
	e := Export{
		Format:       ExportFormat,
		ExportedAt:   exportTime(now.UnixMilli()),
		ExportedAtMS: now.UnixMilli(),
		Seq:          st.Seq,
		Room:         ExportRoom{Room: r, CreatedAt: exportTime(r.CreatedAt), CreatedAtMS: r.CreatedAt},
		Questions:    make([]ExportQuestion, 0, len(st.Questions)),
		Polls:        []ExportPoll{},
		Comments:     make([]ExportComment, 0, len(st.Comments)),
		Reactions:    st.Reactions,
	}
	contributors, askers := make(map[string]bool), make(map[string]bool)
	for _, q := range st.Questions {
		author, anon := exportAuthor(q.Author)
		e.Questions = append(e.Questions, ExportQuestion{
			ID: q.ID, Text: q.Text, Status: q.Status, Answered: q.Status == QuestionAnswered,
			Votes: q.Votes, Pinned: q.Pinned, Answer: q.Answer,
			Author: author, Anonymous: anon, Participant: exportParticipant(q.Participant, q.Handle), Handle: q.Handle,
			AskedAt: exportTime(q.At), AskedAtMS: q.At,
		})
		switch q.Status {
		case QuestionLive:
			e.Stats.Live++
		case QuestionAnswered:
			e.Stats.Answered++
		case QuestionPending:
			e.Stats.Pending++
		case QuestionHidden:
			e.Stats.Hidden++
		}
		e.Stats.Upvotes += q.Votes
		if q.Participant != "" {
			contributors[q.Participant] = true
			if q.Participant != HostParticipant && q.Participant != ModeratorParticipant {
				askers[q.Participant] = true
			}
		}
	}
	for _, c := range st.Comments {
		author, anon := exportAuthor(c.Author)
		e.Comments = append(e.Comments, ExportComment{
			ID: c.ID, Text: c.Text, Author: author, Anonymous: anon, Participant: exportParticipant(c.Participant, c.Handle), Handle: c.Handle,
			At: exportTime(c.At), AtMS: c.At,
		})
		if c.Participant != "" {
			contributors[c.Participant] = true
		}
	}
	e.Stats.Questions = len(e.Questions)
	e.Stats.Comments = len(e.Comments)
	for _, n := range st.Reactions {
		e.Stats.Reactions += n
	}
	e.Stats.Contributors = len(contributors)
	e.Stats.Askers = len(askers)
	return e
}

// exportParticipant is what an export says of an item's author: the staff
// key's id for the staff keys' items, else the item's handle, so that no
// two items can be tied to one person (an anonymous question to its
// author's named comment) by the export.
func exportParticipant(participant, handle string) string {
	if staff(participant) {
		return participant
	}
	return handle
}

func exportAuthor(name *string) (string, bool) {
	if name == nil || *name == "" {
		return AnonymousAuthor, true
	}
	return *name, false
}

// exportTime formats Unix milliseconds as RFC 3339 in UTC, to the second.
func exportTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}
