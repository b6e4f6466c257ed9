package rooms

import (
	"strconv"
)

// Machine is one room's state as a deterministic state machine over the
// room's log: Apply folds entries in, in log order, and two machines fed
// the same entries (or one fed a snapshot and the entries after it) are in
// the same state, byte for byte (Snapshot, Hash). It has no clock (time
// comes from the entry), no randomness (ids are counters kept in the
// state), no I/O and no dependence on map order, so every instance that
// serves the room keeps a replica and applies the same rules once.
//
// It holds the room's settings, questions with their voters, comments,
// bans, reaction totals, polls with their ballots, quiz scores, and the
// durable event sequence (seq) clients see.
// A Machine is not safe for concurrent use: its replica serialises access.
type Machine struct {
	code    string
	created bool
	room    Room
	keys    RoomKeys
	seq     uint64
	pos     uint64 // the last entry applied
	epoch   uint64

	questions []*machineQuestion // by number, oldest first; deleted ones removed
	byID      map[string]*machineQuestion
	texts     map[string]string // question text → id, for duplicates
	askCIDs   map[string]string // participant "|" cid → question id
	pinned    string
	nextQ     uint64

	comments   []Comment
	commentCID map[string]string // participant "|" cid → comment id
	nextC      uint64

	banned    map[string]bool
	reactions Reactions
	// authors maps the handle of every item an audience participant made,
	// deleted ones too, to its author: staff ban by item (handles.go).
	authors map[string]string

	guard      machineGuard // machine_guard.go
	lastActive int64        // see LastActive

	polls   machinePolls   // machine_polls.go
	insight machineInsight // machine_insight.go

	// dirtyVotes are the questions whose vote count changed since the last
	// TakeVoteChanges: votes reach clients coalesced, not per upvote.
	dirtyVotes map[string]bool
}

// machineQuestion is a question with its voters; q.Votes == len(voters).
type machineQuestion struct {
	q      Question
	voters map[string]bool
}

// Outcome is what applying one entry meant for the command's sender.
type Outcome struct {
	// Err is the command's refusal; nil: it was applied (perhaps changing
	// nothing). A refused command changes nothing and makes no event.
	Err *Error
	// Question, Comment: the item an ask or a comment made (or, for a
	// repeated cid, made before).
	Question *Question
	Comment  *Comment
	Poll     *Poll
	// Votes is the question's count after an upvote or unvote, and
	// Changed whether the vote (or the ballot) changed a count.
	Votes   int64
	Changed bool
	// Hidden is how many questions and comments a ban hid (HidePosts).
	Hidden int
	// Events are the events the entry made, as Apply returned them; set
	// by the Replica that applied it.
	Events []Event
}

// EpochSeqGap is how far a room's seq jumps at the first entry of a new
// epoch: more than any replica retains for resumes (DefaultRetainedEvents
// and the -retained-events bound), so a client of the lost history always
// gets a snapshot. The numbers of question, comment and poll ids jump by
// as much (from rules version rulesEpochSkipsIDs): more items than a room
// can make between two saves of its log (its caps are 5,000 questions,
// 20,000 comments and 200 polls at once, and asks and comments are rate
// limited), so no id clients were shown is given to another item.
const EpochSeqGap = 1 << 20

// rulesEpochSkipsIDs is the first RulesVersion whose new epoch skips ids.
const rulesEpochSkipsIDs = 4

// OpEpoch is a replica's notice that the log lost entries it applied, when
// another instance appended at their positions without knowing them (so the
// log could not tell): it is appended with LogDiverged, the log starts a new
// epoch at it, and it changes nothing else.
const OpEpoch = "epoch"

// NewMachine returns the machine of room code before its first entry.
func NewMachine(code string) *Machine {
	return &Machine{code: code}
}

// Seq is the room's last durable event number.
func (m *Machine) Seq() uint64 { return m.seq }

// Pos is the position of the last entry applied, and Epoch its epoch.
func (m *Machine) Pos() uint64   { return m.pos }
func (m *Machine) Epoch() uint64 { return m.epoch }

// Room is the room's settings.
func (m *Machine) Room() Room { return m.room }

// Created reports whether the room exists: its create entry was applied.
func (m *Machine) Created() bool { return m.created }

// Record is the room's settings with the hashes of its keys.
func (m *Machine) Record() RoomRecord {
	return RoomRecord{Room: m.room, HostKeyHash: m.keys.Host, ModeratorKeyHash: m.keys.Moderator}
}

// Banned reports whether participant is banned from the room.
func (m *Machine) Banned(participant string) bool { return m.banned[participant] }

// Reactions is the room's reaction totals.
func (m *Machine) Reactions() Reactions { return m.reactions }

// Apply folds entry e into the state and returns the durable events it
// made (numbered from Seq()+1) and what it meant for its sender. An entry
// whose data is not a record, or whose op is unknown, is refused with
// bad_request and changes nothing but the position: the log is the truth,
// and a replica must keep step with every other.
func (m *Machine) Apply(e Entry) ([]Event, Outcome) {
	if m.created && e.Epoch != m.epoch {
		// The log went backwards: clients may have seen seqs it lost.
		// Skipping EpochSeqGap puts every one of them outside the newest
		// events a resume can replay, so each gets a fresh snapshot, and no
		// seq of the lost history is given to another event.
		m.seq += EpochSeqGap
		if e.Rules >= rulesEpochSkipsIDs {
			// Nor is a question, comment or poll id clients were shown.
			m.nextQ += EpochSeqGap
			m.nextC += EpochSeqGap
			m.polls.nextP += EpochSeqGap
		}
	}
	m.pos, m.epoch = e.Pos, e.Epoch
	r, err := DecodeRecord(e.Data)
	if err != nil {
		return nil, Outcome{Err: errorf(CodeBadRequest, "unreadable record")}
	}
	if r.Op != OpCreate && !m.created {
		return nil, Outcome{Err: ErrRoomNotFound}
	}
	events, out := m.apply(r, e.Time)
	if out.Err == nil {
		m.countApplied(r, e.Time, out, events)
		if activity(r.Op) {
			m.lastActive = e.Time
		}
	}
	return events, out
}

// apply applies record r at time at.
func (m *Machine) apply(r Record, at int64) ([]Event, Outcome) {
	switch r.Op {
	case OpCreate:
		return m.create(r, at)
	case OpRoomSet:
		return m.setRoom(r)
	case OpAsk:
		return m.ask(r, at)
	case OpUpvote, OpUnvote:
		return m.vote(r)
	case OpQuestionSet:
		return m.setQuestion(r)
	case OpPollAnswerRemove:
		return m.removeAnswer(r)
	case OpQuestionEdit:
		return m.editQuestion(r)
	case OpQuestionDelete:
		return m.deleteQuestion(r)
	case OpComment:
		return m.comment(r, at)
	case OpCommentDelete:
		return m.deleteComment(r)
	case OpBan:
		return m.ban(r)
	case OpReact:
		return m.react(r)
	case OpPollCreate:
		return m.createPoll(r, at)
	case OpPollSet:
		return m.setPoll(r, at)
	case OpPollExpire:
		return m.expirePoll(r, at)
	case OpRunStep:
		return m.runStep(r, at)
	case OpRunAdvance:
		return m.runAdvance(r, at)
	case OpPollDelete:
		return m.deletePoll(r)
	case OpVote:
		return m.castBallot(r, at)
	case OpSeen:
		m.guard.seen(r, at)
		return m.seen(r)
	case OpPresence:
		return m.presence(r, at)
	case OpSchedule:
		return m.schedule(r)
	case OpKeys:
		return m.rotateKeys(r)
	case OpEpoch:
		return nil, Outcome{} // its new epoch was taken above
	}
	return nil, Outcome{Err: errorf(CodeBadRequest, "unknown record op %q", r.Op)}
}

// next returns the next durable event number, taking it.
func (m *Machine) next() uint64 {
	m.seq++
	return m.seq
}

func (m *Machine) create(r Record, at int64) ([]Event, Outcome) {
	if m.created {
		return nil, Outcome{Err: ErrRoomExists}
	}
	if r.Room == nil {
		return nil, Outcome{Err: errorf(CodeBadRequest, "a create record without its room")}
	}
	m.created = true
	m.room = *r.Room
	if r.Keys != nil {
		m.keys = *r.Keys
	}
	m.room.Code = m.code
	m.room.CreatedAt = at
	return nil, Outcome{}
}

func (m *Machine) setRoom(r Record) ([]Event, Outcome) {
	if !r.Staff || r.Patch == nil {
		return nil, Outcome{Err: errorf(CodeForbidden, "only the host changes the room")}
	}
	if st := r.Patch.Stage; st != nil && !ValidStage(*st) {
		return nil, Outcome{Err: ErrUnknownStage}
	}
	if err := r.Patch.brandingError(); err != nil {
		return nil, Outcome{Err: err}
	}
	was := m.room
	m.room = r.Patch.Apply(m.room)
	if m.room.Closed && !was.Closed {
		// Closing ends the session, and the address cover of its bans.
		m.guard.covered = nil
	}
	seq := m.next()
	return []Event{{Seq: seq, Type: EventRoom, Data: roomEvent(seq, m.room)}}, Outcome{}
}

// postAllowed refuses a post from a banned participant or to a closed room.
func (m *Machine) postAllowed(r Record) *Error {
	if err := postAllowed(m.room, !r.Staff && m.banned[r.Participant]); err != nil {
		return AsError(err)
	}
	return nil
}

func (m *Machine) comment(r Record, at int64) ([]Event, Outcome) {
	if err := m.postAllowed(r); err != nil {
		return nil, Outcome{Err: err}
	}
	if !m.room.Comments {
		return nil, Outcome{Err: errCommentsOff}
	}
	key := r.Participant + "|" + r.CID
	if r.CID != "" {
		if id, seen := m.commentCID[key]; seen {
			c := Comment{ID: id}
			if i := m.commentIndex(id); i >= 0 {
				c = m.comments[i]
			}
			return nil, Outcome{Comment: &c}
		}
	}
	if _, err := m.postRules(r, at, false); err != nil {
		return nil, Outcome{Err: err}
	}
	if err := roomFull(r, len(m.comments), "comments"); err != nil {
		return nil, Outcome{Err: err}
	}
	m.notePost(r, at)
	m.nextC++
	c := Comment{ID: "c" + strconv.FormatUint(m.nextC, 10), Text: r.Text, Author: r.Author, Participant: r.Participant, At: at}
	if !r.Staff {
		c.Handle = itemHandle(r.Handle, m.code, c.ID)
		m.rememberAuthor(c.Handle, c.Participant)
	}
	if r.CID != "" {
		if m.commentCID == nil {
			m.commentCID = make(map[string]string)
		}
		m.commentCID[key] = c.ID
	}
	m.comments = append(m.comments, c)
	seq := m.next()
	return []Event{commentEvent(seq, c)}, Outcome{Comment: &c}
}

// commentIndex returns the index of comment id in m.comments, or -1.
// Comments are in id order, so it is a binary search.
func (m *Machine) commentIndex(id string) int {
	n, ok := itemNumber(id, 'c')
	if !ok {
		return -1
	}
	lo, hi := 0, len(m.comments)
	for lo < hi {
		mid := (lo + hi) / 2
		if k, _ := itemNumber(m.comments[mid].ID, 'c'); k < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(m.comments) && m.comments[lo].ID == id {
		return lo
	}
	return -1
}

// itemNumber reads the number of an id "<prefix><n>".
func itemNumber(id string, prefix byte) (uint64, bool) {
	if len(id) < 2 || id[0] != prefix {
		return 0, false
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	return n, err == nil
}

func (m *Machine) deleteComment(r Record) ([]Event, Outcome) {
	i := m.commentIndex(r.ID)
	if i < 0 {
		return nil, Outcome{Err: ErrCommentNotFound}
	}
	if !r.Staff && m.comments[i].Participant != r.Participant {
		return nil, Outcome{Err: ErrNotAuthor}
	}
	m.comments = append(m.comments[:i], m.comments[i+1:]...)
	seq := m.next()
	return []Event{{Seq: seq, Type: EventCommentDeleted, Data: commentDeletedEvent(seq, r.ID)}}, Outcome{}
}

// ban bars a participant from posting, voting and reacting; the internal
// EventBan tells every instance to close its connections. r.ID names the
// participant by an item it made (a question, a comment, a handle) or by
// its id (resolveAuthor): staff need not, and cannot, know who it is.
// HidePosts also hides its live and pending questions and deletes its
// comments (one durable event each); CoverAddress refuses new participants
// from the address groups it joined from, until the room is closed
// (Outcome.Changed: some were known).
func (m *Machine) ban(r Record) ([]Event, Outcome) {
	if !r.Staff {
		return nil, Outcome{Err: errorf(CodeForbidden, "only staff may ban")}
	}
	if r.ID == "" {
		return nil, Outcome{Err: errorf(CodeBadRequest, "ban whom?")}
	}
	who, err := m.resolveAuthor(r.ID)
	if err != nil {
		return nil, Outcome{Err: err}
	}
	if m.banned == nil {
		m.banned = make(map[string]bool)
	}
	m.banned[who] = true
	events := []Event{{Type: EventBan, Participant: who}}
	var out Outcome
	if r.HidePosts {
		hidden, n := m.hidePosts(who)
		events = append(events, hidden...)
		out.Hidden = n
	}
	if r.CoverAddress {
		out.Changed = m.guard.cover(who)
	}
	return events, out
}

// react adds a batch of reactions to the totals. The batch was gathered
// (and its senders checked) by one instance; the totals reach clients in
// that instance's coalesced reactions events, not as durable events.
func (m *Machine) react(r Record) ([]Event, Outcome) {
	if r.Reactions == nil {
		return nil, Outcome{}
	}
	if m.room.Closed {
		return nil, Outcome{Err: ErrRoomClosed}
	}
	if !m.room.Reactions {
		return nil, Outcome{Err: errorf(CodeForbidden, "reactions are turned off in this room")}
	}
	m.reactions = m.reactions.Add(*r.Reactions)
	return nil, Outcome{}
}
