package datasource

import (
	"context"
	"errors"
	"time"
)

// ErrorKind classifies a Source failure by what the caller should do next,
// so the UI can react the same way to every backend.
type ErrorKind int

// Error kinds.
const (
	// ErrUnavailable: the backend could not be reached or failed (network,
	// timeout, 5xx). Retry with backoff; keep the last good data.
	ErrUnavailable ErrorKind = iota + 1
	// ErrThrottled: the backend asked us to slow down. Retry after
	// RetryAfter.
	ErrThrottled
	// ErrAuth: the credentials are wrong or lack a permission. Retrying
	// will not help: stop polling and tell the user what to fix.
	ErrAuth
	// ErrQuery: the backend rejected the query (e.g. a HogQL validation
	// error). Show Detail; retrying the same query will not help.
	ErrQuery
	// ErrNotFound: the project or store does not exist.
	ErrNotFound
)

// String names the kind for logs and the status line.
func (k ErrorKind) String() string {
	switch k {
	case ErrUnavailable:
		return "unavailable"
	case ErrThrottled:
		return "throttled"
	case ErrAuth:
		return "auth"
	case ErrQuery:
		return "query"
	case ErrNotFound:
		return "not found"
	}
	return "error"
}

// Error is a classified Source failure. Its message says what happened and,
// where the user can do something, what to do. It never contains a secret.
type Error struct {
	Kind ErrorKind
	// Message is the human sentence shown in the status line.
	Message string
	// Short names the cause in a few plain words ("connection refused",
	// "timed out", "PostHog error 503") for the header badge, which has no
	// room for Message. Empty: Cause falls back to the kind.
	Short string
	// RetryAfter is the wait the backend asked for (ErrThrottled) or the
	// backoff chosen by the source (ErrUnavailable); 0 means "your call".
	RetryAfter time.Duration
	// Err is the underlying cause, if any.
	Err error
}

// Error returns the message, with the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a classified error anywhere in err's chain, or
// ErrUnavailable for an unclassified one (the safe assumption: retry).
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ErrUnavailable
}

// Cause names what went wrong in a few plain words, for a badge: the
// Short of the first classified error in err's chain that has one (a
// decorator's error wraps the adapter's), else a phrase for the kind. A
// deadline that ran out is "timed out"; an unclassified error has no
// cause ("").
func Cause(err error) string {
	if err == nil {
		return ""
	}
	var kind ErrorKind
	for e := err; e != nil; {
		var de *Error
		if !errors.As(e, &de) {
			break
		}
		if de.Short != "" {
			return de.Short
		}
		if kind == 0 {
			kind = de.Kind
		}
		e = de.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	switch kind {
	case ErrThrottled:
		return "rate limited"
	case ErrAuth:
		return "not authorized"
	case ErrQuery:
		return "query refused"
	case ErrNotFound:
		return "not found"
	}
	return ""
}

// RetryAfter returns how long to wait before trying again, if the error
// says.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// Permanent reports whether retrying the same request cannot succeed until
// the user changes something (credentials, project, query).
func Permanent(err error) bool {
	switch KindOf(err) {
	case ErrAuth, ErrQuery, ErrNotFound:
		return true
	}
	return false
}

// Pacer is implemented by sources with a request budget (PostHog's API
// limits). The UI asks it for the poll interval to use; when the budget
// forces a longer one than requested, reason says why, for the header.
type Pacer interface {
	PollInterval(requested time.Duration) (interval time.Duration, reason string)
}
