package civicdesk

import (
	"errors"
	"fmt"
)

// Code is a machine-readable error code of the public API.
type Code string

// Error codes. Adapters map driver errors to these; the HTTP layer maps them
// to statuses.
const (
	CodeInvalid         Code = "invalid_request"
	CodeUnknownField    Code = "unknown_field"
	CodeTooLarge        Code = "too_large"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeUnauthenticated Code = "unauthenticated"
	CodeForbidden       Code = "forbidden"
	CodeRateLimited     Code = "rate_limited"
	CodeUnavailable     Code = "unavailable"
	CodeInternal        Code = "internal"
)

// Error is an error with a code and a message safe to show to users.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, for logs; never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted user-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code and message, keeping err as the cause.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrNotFound is the sentinel stores return for a missing record.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// ErrorCode returns the code of err, CodeInternal if it carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsNotFound reports whether err means a record does not exist.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
