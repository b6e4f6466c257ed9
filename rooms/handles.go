package rooms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// A handle is the opaque name of one item (a question or a comment) made by
// an audience participant: "h_" and 16 hex digits, drawn at random by the
// Service for each item, so that nothing a client receives ties two items
// to one person. Participant ids never leave the server except to their own
// holder (welcome.participant, and the `participant` of that holder's own
// items, by which a page knows them as its own). Staff act on an item, or
// on its handle, and the Machine resolves the author (ban); items of the
// staff keys have no handle (there is nobody to ban).
const handlePrefix = "h_"

// NewHandle returns a fresh random handle.
func NewHandle() string {
	var b [8]byte
	randomBytes(b[:])
	return handlePrefix + hex.EncodeToString(b[:])
}

// IsHandle reports whether s has the form of a handle.
func IsHandle(s string) bool {
	rest, ok := strings.CutPrefix(s, handlePrefix)
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

// itemHandle is the handle an item gets: the one its record carries, or,
// for an item of a record written before handles existed, one derived from
// the room and the item's id (it names the item, not its author, so it
// tells nobody more than the id does).
func itemHandle(given, code, id string) string {
	if IsHandle(given) {
		return given
	}
	sum := sha256.Sum256([]byte(code + "|" + id))
	return handlePrefix + hex.EncodeToString(sum[:8])
}

// rememberAuthor records that the item with handle h was written by
// participant, so a ban can name it even after the item is deleted.
func (m *Machine) rememberAuthor(h, participant string) {
	if h == "" {
		return
	}
	if m.authors == nil {
		m.authors = make(map[string]string)
	}
	m.authors[h] = participant
}

// resolveAuthor returns the audience participant a ban names: a question id
// ("q…"), a comment id ("c…"), a handle ("h_…"), or a participant id
// ("p_…", as the protocol's first version had it). Items of the staff keys
// name nobody.
func (m *Machine) resolveAuthor(target string) (string, *Error) {
	var who string
	switch {
	case strings.HasPrefix(target, "p_"):
		return target, nil
	case strings.HasPrefix(target, handlePrefix):
		p, ok := m.authors[target]
		if !ok {
			return "", errorf(CodeNotFound, "no item has that handle")
		}
		who = p
	case strings.HasPrefix(target, "q"):
		mq := m.byID[target]
		if mq == nil {
			return "", ErrQuestionNotFound
		}
		who = mq.q.Participant
	case strings.HasPrefix(target, "c"):
		i := m.commentIndex(target)
		if i < 0 {
			return "", ErrCommentNotFound
		}
		who = m.comments[i].Participant
	default:
		return "", errorf(CodeBadRequest, "ban names a question, a comment or a handle")
	}
	if who == "" || staff(who) {
		return "", errorf(CodeBadRequest, "that item was written by the room's staff")
	}
	return who, nil
}

// leaderHandleDomain separates leaderboard handles from every other MAC of
// the server's secret.
const leaderHandleDomain = "hubbub leaderboard handle\x00"

// LeaderHandle returns participant's handle on the room's leaderboards:
// "h_" and 16 hex digits of HMAC-SHA256(secret, domain, room, participant).
// It is the same in every leaderboard of the room (a page tells lines
// apart by it), differs between rooms, and without the secret it cannot be
// computed from a participant id, turned back into one, or tied to the
// handles of the participant's questions and comments.
func (t *Tokens) LeaderHandle(room, participant string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(leaderHandleDomain + room + "\x00" + participant))
	return handlePrefix + hex.EncodeToString(m.Sum(nil)[:8])
}

// giveHandles gives the audience's items of a snapshot taken before handles
// existed the handle their records would have given them (itemHandle), so
// staff can act on every item alike. Deterministic: every replica restoring
// the snapshot gives the same handles.
func (m *Machine) giveHandles() {
	for _, mq := range m.questions {
		if q := &mq.q; q.Handle == "" && q.Participant != "" && !staff(q.Participant) {
			q.Handle = itemHandle("", m.code, q.ID)
			m.rememberAuthor(q.Handle, q.Participant)
		}
	}
	for i := range m.comments {
		if c := &m.comments[i]; c.Handle == "" && c.Participant != "" && !staff(c.Participant) {
			c.Handle = itemHandle("", m.code, c.ID)
			m.rememberAuthor(c.Handle, c.Participant)
		}
	}
}
