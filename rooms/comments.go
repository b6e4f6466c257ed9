package rooms

// Comment is one comment as clients see it.
type Comment struct {
	ID     string  `json:"id"`
	Text   string  `json:"text"`
	Author *string `json:"author"` // display name; null: anonymous
	// Participant is the author's pseudonymous id. It is sent only to the
	// author itself (commentEvent, the snapshot), by which its page knows
	// the comment as its own; everyone else, staff included, gets Handle.
	Participant string `json:"participant,omitempty"`
	At          int64  `json:"at"` // Unix milliseconds
	// Handle is the comment's opaque handle (handles.go); "" for a
	// comment of the staff keys.
	Handle string `json:"handle,omitempty"`
}

// public returns the comment as everyone but its author receives it.
func (c Comment) public() Comment {
	c.Participant = ""
	return c
}

// commentEvent returns the durable `comment` event of c at seq: everyone
// receives it without `participant`, the author (Owner) with it.
func commentEvent(seq uint64, c Comment) Event {
	return Event{
		Seq: seq, Type: TypeComment,
		Data:  encodeEvent(TypeComment, seq, c.public()),
		Own:   encodeEvent(TypeComment, seq, c),
		Owner: c.Participant,
	}
}

// commentDeletedEvent encodes the `comment_deleted` event.
func commentDeletedEvent(seq uint64, id string) []byte {
	return encodeEvent(EventCommentDeleted, seq, struct {
		ID string `json:"id"`
	}{id})
}
