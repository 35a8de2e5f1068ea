package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

var snapCols = []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}

func testQuery() datasource.Query {
	r, _ := datasource.ParseRange("24h", time.Date(2026, 5, 4, 10, 20, 0, 0, time.UTC))
	return datasource.Query{Range: r, TZ: "UTC"}
}

func TestRequestShape(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Answer = func(fakeQuery) ([]string, [][]any) { return snapCols, nil }
	s := testSource(t, fake.URL)
	q := testQuery().WithFilters(
		datasource.Filter{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"dockerXYZ"}},
		datasource.Filter{Scope: datasource.ScopeEvent, Key: "app_version", Op: datasource.OpNotIn, Values: []string{"4.9.0-rcQ", "4.8.7-rcR"}},
		datasource.Filter{Scope: datasource.ScopeCohort, Key: "4711", Op: datasource.OpEq})
	if _, err := s.Snapshot(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if n := fake.Count(); n != 1 {
		t.Fatalf("%d requests for one snapshot, want 1", n)
	}
	r := fake.Last()
	if r.Method != http.MethodPost || r.Path != "/api/projects/12345/query/" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	if r.Auth != "Bearer "+testKey || r.ContentType != "application/json" {
		t.Errorf("headers: Authorization %q, Content-Type %q", r.Auth, r.ContentType)
	}
	b := r.Body
	if b.Query.Kind != "HogQLQuery" || b.Name != "ttmon.snapshot" || b.Refresh != "force_blocking" {
		t.Errorf("body: kind %q name %q refresh %q", b.Query.Kind, b.Name, b.Refresh)
	}
	if b.Query.Modifiers["personsOnEventsMode"] != "person_id_override_properties_joined" {
		t.Errorf("modifiers %v", b.Query.Modifiers)
	}
	for _, v := range []string{"dockerXYZ", "4.9.0-rcQ", "4.8.7-rcR", "deployment_method", "app_version", "telemetry.health"} {
		if strings.Contains(b.Query.Query, v) {
			t.Errorf("%q is pasted into the SQL", v)
		}
		if !b.HasValue(v) {
			t.Errorf("%q is not in values %v", v, b.ValueStrings())
		}
	}
	if !b.HasValue(int64(4711)) || !b.Has("IN COHORT {") {
		t.Errorf("cohort 4711 is not a placeholder value: %v", b.Query.Values)
	}
	if !b.Has("arrayJoin(") || !b.Has("timestamp >= fromUnixTimestamp64Milli({") {
		t.Errorf("not the combined, time-bounded statement:\n%s", b.Query.Query)
	}
}

// TestDecode reads PostHog's result shapes: columns in any order, 64-bit
// integers as numbers or quoted strings, NULL versions.
func TestDecode(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Answer = func(fakeQuery) ([]string, [][]any) {
		return []string{"v4", "v3", "v2", "v1", "b", "k", "tag"}, [][]any{
			{"7", "3", 2, 40, 0, "", "tot"},
			{0, 0, 0, "1", 0, "", "prev"},
			{0, 2, 1, 2, 23, "", "bkt"},
			{0, 0, 0, 5, 14, "", "hour"},
			{0, 0, 0, 1, 0, "4.9.1", "ver"},
			{0, 0, 0, 1, 0, nil, "ver"},
			{0, 0, 0, 2, 0, nil, "errv"},
			{0, 0, 0, 1, 0, "4.9.1", "errv"},
		}
	}
	s := testSource(t, fake.URL)
	snap, err := s.Snapshot(context.Background(), testQuery())
	if err != nil {
		t.Fatal(err)
	}
	if snap.Totals.Events != 40 || snap.Installs.Active != 2 || snap.Errors.Total != 3 || snap.Timers.Total != 7 || snap.Installs.Previous != 1 {
		t.Errorf("totals %+v installs %+v errors %d timers %d", snap.Totals, snap.Installs, snap.Errors.Total, snap.Timers.Total)
	}
	if snap.Errors.PerInstall != 1.5 || snap.Timers.ByHour[14] != 5 {
		t.Errorf("per install %v, by hour %v", snap.Errors.PerInstall, snap.Timers.ByHour)
	}
	if p := snap.Installs.Series[23]; p.V != 2 || snap.Errors.Series[23].V != 1 || snap.Timers.Series[23].V != 2 {
		t.Errorf("bucket 23: installs %v errors %v", p, snap.Errors.Series[23])
	}
	wantV := []datasource.VersionShare{{Version: "4.9.1", Installs: 1, Share: 0.5, Latest: true}, {Version: "unknown", Installs: 1, Share: 0.5}}
	if !equalJSON(snap.Versions, wantV) {
		t.Errorf("versions %+v", snap.Versions)
	}
	wantE := []datasource.VersionCount{{Version: "unknown", Errors: 2}, {Version: "4.9.1", Errors: 1}}
	if !equalJSON(snap.Errors.ByVersion, wantE) {
		t.Errorf("errors by version %+v", snap.Errors.ByVersion)
	}
	if snap.Source.Kind != "posthog" || !strings.Contains(snap.Source.Location, "project 12345") {
		t.Errorf("source %v", snap.Source)
	}

	fake.Answer = func(fakeQuery) ([]string, [][]any) { return []string{"tag", "k"}, [][]any{{"tot", ""}} }
	if _, err := s.Snapshot(context.Background(), testQuery()); err == nil || !strings.Contains(err.Error(), `no column "b"`) {
		t.Errorf("missing column: %v", err)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestErrors: every error PostHog answers with becomes the classified
// error the UI acts on, and no message holds the key.
func TestErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		header  map[string]string
		kind    datasource.ErrorKind
		retry   time.Duration
		mention string
	}{
		{"hogql error", 400, body400("Unable to resolve field: nope"), nil, datasource.ErrQuery, 0, "Unable to resolve field: nope"},
		{"invalid key", 401, body401, nil, datasource.ErrAuth, 0, "query:read"},
		{"missing scope", 403, body403("query:read"), nil, datasource.ErrAuth, 0, "lacks the query:read scope"},
		{"no access", 403, `{"type":"authentication_error","code":"permission_denied","detail":"You don't have access to the project.","attr":null}`, nil, datasource.ErrAuth, 0, "refused access to project 12345"},
		{"unknown project", 404, body404, nil, datasource.ErrNotFound, 0, "no project 12345"},
		{"throttled with header", 429, body429(3), map[string]string{"Retry-After": "17"}, datasource.ErrThrottled, 17 * time.Second, "rate limit"},
		{"throttled detail only", 429, body429(12), nil, datasource.ErrThrottled, 12 * time.Second, "Expected available in 12 seconds"},
		{"server error", 500, body500, nil, datasource.ErrUnavailable, 0, "PostHog error 500: A server error occurred."},
		{"unavailable", 503, "<html>upstream down</html>", nil, datasource.ErrUnavailable, 0, "PostHog error 503: Service Unavailable"},
		{"gateway timeout", 504, "", nil, datasource.ErrUnavailable, 0, "PostHog error 504"},
		{"clickhouse timeout", 512, `{"type":"server_error","code":"query_timeout","detail":"Query timed out","attr":null}`, nil, datasource.ErrUnavailable, 0, "Query timed out"},
		{"redirect", 301, "", map[string]string{"Location": "https://us.posthog.com/api/projects/12345/query/"}, datasource.ErrNotFound, 0, "redirects to https://us.posthog.com"},
		{"echoed key", 400, body400("bad header Bearer " + testKey), nil, datasource.ErrQuery, 0, "[redacted]"},
		{"not json", 200, "<html>captive portal</html>", nil, datasource.ErrUnavailable, 0, "not the JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := newFakePostHog(t)
			fake.Push(c.status, c.body, c.header)
			var logs bytes.Buffer
			s := testSource(t, fake.URL, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			_, err := s.Snapshot(context.Background(), testQuery())
			var de *datasource.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not classified", err, err)
			}
			if de.Kind != c.kind || de.RetryAfter != c.retry {
				t.Errorf("kind %v retry %v, want %v %v: %v", de.Kind, de.RetryAfter, c.kind, c.retry, err)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%q does not mention %q", err, c.mention)
			}
			assertNoKey(t, err.Error(), logs.String(), s.Info().String())
		})
	}
}

func assertNoKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, testKey) || strings.Contains(s, "SECRET") {
			t.Errorf("the key leaks: %s", s)
		}
	}
}

func TestHostCredentialsNeverShown(t *testing.T) {
	s := testSource(t, "https://user:hunter2@posthog.example.com")
	if strings.Contains(s.Info().String(), "hunter2") {
		t.Errorf("info %v", s.Info())
	}
	if _, _, err := NormalizeHost("ftp://user:hunter2@x"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("NormalizeHost error %v", err)
	}
}

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string][2]string{
		"us":                         {"https://us.posthog.com", ""},
		"EU":                         {"https://eu.posthog.com", ""},
		"https://us.i.posthog.com":   {"https://us.posthog.com", "ingestion host"},
		"eu.i.posthog.com":           {"https://eu.posthog.com", "ingestion host"},
		"https://posthog.acme.dev/":  {"https://posthog.acme.dev", ""},
		"http://127.0.0.1:8000":      {"http://127.0.0.1:8000", ""},
		"https://eu.posthog.com":     {"https://eu.posthog.com", ""},
		"https://app.posthog.com":    {"https://us.posthog.com", ""},
		"posthog.internal:8443/base": {"https://posthog.internal:8443/base", ""},
	} {
		got, notice, err := NormalizeHost(in)
		if err != nil || got != want[0] || !strings.Contains(notice, want[1]) || (want[1] == "") != (notice == "") {
			t.Errorf("NormalizeHost(%q) = %q, %q, %v; want %q with notice %q", in, got, notice, err, want[0], want[1])
		}
	}
}

// TestAutoScope: an unprefixed filter is resolved with Properties once;
// later polls reuse the list and cost one request each.
func TestAutoScope(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Answer = func(q fakeQuery) ([]string, [][]any) {
		if q.Name == "ttmon.properties" {
			return []string{"scope", "k"}, [][]any{{"person", "deployment_method"}, {"event", "app_version"}, {"event", "$set"}}
		}
		return snapCols, nil
	}
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	s := testSource(t, fake.URL, WithClock(func() time.Time { return now }))
	q := testQuery().WithFilters(datasource.Filter{Key: "app_version", Op: datasource.OpEq, Values: []string{"4.9.1"}},
		datasource.Filter{Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}})
	for i, want := range []int{2, 1, 1} {
		before := fake.Count()
		if _, err := s.Snapshot(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		if n := fake.Count() - before; n != want {
			t.Errorf("poll %d: %d requests, want %d", i, n, want)
		}
	}
	sql := fake.Last().Body.Query.Query
	if !strings.Contains(sql, "JSONType(properties, {") || !strings.Contains(sql, "JSONType(person.properties, {") {
		t.Errorf("scopes not resolved to event and person:\n%s", sql)
	}
	props, err := s.Properties(context.Background())
	if err != nil || len(props) != 2 {
		t.Errorf("properties %v %v (want $set left out)", props, err)
	}
	if s.Requests() != int64(fake.Count()) {
		t.Errorf("Requests() = %d, server saw %d", s.Requests(), fake.Count())
	}
}
