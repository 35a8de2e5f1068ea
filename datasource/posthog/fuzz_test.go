package posthog

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// fuzzTransport answers every request with the same fuzzed response, with
// no network in between.
type fuzzTransport struct {
	status     int
	body       []byte
	retryAfter string
}

func (f fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h := http.Header{"Content-Type": {"application/json"}}
	if f.retryAfter != "" {
		h.Set("Retry-After", f.retryAfter)
	}
	return &http.Response{
		StatusCode: f.status, Header: h, Request: r,
		Body: io.NopCloser(bytes.NewReader(f.body)), ContentLength: int64(len(f.body)),
	}, nil
}

const fuzzKey = "phx_fuzz_secret_key_0123456789"

// FuzzResponse feeds arbitrary PostHog answers (status, body, Retry-After)
// to every Source method: nothing may panic, and no error may carry the key.
func FuzzResponse(f *testing.F) {
	f.Add(200, []byte(`{"results":[["tot",null,null,5,3,1,2]],"columns":["tag","k","b","v1","v2","v3","v4"],"types":[],"hasMore":false,"limit":50000}`), "")
	f.Add(200, []byte(`{"results":[["ver","4.9.1",0,3,0,0,0],["bkt",null,-7,1,2,3,4],["hour",null,99,1,1,1,1]],"columns":["tag","k","b","v1","v2","v3","v4"]}`), "")
	f.Add(200, []byte(`{"results":[[1,2]],"columns":["a"]}`), "")
	f.Add(200, []byte(`{"results":[["e","$exception","d","2026-11-24T10:00:00Z","{\"a\":1}","u"]],"columns":["uuid","event","distinct_id","timestamp","properties","x"]}`), "")
	f.Add(200, []byte(`{"results":[{"id":1,"name":"x","count":null}],"next":"http://evil/"}`), "")
	f.Add(200, []byte(`{"results": [`), "")
	f.Add(400, []byte(`{"type":"validation_error","code":"syntax_error","detail":"Syntax error at line 1"}`), "")
	f.Add(401, []byte(`{"type":"authentication_error","code":"not_authenticated","detail":"Invalid personal API key."}`), "")
	f.Add(403, []byte(`{"type":"authentication_error","detail":"API key missing required scope 'query:read'"}`), "")
	f.Add(429, []byte(`{"type":"throttled_error","detail":"Request was throttled. Expected available in 17 seconds."}`), "")
	f.Add(429, []byte(`{}`), "Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add(503, []byte(`<html>bad gateway</html>`), "-5")
	f.Add(302, []byte(``), "")
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		clock := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		s, err := New("https://us.posthog.com", "1", fuzzKey,
			WithHTTPClient(&http.Client{Transport: fuzzTransport{status, body, retryAfter}}),
			WithClock(func() time.Time { return clock }))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := datasource.ParseRange("24h", clock)
		q := datasource.Query{Range: r, TZ: "Europe/Berlin", Filters: []datasource.Filter{
			{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
		}}
		ctx := context.Background()
		check := func(err error) {
			if err != nil && strings.Contains(err.Error(), fuzzKey) {
				t.Fatalf("error carries the key: %v", err)
			}
		}
		_, err = s.Snapshot(ctx, q)
		check(err)
		_, err = s.Events(ctx, datasource.EventsQuery{Query: q, Kind: datasource.KindError})
		check(err)
		_, err = s.Installations(ctx, datasource.InstallationsQuery{Query: q})
		check(err)
		_, err = s.Values(ctx, datasource.ValuesQuery{Query: q, Scope: datasource.ScopeEvent, Key: "app_version"})
		check(err)
		_, err = s.Breakdown(ctx, datasource.BreakdownQuery{Query: q, Kind: datasource.KindTimer, Scope: datasource.ScopeEvent, Key: "platform", Hour: 9})
		check(err)
		_, err = s.Properties(ctx)
		check(err)
		_, err = s.Cohorts(ctx)
		check(err)
	})
}
