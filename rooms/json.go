package rooms

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON is json.Marshal without HTML escaping: every event, snapshot
// and record is encoded with it, so `<`, `>` and `&` in people's texts stay
// one byte each (a question of 300 `<` is 300 bytes, not the 1,800 of
// `\u003c`). Nothing is lost: the pages build their DOM from data and never
// parse an event as HTML.
func MarshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
