package rooms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Command types (client → server).
const (
	TypeHello          = "hello"
	TypeAsk            = "ask"
	TypeUpvote         = "upvote"
	TypeUnvote         = "unvote"
	TypeQuestionDelete = "question_delete"
	TypeQuestionSet    = "question_set"
	TypeComment        = "comment"
	TypeCommentDelete  = "comment_delete"
	TypeReact          = "react"
	TypePollCreate     = "poll_create"
	TypePollSet        = "poll_set"
	TypePollDelete     = "poll_delete"
	TypeVote           = "vote"
	// TypeRunStep steps the run of show (machine_runstep.go).
	TypeRunStep = "run_step"
	TypeRoomSet = "room_set"
	TypeBan     = "ban"
	// TypePing asks the server for a `pong` event with the same id: a
	// client on a quiet connection checks it is still alive with it.
	TypePing = "ping"
)

// Event types (server → client) that are not also command types.
const (
	EventWelcome        = "welcome"
	EventSnapshot       = "snapshot"
	EventAck            = "ack"
	EventError          = "error"
	EventCommentDeleted = "comment_deleted"
	EventRoom           = "room"
	EventReactions      = "reactions"
	EventPresence       = "presence"
	EventPong           = "pong"
	// EventBan is internal: it travels on a room's channel so that every
	// instance closes the banned participant's connections with 4003. It is
	// never sent to clients.
	EventBan = "ban"
	// EventResync is internal: a Broker delivers it after it (re)subscribed
	// to a room, so the instance fetches from the store whatever was
	// published while it was not listening.
	EventResync = "resync"
	// EventUpgrade is internal: the room's log holds entries of newer
	// rules than this instance runs (ErrNewerRules), so it closes the
	// room's clients with 1012 and they reconnect, to an upgraded instance.
	EventUpgrade = "upgrade"
)

// Role is what a participant may do in a room.
type Role string

// Roles.
const (
	RoleAudience  Role = "audience"
	RoleModerator Role = "moderator"
	RoleHost      Role = "host"
)

// Staff reports whether the role moderates (sees pending questions and
// unrevealed results).
func (r Role) Staff() bool { return r == RoleModerator || r == RoleHost }

// Actor is who sends a command: a participant of one room with a role.
type Actor struct {
	Room        string
	Participant string
	Role        Role
	Name        string // display name; empty: anonymous
	// Addr is the keyed hash of the address group the actor joined or
	// sent its command from (Service.JoinFrom, AuthenticateFrom); empty
	// when the caller did not say.
	Addr string
}

// Hello is the first client frame of a connection.
type Hello struct {
	Type  string `json:"type"`
	Room  string `json:"room"`
	Token string `json:"token,omitempty"`
	Name  string `json:"name,omitempty"`
	Since uint64 `json:"since,omitempty"`
	// Display (extension) marks a connection that shows the room rather
	// than takes part (the projector screen): it is not counted in presence.
	Display bool `json:"display,omitempty"`
}

// Command is any client command. Fields a command type does not use are
// ignored. Pointer fields distinguish "absent" from a zero value.
type Command struct {
	Type string `json:"type"`
	// ID is the client's correlation number, echoed in ack or error.
	ID *int64 `json:"id,omitempty"`
	// CID makes a creating command idempotent per participant.
	CID string `json:"cid,omitempty"`

	Text        string `json:"text,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	Question    string `json:"question,omitempty"`
	Comment     string `json:"comment,omitempty"`
	Kind        string `json:"kind,omitempty"`
	Participant string `json:"participant,omitempty"`
	// Handle names an item by its opaque handle (ban).
	Handle string `json:"handle,omitempty"`
	// Key names the key a key_rotate replaces: KeyHost or KeyModerator.
	Key string `json:"key,omitempty"`
	// Name is the author name for commands sent through the HTTP API, which
	// has no hello; on a WebSocket the hello's name is used.
	Name string `json:"name,omitempty"`

	Status *string `json:"status,omitempty"`
	Pinned *bool   `json:"pinned,omitempty"`
	Answer *string `json:"answer,omitempty"`

	Title      *string `json:"title,omitempty"`
	Moderation *bool   `json:"moderation,omitempty"`
	Comments   *bool   `json:"comments,omitempty"`
	Reactions  *bool   `json:"reactions,omitempty"`
	QA         *bool   `json:"qa,omitempty"`
	Closed     *bool   `json:"closed,omitempty"`
	Filter     *string `json:"filter,omitempty"` // FilterMask or FilterModerate
	// RetentionDays is the room's retention_days setting (room_set).
	RetentionDays *int `json:"retention_days,omitempty"`
	// NameRequired, HoldNewMinutes and SlowModeSeconds are the room's
	// protections (room_set; see Room).
	NameRequired    *bool `json:"name_required,omitempty"`
	HoldNewMinutes  *int  `json:"hold_new_minutes,omitempty"`
	SlowModeSeconds *int  `json:"slow_mode_seconds,omitempty"`
	// HidePosts and CoverAddress are a ban's options (BanOptions).
	HidePosts    bool `json:"hide_posts,omitempty"`
	CoverAddress bool `json:"cover_address,omitempty"`
	// Stage is the room's stage setting (room_set): one of Stages.
	Stage *string `json:"stage,omitempty"`
	// Accent, Theme and Logo are the room's branding settings (room_set).
	Accent *string `json:"accent,omitempty"`
	Theme  *string `json:"theme,omitempty"`
	Logo   *string `json:"logo,omitempty"`

	Poll    string   `json:"poll,omitempty"`
	Options []string `json:"options,omitempty"`
	Max     int      `json:"max,omitempty"`
	Correct []int    `json:"correct,omitempty"`
	Seconds int      `json:"seconds,omitempty"`
	State   string   `json:"state,omitempty"`
	Reveal  *bool    `json:"reveal,omitempty"`
	Choices []int    `json:"choices,omitempty"`
	Rating  int      `json:"rating,omitempty"`
	// SpeedBonus turns a timed quiz's speed bonus on or off (poll_create,
	// poll_set); absent at poll_create: on for a timed quiz.
	SpeedBonus *bool `json:"speed_bonus,omitempty"`
	// Order is a poll's place in the run of show (poll_set): 1–MaxPollOrder.
	Order *int `json:"order,omitempty"`
	// Advance is a timed quiz's pause before the run steps on by itself
	// (poll_create, poll_set): 0 (off) or MinRunAdvance–MaxRunAdvance.
	Advance *int `json:"advance,omitempty"`
	// Dir and From are a run_step's direction (RunNext, RunPrevious) and
	// the poll its sender saw as the run's cursor ("" for none).
	Dir  string `json:"dir,omitempty"`
	From string `json:"from,omitempty"`
}

// DecodeCommand parses one client frame. It returns a *Error with code
// bad_request for anything that is not a JSON object with a string "type".
// It never panics, whatever the input.
func DecodeCommand(data []byte) (Command, error) {
	var cmd Command
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return cmd, errorf(CodeBadRequest, "a command is one JSON object")
	}
	if err := json.Unmarshal(data, &cmd); err != nil {
		// Recover the id, when it is an integer, so the error can echo it;
		// one of another type is left out (Unmarshal may have set it to 0).
		cmd.ID = nil
		var idOnly struct {
			ID *int64 `json:"id"`
		}
		if json.Unmarshal(data, &idOnly) == nil {
			cmd.ID = idOnly.ID
		}
		return cmd, errorf(CodeBadRequest, "invalid command: %s", jsonProblem(err))
	}
	if cmd.Type == "" {
		return cmd, errorf(CodeBadRequest, "missing \"type\"")
	}
	return cmd, nil
}

// DecodeHello parses the first frame of a connection.
func DecodeHello(data []byte) (Hello, error) {
	var h Hello
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return h, errorf(CodeBadRequest, "the first message must be a hello object")
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, errorf(CodeBadRequest, "invalid hello: %s", jsonProblem(err))
	}
	if h.Type != TypeHello {
		return h, errorf(CodeBadRequest, "the first message must be of type \"hello\"")
	}
	return h, nil
}

// jsonProblem turns a decoding error into a short message without Go type names.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field \"" + te.Field + "\" has the wrong type"
	}
	return "not valid JSON"
}

// cleanText trims s, turns line breaks (also U+2028 and U+2029) and tabs
// into spaces, drops other control and format characters (ZWJ stays, for
// emoji sequences), invalid UTF-8, invisible letters (Hangul fillers, the
// blank Braille pattern) and combining marks past MaxMarksPerBase after one
// base character, and reports the result with its length in characters. A
// text without one visible character (a letter, digit, punctuation mark or
// symbol) comes back empty: made only of ZWJ, fillers or marks, it would
// show as nothing.
func cleanText(s string) (string, int) {
	var b strings.Builder
	b.Grow(len(s))
	n, marks, visible := 0, 0, 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			r = ' '
		case unicode.IsControl(r) || (unicode.Is(unicode.Cf, r) && r != '\u200d'):
			continue
		case invisibleLetter(r):
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if marks >= MaxMarksPerBase {
				continue
			}
			marks++
		} else {
			marks = 0
			if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) {
				visible++
			}
		}
		b.WriteRune(r)
		n++
	}
	if visible == 0 {
		return "", 0
	}
	out := strings.TrimSpace(b.String())
	if len(out) != b.Len() {
		n = utf8.RuneCountInString(out)
	}
	return out, n
}

// invisibleLetter reports the code points that show as blank space yet are
// not format characters: Unicode's other default-ignorable code points
// (among them the Hangul fillers, letters by category) and the blank
// Braille pattern, favourites for names and texts that look empty.
func invisibleLetter(r rune) bool {
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || r == '\u2800'
}

// TextTooLong reports whether a cleaned text of n characters (cleanText)
// is over max characters or max*MaxBytesPerChar bytes.
func TextTooLong(text string, n, max int) bool {
	return n > max || len(text) > max*MaxBytesPerChar
}

// lengthLimit says what TextTooLong allows, for a refusal: "300
// characters (900 bytes; an emoji takes 4)".
func lengthLimit(max int) string {
	return fmt.Sprintf("%d characters (%d bytes; an emoji takes 4)", max, max*MaxBytesPerChar)
}

// cleanName returns a display name: cleaned, cut to MaxNameRunes characters
// and MaxNameRunes*MaxBytesPerChar bytes.
func cleanName(s string) string {
	s, n := cleanText(s)
	if !TextTooLong(s, n, MaxNameRunes) {
		return s
	}
	r := []rune(s)[:min(n, MaxNameRunes)]
	for len(string(r)) > MaxNameRunes*MaxBytesPerChar {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r))
}
