package datasource

import (
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
