package loadtest

// The read loop of every client runs this scanner on each newline-delimited
// event of each frame. It is a tiny JSON walker that looks only at the top
// level keys it needs and skips everything else, so it does not allocate and
// does not depend on the order in which the server writes its keys.

// evType is the kind of a server event, as far as the harness cares.
type evType uint8

const (
	evOther evType = iota // a type the harness does not know (durable if it carries seq)
	evWelcome
	evSnapshot
	evComment
	evAck
	evError
	evReactions
	evPresence
	evQuestion // a durable question event (its text may carry a harness stamp)
	evVotes    // coalesced upvote counts: {"questions":{"q12":41}}
	evResults  // coalesced poll tallies: {"poll":"p1","counts":[4,9],"total":13,"words":{…}}
)

// errCode is a known error code of an `error` event.
type errCode uint8

const (
	errNone errCode = iota
	errRateLimited
	errBadRequest
	errForbidden
	errClosed
	errOtherCode
	numErrCodes
)

var errCodeNames = [numErrCodes]string{"", "rate_limited", "bad_request", "forbidden", "closed", "other"}

// event holds the fields of one server event the harness reads. Slices point
// into the scanned line and are valid only until the next frame is read.
type event struct {
	typ     evType
	seq     int64 // top-level "seq"; 0 when absent
	hasSeq  bool  // "seq" was present
	id      int64 // numeric "id" (ack/error correlation); 0 when absent or a string
	sentNs  int64 // from a harness comment text "lt <unixnano> <publisher> ..."; 0 otherwise
	pub     int64 // the publisher index of a harness comment; -1 otherwise
	code    errCode
	counts  int64 // sum of "counts" (reactions event) or "reactions" (snapshot)
	delta   int64 // sum of "delta" (reactions event)
	count   int64 // "count" (presence)
	hasCnt  bool  // counts or reactions object was present
	resumed bool
	token   []byte // welcome "token", raw (the server's tokens contain no escapes)

	question []byte // "question" when a string (ask and upvote acks), unquoted
	qcounts  []byte // "questions" when an object (votes event), raw
	votes    int64  // "votes" when a number (upvote ack, question event)
	hasVotes bool

	poll       []byte // "poll" when a string (results event, vote ack), unquoted
	total      int64  // "total" (results event)
	rcounts    []byte // "counts" when an array (results event), raw
	words      []byte // "words" when an object (wordcloud results), raw
	changed    bool   // "changed" (vote ack)
	hasChanged bool
}

// durable reports whether the event counts in the room's seq continuity.
func (e *event) durable() bool {
	if !e.hasSeq {
		return false
	}
	switch e.typ {
	case evWelcome, evSnapshot, evAck, evError:
		return false
	}
	return true
}

// scanEvent fills ev from one JSON object line. It returns false when the line
// is not a well-formed object as far as the scanner walked; ev is then partial.
// It never allocates.
func scanEvent(line []byte, ev *event) bool {
	*ev = event{pub: -1}
	i := skipWS(line, 0)
	if i >= len(line) || line[i] != '{' {
		return false
	}
	i++
	for {
		i = skipWS(line, i)
		if i >= len(line) {
			return false
		}
		if line[i] == '}' {
			return true
		}
		if line[i] != '"' {
			return false
		}
		end := skipString(line, i)
		if end < 0 {
			return false
		}
		key := line[i+1 : end-1]
		i = skipWS(line, end)
		if i >= len(line) || line[i] != ':' {
			return false
		}
		i = skipWS(line, i+1)
		if i >= len(line) {
			return false
		}
		vend := skipValue(line, i)
		if vend < 0 {
			return false
		}
		val := line[i:vend]
		switch string(key) { // no allocation: the compiler converts for the comparison only
		case "type":
			ev.typ = typeOf(unquote(val))
		case "seq":
			ev.seq, ev.hasSeq = parseInt(val)
		case "id":
			ev.id, _ = parseInt(val)
		case "text":
			ev.sentNs, ev.pub = harnessStamp(unquote(val))
		case "code":
			ev.code = codeOf(unquote(val))
		case "counts", "reactions":
			if len(val) > 0 && val[0] == '{' {
				ev.counts, ev.hasCnt = sumObject(val), true
			} else if len(val) > 0 && val[0] == '[' {
				ev.rcounts = val
			}
		case "poll":
			ev.poll = unquote(val)
		case "total":
			ev.total, _ = parseInt(val)
		case "words":
			if len(val) > 0 && val[0] == '{' {
				ev.words = val
			}
		case "changed":
			ev.changed, ev.hasChanged = string(val) == "true", true
		case "delta":
			if len(val) > 0 && val[0] == '{' {
				ev.delta = sumObject(val)
			}
		case "count":
			ev.count, _ = parseInt(val)
		case "resumed":
			ev.resumed = string(val) == "true"
		case "token":
			ev.token = unquote(val)
		case "question":
			ev.question = unquote(val)
		case "questions":
			if len(val) > 0 && val[0] == '{' {
				ev.qcounts = val
			}
		case "votes":
			ev.votes, ev.hasVotes = parseInt(val)
		}
		i = skipWS(line, vend)
		if i >= len(line) {
			return false
		}
		switch line[i] {
		case ',':
			i++
		case '}':
			return true
		default:
			return false
		}
	}
}

func typeOf(b []byte) evType {
	switch string(b) {
	case "comment":
		return evComment
	case "ack":
		return evAck
	case "reactions":
		return evReactions
	case "presence":
		return evPresence
	case "error":
		return evError
	case "welcome":
		return evWelcome
	case "snapshot":
		return evSnapshot
	case "question":
		return evQuestion
	case "votes":
		return evVotes
	case "results":
		return evResults
	}
	return evOther
}

func codeOf(b []byte) errCode {
	switch string(b) {
	case "rate_limited":
		return errRateLimited
	case "bad_request":
		return errBadRequest
	case "forbidden":
		return errForbidden
	case "closed":
		return errClosed
	}
	return errOtherCode
}

// eachCount calls fn with every key (raw, without quotes) and integer value
// of a flat JSON object like {"q12":41,"q15":7}. It does not allocate.
func eachCount(obj []byte, fn func(key []byte, n int64)) {
	i := 1
	for i < len(obj) {
		i = skipWS(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			return
		}
		if obj[i] == ',' {
			i++
			continue
		}
		end := skipString(obj, i)
		if end < 0 {
			return
		}
		key := obj[i+1 : end-1]
		i = skipWS(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			return
		}
		i = skipWS(obj, i+1)
		vend := skipValue(obj, i)
		if vend < 0 {
			return
		}
		if n, ok := parseInt(obj[i:vend]); ok {
			fn(key, n)
		}
		i = vend
	}
}

// harnessStamp returns the unix-nanosecond publish time and the publisher
// index of a comment or question text written by the harness ("lt <unixnano> <publisher>
// <n>"), or 0 and -1.
func harnessStamp(text []byte) (ns, pub int64) {
	if len(text) < 4 || text[0] != 'l' || text[1] != 't' || text[2] != ' ' {
		return 0, -1
	}
	ns, i := leadingInt(text, 3)
	if i == 3 {
		return 0, -1
	}
	if i < len(text) && text[i] == ' ' {
		if p, j := leadingInt(text, i+1); j > i+1 {
			return ns, p
		}
	}
	return ns, -1
}

// leadingInt parses the decimal digits of b from i on and returns the value
// and the index after them.
func leadingInt(b []byte, i int) (int64, int) {
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i
}

// unquote strips the quotes of a JSON string value; escapes stay as they are.
// A non-string value yields nil.
func unquote(v []byte) []byte {
	if len(v) < 2 || v[0] != '"' {
		return nil
	}
	return v[1 : len(v)-1]
}

// parseInt parses a JSON integer value. ok is false for anything else.
func parseInt(v []byte) (n int64, ok bool) {
	if len(v) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	if v[0] == '-' {
		neg, i = true, 1
	}
	if i >= len(v) {
		return 0, false
	}
	for ; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// sumObject sums the integer values of a flat JSON object like {"like":3,"wow":1}.
func sumObject(obj []byte) int64 {
	var sum int64
	i := 1
	for i < len(obj) {
		i = skipWS(obj, i)
		if i >= len(obj) || obj[i] == '}' {
			break
		}
		if obj[i] == ',' {
			i++
			continue
		}
		end := skipString(obj, i)
		if end < 0 {
			break
		}
		i = skipWS(obj, end)
		if i >= len(obj) || obj[i] != ':' {
			break
		}
		i = skipWS(obj, i+1)
		vend := skipValue(obj, i)
		if vend < 0 {
			break
		}
		if n, ok := parseInt(obj[i:vend]); ok {
			sum += n
		}
		i = vend
	}
	return sum
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"', or -1.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// skipValue returns the index just past the JSON value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j)
				if j < 0 {
					return -1
				}
				j--
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1 // no value
	}
	return j
}
