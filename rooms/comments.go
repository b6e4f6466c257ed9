package rooms

// Comment is one comment as clients see it.
type Comment struct {
	ID          string  `json:"id"`
	Text        string  `json:"text"`
	Author      *string `json:"author"`      // display name; null: anonymous
	Participant string  `json:"participant"` // pseudonymous id of the author
	At          int64   `json:"at"`          // Unix milliseconds
}

// commentEvent encodes the `comment` event.
func commentEvent(seq uint64, c Comment) []byte { return encodeEvent(TypeComment, seq, c) }

// commentDeletedEvent encodes the `comment_deleted` event.
func commentDeletedEvent(seq uint64, id string) []byte {
	return encodeEvent(EventCommentDeleted, seq, struct {
		ID string `json:"id"`
	}{id})
}
