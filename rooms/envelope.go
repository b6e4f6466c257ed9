package rooms

import (
	"bytes"
	"errors"
	"strconv"
)

// An envelope is how an Event travels on a room's pub/sub channel between
// instances. It is plain text:
//
//	hb1 <seq> <type> <owner> <participant> <at> <len(data)> <len(staff)>\n<data><staff>
//	hb2 <seq> <type> <owner> <participant> <at> <len(data)> <len(staff)> <len(own)>\n<data><staff><own>
//
// Empty owner and participant are written as "-"; at is Unix nanoseconds.
// Ids and types never contain spaces. An event with an Own version (an
// item its author receives with its participant id) is written as hb2,
// every other as hb1, which every instance reads.
const (
	envelopeMagic    = "hb1"
	envelopeMagicOwn = "hb2"
)

// RedisChannel is the pub/sub channel on which envelopes of the room's
// events travel (hub.RedisBroker's Publish). It shares the room's hash tag
// so that, with sharded pub/sub on Redis Cluster, it lives on the room's
// slot. (The room log announces its entries on roomlog.EntriesChannel
// instead.)
func RedisChannel(code string) string { return "{room:" + code + "}:events" }

// EncodeEnvelope returns ev as an envelope.
func EncodeEnvelope(ev Event) []byte {
	b := make([]byte, 0, len(ev.Data)+len(ev.Staff)+len(ev.Own)+96)
	if ev.Own != nil {
		b = append(b, envelopeMagicOwn...)
	} else {
		b = append(b, envelopeMagic...)
	}
	b = append(b, ' ')
	b = strconv.AppendUint(b, ev.Seq, 10)
	b = append(b, ' ')
	b = append(b, ev.Type...)
	b = append(b, ' ')
	b = appendDash(b, ev.Owner)
	b = append(b, ' ')
	b = appendDash(b, ev.Participant)
	b = append(b, ' ')
	b = strconv.AppendInt(b, ev.At, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(ev.Data)), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(ev.Staff)), 10)
	if ev.Own != nil {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(len(ev.Own)), 10)
	}
	b = append(b, '\n')
	b = append(b, ev.Data...)
	b = append(b, ev.Staff...)
	return append(b, ev.Own...)
}

func appendDash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return append(b, s...)
}

var errBadEnvelope = errors.New("rooms: malformed event envelope")

// DecodeEnvelope parses an envelope. Data, Staff and Own alias msg.
func DecodeEnvelope(msg []byte) (Event, error) {
	var ev Event
	nl := bytes.IndexByte(msg, '\n')
	if nl < 0 {
		return ev, errBadEnvelope
	}
	f := bytes.Fields(msg[:nl])
	ownLen, hasOwn := 0, false
	switch {
	case len(f) == 8 && string(f[0]) == envelopeMagic:
	case len(f) == 9 && string(f[0]) == envelopeMagicOwn:
		n, err := strconv.Atoi(string(f[8]))
		if err != nil || n < 0 {
			return ev, errBadEnvelope
		}
		ownLen, hasOwn = n, true
	default:
		return ev, errBadEnvelope
	}
	seq, err1 := strconv.ParseUint(string(f[1]), 10, 64)
	at, err2 := strconv.ParseInt(string(f[5]), 10, 64)
	dataLen, err3 := strconv.Atoi(string(f[6]))
	staffLen, err4 := strconv.Atoi(string(f[7]))
	body := msg[nl+1:]
	if err := errors.Join(err1, err2, err3, err4); err != nil || dataLen < 0 || staffLen < 0 || dataLen+staffLen+ownLen != len(body) {
		return ev, errBadEnvelope
	}
	ev.Seq, ev.Type, ev.At = seq, string(f[2]), at
	ev.Owner, ev.Participant = undash(f[3]), undash(f[4])
	if dataLen > 0 {
		ev.Data = body[:dataLen:dataLen]
	}
	if staffLen > 0 {
		ev.Staff = body[dataLen : dataLen+staffLen : dataLen+staffLen]
	}
	if hasOwn {
		ev.Own = body[dataLen+staffLen:]
	}
	return ev, nil
}

func undash(b []byte) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	return string(b)
}
