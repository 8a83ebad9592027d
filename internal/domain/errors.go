// Package domain holds Ohjaamo's aggregates, their commands, events and rules,
// and the one coded error type. It does no I/O: no NATS, SQLite or Connect.
package domain

import (
	"errors"
	"fmt"
)

// Code classifies an Error. The API maps each code to a transport code in
// exactly one table.
type Code string

const (
	CodeInvalid            Code = "invalid"             // bad input; Field names it
	CodeNotFound           Code = "not_found"           // the thing referred to does not exist
	CodeAlreadyExists      Code = "already_exists"      // a create for something that exists
	CodeFailedPrecondition Code = "failed_precondition" // a rule of the network or the procedure
	CodeConflict           Code = "conflict"            // optimistic concurrency: decided on a stale version
	CodePermissionDenied   Code = "permission_denied"
	CodeUnauthenticated    Code = "unauthenticated" // no valid credentials for what needs them
	CodeUnavailable        Code = "unavailable"     // e.g. read models not caught up in time
	CodeInternal           Code = "internal"
)

// Error is the application error. Message is English; MessageFI is the same
// in Finnish, for users whose interface is Finnish.
type Error struct {
	Code      Code
	Field     string
	Message   string
	MessageFI string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Is makes errors.Is(err, &Error{Code: X}) match any Error with code X.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Code == e.Code && (t.Field == "" || t.Field == e.Field)
}

// ErrConflict matches every optimistic-concurrency conflict.
var ErrConflict = &Error{Code: CodeConflict, Message: "the aggregate changed since it was read; reload and retry", MessageFI: "tietoa on muutettu lukemisen jälkeen; lataa uudelleen ja yritä uudestaan"}

// ErrorCode returns the code of the first *Error in err's chain, or
// CodeInternal when there is none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

func invalid(field, en, fi string) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: en, MessageFI: fi}
}

func notFound(field, en, fi string) *Error {
	return &Error{Code: CodeNotFound, Field: field, Message: en, MessageFI: fi}
}

func precondition(field, en, fi string) *Error {
	return &Error{Code: CodeFailedPrecondition, Field: field, Message: en, MessageFI: fi}
}

// Invalid reports bad input in field, in English and Finnish.
func Invalid(field, en, fi string) *Error { return invalid(field, en, fi) }
