package cmd

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// fakeTime is the clock and the sleep of an app under test: sleeping
// advances the clock at once, and the waits are recorded.
type fakeTime struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func (f *fakeTime) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeTime) sleep(_ context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
	f.slept = append(f.slept, d)
	return nil
}

// runAt runs the command tree like run, on clock ft.
func runAt(t *testing.T, ft *fakeTime, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] },
		now: ft.now, sleep: ft.sleep}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = a.run(ctx, args)
	return code, out.String(), errb.String()
}

// TestSnapshotWaitsOutThrottle: ttmon snapshot waits out a 429 that clears
// soon (the seconds in PostHog's message, or Retry-After), up to 30 s in
// all, then succeeds; a longer throttle exits 3 with PostHog's reason,
// and as UNKNOWN under --check. Time is a fake clock: nothing sleeps.
func TestSnapshotWaitsOutThrottle(t *testing.T) {
	cases := []struct {
		name   string
		push   func(f *posthogtest.Server)
		code   int
		slept  []time.Duration
		out    string // in stdout
		errs   string // in stderr
		checks bool   // run with --check
	}{
		{"expected available in 2 seconds", func(f *posthogtest.Server) {
			f.Push(429, posthogtest.Body429(2), nil)
		}, 0, []time.Duration{2 * time.Second}, "1,280", "", false},
		{"Retry-After", func(f *posthogtest.Server) {
			f.Push(429, `{"type":"throttled_error","code":"throttled","detail":"Request was throttled.","attr":null}`, map[string]string{"Retry-After": "3"})
		}, 0, []time.Duration{3 * time.Second}, "1,280", "", false},
		{"three short throttles", func(f *posthogtest.Server) {
			for range 3 {
				f.Push(429, posthogtest.Body429(12), nil)
			}
		}, 3, []time.Duration{12 * time.Second, 12 * time.Second}, "", "Expected available in 12 seconds", false},
		{"a long throttle", func(f *posthogtest.Server) {
			f.Push(429, posthogtest.Body429(2700), nil)
		}, 3, nil, "", "at most 30s of throttling", false},
		{"a long throttle, --check", func(f *posthogtest.Server) {
			f.Push(429, posthogtest.Body429(2700), nil)
		}, 3, nil, "TTMON UNKNOWN - snapshot: PostHog's rate limit was reached", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := isolated(t)
			env["TTMON_POSTHOG_API_KEY"] = canaryKey
			f := canaryAPI(t)
			tc.push(f)
			ft := &fakeTime{t: time.Date(2026, 3, 3, 14, 7, 30, 0, time.UTC)}
			args := []string{"snapshot", "--source", "posthog", "--posthog-host", f.URL, "--project", "12345", "--tz", "UTC"}
			if tc.checks {
				args = append(args, "--check")
			}
			code, out, errs := runAt(t, ft, env, args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.errs) {
				t.Fatalf("exit %d, want %d; stdout lacks %q or stderr %q:\n%s\n%s", code, tc.code, tc.out, tc.errs, out, errs)
			}
			if got := ft.slept; !slices.Equal(got, tc.slept) {
				t.Errorf("slept %v, want %v", got, tc.slept)
			}
			requireNoCanary(t, "the output", out+errs)
		})
	}
}
