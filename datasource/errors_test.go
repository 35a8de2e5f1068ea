package datasource

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	throttled := fmt.Errorf("snapshot: %w", &Error{Kind: ErrThrottled, Message: "slow down", RetryAfter: 7 * time.Second})
	if KindOf(throttled) != ErrThrottled || Permanent(throttled) {
		t.Fatalf("throttled: kind %v permanent %v", KindOf(throttled), Permanent(throttled))
	}
	if d, ok := RetryAfter(throttled); !ok || d != 7*time.Second {
		t.Fatalf("RetryAfter = %v %v", d, ok)
	}
	auth := &Error{Kind: ErrAuth, Message: "key lacks query:read"}
	if !Permanent(auth) || auth.Error() != "key lacks query:read" {
		t.Fatalf("auth: %v %q", Permanent(auth), auth.Error())
	}
	plain := errors.New("boom")
	if KindOf(plain) != ErrUnavailable || Permanent(plain) {
		t.Fatal("an unclassified error must be treated as retryable")
	}
	if _, ok := RetryAfter(plain); ok {
		t.Fatal("no RetryAfter on a plain error")
	}
	cause := errors.New("dial tcp: refused")
	wrapped := &Error{Kind: ErrUnavailable, Err: cause}
	if !errors.Is(wrapped, cause) || wrapped.Error() != cause.Error() {
		t.Fatal("Unwrap/Error must expose the cause")
	}
}

// TestCause: the badge word comes from the innermost error that names one
// (a decorator wraps the adapter's), else from the kind; a deadline is
// "timed out"; an unclassified error has none.
func TestCause(t *testing.T) {
	inner := &Error{Kind: ErrUnavailable, Short: "connection refused", Message: "connection refused by host"}
	outer := fmt.Errorf("poll: %w", &Error{Kind: ErrUnavailable, Message: "connection refused by host; next try in 2s", Err: inner})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), ""},
		{inner, "connection refused"},
		{outer, "connection refused"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "timed out"},
		{&Error{Kind: ErrUnavailable, Err: context.DeadlineExceeded}, "timed out"},
		{&Error{Kind: ErrThrottled, Message: "budget used up"}, "rate limited"},
		{&Error{Kind: ErrAuth, Message: "key"}, "not authorized"},
		{&Error{Kind: ErrQuery}, "query refused"},
		{&Error{Kind: ErrNotFound}, "not found"},
		{&Error{Kind: ErrUnavailable, Message: "down"}, ""},
	} {
		if got := Cause(tc.err); got != tc.want {
			t.Errorf("Cause(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
