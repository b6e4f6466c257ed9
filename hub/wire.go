package hub

import (
	"strconv"

	"github.com/hubbubhq/hubbub/rooms"
)

// encodeAck returns {"type":"ack","id":id,...ack's fields}.
func encodeAck(id int64, ack rooms.Ack) []byte {
	body, _ := rooms.MarshalJSON(ack) // plain struct: cannot fail
	b := make([]byte, 0, len(body)+32)
	b = append(b, `{"type":"ack","id":`...)
	b = strconv.AppendInt(b, id, 10)
	if len(body) > 2 {
		b = append(b, ',')
		b = append(b, body[1:]...)
	} else {
		b = append(b, '}')
	}
	return b
}

// encodePong returns the `pong` event answering a ping, with its id.
func encodePong(id *int64) []byte {
	if id == nil {
		return []byte(`{"type":"pong"}`)
	}
	return append(strconv.AppendInt([]byte(`{"type":"pong","id":`), *id, 10), '}')
}

// encodeError returns the `error` event; id is echoed when the command had
// one, and a duplicate question's conflict names the existing question.
func encodeError(id *int64, e *rooms.Error) []byte {
	b, _ := rooms.MarshalJSON(struct {
		Type     string `json:"type"`
		ID       *int64 `json:"id,omitempty"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Question string `json:"question,omitempty"`
		RetryAt  int64  `json:"retry_at,omitempty"`
	}{rooms.EventError, id, e.Code, e.Message, e.Question, e.RetryAt})
	return b
}
