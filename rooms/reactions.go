package rooms

import (
	"encoding/json"
	"strconv"
)

// ReactionKinds are the reactions a participant can send, in wire order.
var ReactionKinds = [...]string{"like", "love", "clap", "laugh", "wow"}

// Reactions counts reactions per kind, indexed like ReactionKinds.
type Reactions [len(ReactionKinds)]int64

// reactionIndex returns the index of kind in ReactionKinds.
func reactionIndex(kind string) (int, bool) {
	for i, k := range ReactionKinds {
		if k == kind {
			return i, true
		}
	}
	return 0, false
}

// IsZero reports whether every count is zero.
func (r Reactions) IsZero() bool { return r == Reactions{} }

// Sub returns r - o.
func (r Reactions) Sub(o Reactions) Reactions {
	for i := range r {
		r[i] -= o[i]
	}
	return r
}

// Add returns r + o.
func (r Reactions) Add(o Reactions) Reactions {
	for i := range r {
		r[i] += o[i]
	}
	return r
}

// MarshalJSON writes every kind: {"like":3,"love":0,...}.
func (r Reactions) MarshalJSON() ([]byte, error) { return r.appendJSON(nil, false), nil }

// appendJSON writes r as a JSON object; nonZero leaves out zero counts.
func (r Reactions) appendJSON(b []byte, nonZero bool) []byte {
	b = append(b, '{')
	first := true
	for i, k := range ReactionKinds {
		if nonZero && r[i] == 0 {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, r[i], 10)
	}
	return append(b, '}')
}

// UnmarshalJSON reads an object of kinds to counts; unknown kinds are ignored.
func (r *Reactions) UnmarshalJSON(data []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*r = Reactions{}
	for k, v := range m {
		if i, ok := reactionIndex(k); ok {
			r[i] = v
		}
	}
	return nil
}

// ReactionsEvent encodes the ephemeral `reactions` event: the room's totals
// and what changed since the previous one.
func ReactionsEvent(totals, delta Reactions) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"type":"reactions","counts":`...)
	b = totals.appendJSON(b, false)
	b = append(b, `,"delta":`...)
	b = delta.appendJSON(b, true)
	return append(b, '}')
}
