package posthog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

func TestCohorts(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Cohorts = []map[string]any{
		{"id": 3, "name": "Docker users on latest", "count": 120, "deleted": false},
		{"id": 9, "name": "old", "count": 1, "deleted": true},
		{"id": 12, "name": "Admins using OIDC", "count": nil, "deleted": false, "is_calculating": true},
	}
	s := testSource(t, fake.URL)
	got, err := s.Cohorts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []datasource.Cohort{{ID: "3", Name: "Docker users on latest", Count: 120}, {ID: "12", Name: "Admins using OIDC", Count: -1}}
	if !equalJSON(got, want) {
		t.Errorf("cohorts %+v", got)
	}
	if fake.Count() != 2 || fake.Last().Method != http.MethodGet || fake.Last().Auth != "Bearer "+testKey {
		t.Errorf("%d requests, last %+v", fake.Count(), fake.Last())
	}
	if f := got[1].Filter(); f.String() != "cohort=12" {
		t.Errorf("filter %v", f)
	}

	fake.Scopes = []string{"query:read"}
	_, err = s.Cohorts(context.Background())
	if datasource.KindOf(err) != datasource.ErrAuth || !strings.Contains(err.Error(), "cohort:read") {
		t.Errorf("without cohort:read: %v", err)
	}
}

// TestCohortsStayOnHost: a pagination link to another host is not
// followed, so the key never leaves the configured host.
func TestCohortsStayOnHost(t *testing.T) {
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked = true }))
	defer other.Close()
	fake := newFakePostHog(t)
	fake.Push(200, `{"next":"`+other.URL+`/api/projects/12345/cohorts/?offset=2","results":[{"id":1,"name":"a","count":2}]}`, nil)
	got, err := testSource(t, fake.URL).Cohorts(context.Background())
	if err != nil || len(got) != 1 || leaked {
		t.Errorf("got %v %v, request to the other host: %v", got, err, leaked)
	}
}

func TestCheck(t *testing.T) {
	m := datasource.DefaultMapping()
	seen := func(rows ...[]any) func(fakeQuery) ([]string, [][]any) {
		return func(fakeQuery) ([]string, [][]any) { return []string{"value", "n"}, rows }
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	cases := []struct {
		name  string
		setup func(f *fakePostHog) string // returns the host to use
		ok    bool
		want  []string // substrings of the printed steps, in order
	}{
		{"unreachable", func(f *fakePostHog) string { return deadURL }, false, []string{"connection FAIL connection refused by 127.0.0.1:"}},
		{"server error", func(f *fakePostHog) string { f.Push(502, "<html>Bad Gateway</html>", nil); return f.URL }, false,
			[]string{"connection ok", "answer FAIL PostHog error 502: Bad Gateway"}},
		{"invalid key", func(f *fakePostHog) string { f.Key = "phx_other"; return f.URL }, false,
			[]string{"connection ok", "API key FAIL PostHog rejected the personal API key"}},
		{"missing scope", func(f *fakePostHog) string { f.Scopes = nil; return f.URL }, false,
			[]string{"API key FAIL the personal API key lacks the query:read scope"}},
		{"unknown project", func(f *fakePostHog) string { f.Project = "999"; return f.URL }, false,
			[]string{"API key ok", "project FAIL PostHog at", "has no project 12345"}},
		{"no events", func(f *fakePostHog) string { f.Answer = seen(); return f.URL }, false,
			[]string{"project ok", "events FAIL project 12345 has no events in the last 7 days"}},
		{"other event names", func(f *fakePostHog) string {
			f.Answer = seen([]any{"heartbeat_v2", 900}, []any{"error_occurred", 12}, []any{"$pageview", 4})
			return f.URL
		}, false, []string{"heartbeat events FAIL none of telemetry.health, base_telemetry.heartbeat in the last 7 days",
			"error events ok 12 error_occurred", "timer events FAIL", "seen heartbeat_v2=900"}},
		{"all good, no cohort scope", func(f *fakePostHog) string {
			f.Scopes = []string{"query:read"}
			f.Answer = seen([]any{"telemetry.health", 1200}, []any{"error_occurred", 12}, []any{"timer.started", 40})
			return f.URL
		}, true, []string{"heartbeat events ok 1,200 telemetry.health", "timer events ok", "cohorts WARN", "cohort:read"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := newFakePostHog(t)
			fake.Answer = seen()
			s := testSource(t, c.setup(fake))
			rep, err := s.Check(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			out := printReport(rep)
			if rep.OK() != c.ok {
				t.Errorf("OK() = %v, want %v:\n%s", rep.OK(), c.ok, out)
			}
			at := 0
			for _, w := range c.want {
				i := strings.Index(out[at:], w)
				if i < 0 {
					t.Errorf("report lacks %q (in order):\n%s", w, out)
					break
				}
				at += i
			}
			assertNoKey(t, out)
		})
	}
}

func printReport(r *datasource.CheckReport) string {
	var b strings.Builder
	for _, s := range r.Steps {
		st := "ok"
		switch {
		case s.Warn:
			st = "WARN"
		case !s.OK:
			st = "FAIL"
		}
		b.WriteString(s.Name + " " + st + " " + s.Detail + "\n")
	}
	for _, v := range r.Seen {
		b.WriteString("seen " + v.Value + "=" + strconv.FormatInt(v.Count, 10) + "\n")
	}
	return b.String()
}
