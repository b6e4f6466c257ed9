package rooms

import (
	"strconv"
)

// Event is one server → client event as it travels from the Store through
// the Broker to every instance's fan-out. It is encoded once, when it is
// made; the fan-out only picks the bytes for each client's audience.
//
// Durable events have Seq > 0: the room's next number, assigned by the Store
// in the same atomic step as the state change. Ephemeral events (reactions,
// presence, votes, results) have Seq 0 and are never replayed.
type Event struct {
	Seq  uint64
	Type string
	// Data is the event as everyone may see it: one JSON object, no newline.
	Data []byte
	// Staff, when set, is the fuller version moderators and hosts receive
	// (a pending question). Nil means staff receive Data.
	Staff []byte
	// Own, when set, is the version Owner receives: the item with its
	// author's participant id, which only the author may see. Nil means
	// Owner receives Staff (or Data when that is nil too).
	Own []byte
	// Owner is the participant who receives Own (the author of a question
	// or comment). Empty: nobody.
	Owner string
	// Participant is whom an internal event (EventBan) concerns.
	Participant string
	// At is when the event was made, in Unix nanoseconds on the making
	// instance's clock; it feeds the broadcast-latency metric.
	At int64
}

// Internal reports whether the event is for the instances only and must
// never be written to a client.
func (e *Event) Internal() bool {
	return e.Type == EventBan || e.Type == EventResync || e.Type == EventRoomDeleted || e.Type == EventUpgrade || e.Type == EventKeys
}

// For returns the bytes a client with the given role and participant id
// receives, or nil when it must not see the event.
func (e *Event) For(staff bool, participant string) []byte {
	if e.Owner != "" && e.Owner == participant {
		switch {
		case e.Own != nil:
			return e.Own
		case e.Staff != nil:
			return e.Staff
		}
	}
	if staff && e.Staff != nil {
		return e.Staff
	}
	return e.Data
}

// encodeEvent returns {"type":typ,"seq":seq,...payload's fields}. payload
// must marshal to a JSON object; seq 0 is left out (ephemeral event).
func encodeEvent(typ string, seq uint64, payload any) []byte {
	body, err := MarshalJSON(payload)
	if err != nil {
		// Payloads are the package's own structs and maps of plain values.
		panic("rooms: encoding " + typ + ": " + err.Error())
	}
	return wrapEvent(typ, seq, body)
}

// wrapEvent prefixes the JSON object body with the type and seq fields.
func wrapEvent(typ string, seq uint64, body []byte) []byte {
	out := make([]byte, 0, len(body)+len(typ)+32)
	out = append(out, `{"type":"`...)
	out = append(out, typ...)
	out = append(out, '"')
	if seq > 0 {
		out = append(out, `,"seq":`...)
		out = strconv.AppendUint(out, seq, 10)
	}
	if len(body) > 2 { // not "{}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}
