package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// maxThrottleWait is how long a one-shot command waits out a throttled
// backend in all: PostHog's burst and concurrency limits clear in
// seconds, its hourly one may take most of an hour, which no cron job
// should sit through.
const maxThrottleWait = 30 * time.Second

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// snapshotPatiently asks src for q's snapshot, waiting out throttles that
// clear within maxThrottleWait in all (PostHog's 429 says when: in
// Retry-After or "Expected available in N seconds"). A longer one exits
// 3, the monitoring convention for "could not tell", with PostHog's
// reason.
func (a *app) snapshotPatiently(ctx context.Context, src datasource.Source, q datasource.Query) (*datasource.Snapshot, error) {
	var waited time.Duration
	for {
		snap, err := src.Snapshot(ctx, q)
		if err == nil {
			return snap, nil
		}
		if datasource.KindOf(err) != datasource.ErrThrottled {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		d, ok := datasource.RetryAfter(err)
		if !ok || waited+d > maxThrottleWait {
			return nil, &exitError{code: 3, err: fmt.Errorf("snapshot: %w; ttmon waits out at most %s of throttling (waited %s): run it again later",
				err, maxThrottleWait, waited)}
		}
		a.log.Info("throttled; waiting", "wait", d, "waited", waited)
		if err := a.sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		waited += d
	}
}
