package rooms

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes of the protocol's `error` event.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeRateLimited  = "rate_limited"
	CodeTooLarge     = "too_large"
	CodeClosed       = "closed"
	CodeConflict     = "conflict"
	// CodeUnavailable is an extension: the store could not be reached; the
	// command was not applied and may be retried.
	CodeUnavailable = "unavailable"
	// Extensions naming the room protections a host switches on (Room)
	// and the per-room caps (RoomCaps):
	// CodeNameRequired: the room needs a name on every post.
	CodeNameRequired = "name_required"
	// CodeSlowMode: the sender posted less than the room's slow-mode
	// interval ago; Error.RetryAt says when it may post again.
	CodeSlowMode = "slow_mode"
	// CodeTooNew: the sender joined the room less than the room's
	// hold_new_minutes ago and may not comment yet; Error.RetryAt says when.
	CodeTooNew = "too_new"
	// CodeRoomFull: the room holds as many questions, comments or polls as
	// the server allows one room (RoomCaps).
	CodeRoomFull = "room_full"
)

// Error is a refusal with a protocol error code and a message for people.
// Handlers return it for every bad input; anything else is an internal failure.
type Error struct {
	Code    string
	Message string
	// Question, when set, is the id of the existing question a `conflict`
	// refers to (an exact duplicate of the one asked); the hub sends it as
	// the error event's "question" field so the client can upvote it.
	Question string
	// RetryAt, when set, is when the refused command may succeed (Unix
	// ms): slow_mode and too_new. The hub sends it as "retry_at".
	RetryAt int64
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus maps the error code to the status of the HTTP command API.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden, CodeNameRequired:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeRateLimited, CodeSlowMode, CodeTooNew:
		return http.StatusTooManyRequests
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeClosed, CodeConflict, CodeRoomFull:
		return http.StatusConflict
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinel refusals of the rules and the log.
var (
	ErrRoomNotFound    = &Error{Code: CodeNotFound, Message: "no such room"}
	ErrCommentNotFound = &Error{Code: CodeNotFound, Message: "no such comment"}
	ErrRoomExists      = &Error{Code: CodeConflict, Message: "room code already taken"}
	ErrBanned          = &Error{Code: CodeForbidden, Message: "you are banned from this room"}
	ErrRoomClosed      = &Error{Code: CodeClosed, Message: "the room is closed"}
	ErrNotAuthor       = &Error{Code: CodeForbidden, Message: "only the author or staff may delete this"}
)

var errCommentsOff = &Error{Code: CodeForbidden, Message: "comments are turned off in this room"}

// AsError returns err as an *Error, or nil when err is not a refusal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
