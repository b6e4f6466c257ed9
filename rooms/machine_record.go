package rooms

import (
	"encoding/json"
	"fmt"
)

// Ops of a Record: what one log entry asks the room to do.
const (
	OpCreate         = "create"
	OpRoomSet        = "room_set"
	OpAsk            = "ask"
	OpUpvote         = "upvote"
	OpUnvote         = "unvote"
	OpQuestionSet    = "question_set"
	OpQuestionDelete = "question_delete"
	OpComment        = "comment"
	OpCommentDelete  = "comment_delete"
	OpBan            = "ban"
	OpReact          = "react"
)

// Record is the data of one log entry: a command that passed the Service's
// pre-checks (texts cleaned and bounded, the word filter applied, rate
// limits and roles checked), with everything the rules need to apply it
// and nothing they must find out (no clock, no randomness: the entry
// gives the time).
type Record struct {
	Op string `json:"op"`
	// Participant is who sent the command: an audience participant id, or
	// "" for the host or a moderator (Staff).
	Participant string `json:"p,omitempty"`
	Staff       bool   `json:"staff,omitempty"`
	// Author is the display name the item is posted under; nil: anonymous.
	Author *string `json:"author,omitempty"`
	// CID is the client's idempotency key of an ask or a comment.
	CID string `json:"cid,omitempty"`
	// Text of an ask or a comment.
	Text string `json:"text,omitempty"`
	// Handle is the opaque handle the Service drew for an audience
	// participant's ask or comment (handles.go).
	Handle string `json:"handle,omitempty"`
	// ID names the question or comment a command is about; for OpBan, the
	// item whose author is banned (a question, a comment, a handle) or the
	// participant's id.
	ID string `json:"id,omitempty"`
	// Room is the new room's settings (OpCreate), and Keys the hashes of
	// its host and moderator keys.
	Room *Room     `json:"room,omitempty"`
	Keys *RoomKeys `json:"keys,omitempty"`
	// Patch is a room_set's change (OpRoomSet).
	Patch *RoomPatch `json:"patch,omitempty"`
	// Question is a question_set's change (OpQuestionSet).
	Question *QuestionPatch `json:"question,omitempty"`
	// Reactions is a batch of reactions gathered by one instance (OpReact).
	Reactions *Reactions `json:"reactions,omitempty"`
	// Poll is a new poll, checked by the Service (OpPollCreate).
	Poll *Poll `json:"poll,omitempty"`
	// PollPatch is a poll_set's change (OpPollSet); its At is the entry's time.
	PollPatch *PollPatch `json:"poll_patch,omitempty"`
	// ClosesAt is the timer an OpPollExpire was set for.
	ClosesAt int64 `json:"closes_at,omitempty"`
	// Dir is an OpRunStep's direction (RunNext, RunPrevious); its ID is
	// the poll its sender saw as the run's cursor ("" for none).
	Dir string `json:"dir,omitempty"`
	// AdvancesAt is the pending step an OpRunAdvance was set for; its ID
	// is the quiz it steps on from.
	AdvancesAt int64 `json:"advances_at,omitempty"`
	// Ballot is an OpVote's answer, in canonical form (At and Name unused:
	// the entry's time and Author stand for them).
	Ballot *Ballot `json:"ballot,omitempty"`
	// Seen: OpSeen's participants, each with the Unix minute it joined;
	// Active: those among them an instance saw take part in a way the log
	// does not name them in (a reaction: reactions reach the log in
	// batches), in byte order.
	Seen   map[string]int64 `json:"seen,omitempty"`
	Active []string         `json:"active,omitempty"`
	// Connected: OpPresence's count of connected people.
	Connected int64 `json:"connected,omitempty"`
	// ClosedAt and DeleteAt: OpSchedule's retention, Unix milliseconds.
	ClosedAt int64 `json:"closed_at,omitempty"`
	DeleteAt int64 `json:"delete_at,omitempty"`
	// Held: an ask that must wait for moderation whatever the room's
	// setting (the word filter's "moderate" verdict).
	Held bool `json:"held,omitempty"`
	// Named: the sender of an ask has a display name, also when it asks
	// anonymously (Room.NameRequired).
	Named bool `json:"named,omitempty"`
	// Cap: the most items of the record's kind the room may hold (OpAsk:
	// questions, OpComment: comments, OpPollCreate: polls), from the
	// appending instance's RoomCaps; 0: no cap.
	Cap int `json:"cap,omitempty"`
	// AskRefill and AskBurst: an audience OpAsk's room-wide ask rate, from
	// the appending instance's RoomAskRate (µquestions a millisecond) and
	// RoomAskBurst; 0: none. The room's bucket is in its state, so the
	// rate holds once across every instance (machine_guard.go).
	AskRefill int64 `json:"ask_refill,omitempty"`
	AskBurst  int   `json:"ask_burst,omitempty"`
	// Addrs: OpSeen's participants with the keyed hash of the address
	// group they joined from (Service.addressHash): never the address.
	Addrs map[string]string `json:"addrs,omitempty"`
	// HidePosts and CoverAddress: an OpBan that also hides the banned
	// participant's questions and removes its comments, and that refuses
	// new participants from the addresses it was seen joining from.
	HidePosts    bool `json:"hide_posts,omitempty"`
	CoverAddress bool `json:"cover_address,omitempty"`
}

// RoomKeys are the hashes of a room's host and moderator keys (HashKey).
type RoomKeys struct {
	Host      [32]byte `json:"host"`
	Moderator [32]byte `json:"moderator"`
}

// EncodeRecord returns the record as a log entry's data: JSON, or the
// binary encoding of the hot ops (machine_record_binary.go).
func EncodeRecord(r Record) []byte {
	if b, ok := encodeBinaryRecord(r); ok {
		return b
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic("rooms: encoding a record: " + err.Error()) // plain values only
	}
	return b
}

// DecodeRecord reads a log entry's data.
func DecodeRecord(data []byte) (Record, error) {
	if len(data) > 0 && data[0] == recordBinary {
		return decodeBinaryRecord(data)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("rooms: a log record that is not one: %w", err)
	}
	return r, nil
}
