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
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus maps the error code to the status of the HTTP command API.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeClosed, CodeConflict:
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
