package posthog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// TestNetworkFaults: every way a request can fail short of a PostHog
// error answer becomes a retryable error whose badge word (Cause) and
// sentence say what happened in plain words, and none of them, nor the
// log, holds the key, even when the server echoes it back.
func TestNetworkFaults(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "http://" + l.Addr().String()
	l.Close()
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, `{"type":"server_error","code":"error","detail":"upstream said: `+r.Header.Get("Authorization")+
				` (token `+testKey[:20]+`...)","attr":null}`)
		}
	}
	stall := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	cases := []struct {
		name    string
		host    string // "" is the fake
		fault   http.HandlerFunc
		timeout time.Duration // the caller's deadline; the source's is 100ms
		cause   string
		mention string
	}{
		{"closed port", closedPort, nil, 0, "connection refused", "connection refused by 127.0.0.1:"},
		{"unknown host", "http://ttmon-test.invalid", nil, 0, "cannot resolve host", "cannot resolve host ttmon-test.invalid"},
		{"no answer", "", stall, 0, "timed out", "did not answer within 100ms"},
		{"answer stalls", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"results":[`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, 0, "timed out", "did not finish its answer within 100ms"},
		// The message names the time the caller had left when the request
		// went out, which is a little under 30ms by then: checked below as
		// at most 30ms, never as an exact figure.
		{"caller deadline", "", stall, 30 * time.Millisecond, "timed out", "did not answer within "},
		{"truncated JSON", "", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"columns":["tag","k","b","v1","v2","v3","v4"],"results":[["tot","",0`)
		}, 0, "bad response from PostHog", "not the JSON of a query result"},
		{"body cut off", "", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			io.WriteString(w, `{"columns":["tag"`)
		}, 0, "bad response from PostHog", "the answer was cut off"},
		{"malformed JSON", "", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>502 Bad Gateway "+r.Header.Get("Authorization")+"</body></html>")
		}, 0, "bad response from PostHog", "not the JSON of a query result"},
		{"wrong shape", "", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"columns":"tag","results":5}`)
		}, 0, "bad response from PostHog", "bad response from PostHog"},
		{"missing columns", "", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"columns":["tag"],"results":[["tot"]]}`)
		}, 0, "bad response from PostHog", `no column "k"`},
		{"connection dropped", "", func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		}, 0, "connection lost", "closed it before answering"},
		{"500 echoing the key", "", echo(500), 0, "PostHog error 500", "PostHog error 500: upstream said: Bearer [redacted] (token [redacted]...)"},
		{"502 echoing the key", "", echo(502), 0, "PostHog error 502", "PostHog error 502"},
		{"503 page", "", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(503)
			io.WriteString(w, "<html>503 Service Temporarily Unavailable</html>")
		}, 0, "PostHog error 503", "PostHog error 503: Service Unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			host := c.host
			if host == "" {
				fake := newFakePostHog(t)
				fake.Fail(c.fault)
				host = fake.URL
			}
			var logs bytes.Buffer
			s := testSource(t, host, WithTimeout(100*time.Millisecond), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			ctx := context.Background()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			_, err := s.Snapshot(ctx, testQuery())
			var de *datasource.Error
			if !errors.As(err, &de) || de.Kind != datasource.ErrUnavailable {
				t.Fatalf("%v (%T) is not classified as unavailable", err, err)
			}
			if got := datasource.Cause(err); got != c.cause {
				t.Errorf("cause %q, want %q (%v)", got, c.cause, err)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%q does not mention %q", err, c.mention)
			}
			if c.timeout > 0 {
				if d := mentionedLimit(t, err.Error()); d > c.timeout {
					t.Errorf("%q names %s, more than the caller's %s deadline (the source's own is 100ms)", err, d, c.timeout)
				}
			}
			if c.cause == "timed out" && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a timeout is not context.DeadlineExceeded: %v", err)
			}
			for e := error(err); e != nil; e = errors.Unwrap(e) {
				assertNoKey(t, e.Error())
			}
			assertNoKey(t, logs.String(), s.Info().String())
		})
	}
}

// mentionedLimit reads the duration after "within " in a timeout message.
func mentionedLimit(t *testing.T, msg string) time.Duration {
	t.Helper()
	_, rest, ok := strings.Cut(msg, "within ")
	if !ok {
		t.Fatalf("%q names no limit", msg)
	}
	d, err := time.ParseDuration(strings.Fields(rest)[0])
	if err != nil {
		t.Fatalf("%q: the limit does not read as a duration: %v", msg, err)
	}
	return d
}

// TestCancelIsTheCallers: a caller that cancels gets context.Canceled,
// not a backend failure (the pace decorator must not back off for it).
func TestCancelIsTheCallers(t *testing.T) {
	fake := newFakePostHog(t)
	fake.Fail(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	s := testSource(t, fake.URL)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := s.Snapshot(ctx, testQuery()); !errors.Is(err, context.Canceled) || datasource.Cause(err) != "" {
		t.Errorf("a cancelled caller gets %v, want context.Canceled", err)
	}
}

// TestRedact: the key, bearer tokens and key-shaped text are removed
// wherever they appear, and redacting twice changes nothing.
func TestRedact(t *testing.T) {
	s := testSource(t, "https://us.posthog.com")
	for in, want := range map[string]string{
		"got Bearer " + testKey:                       "got Bearer [redacted]",
		`"authorization": "bearer abc.def"`:           `"authorization": "bearer [redacted]"`,
		"key " + testKey[:12] + "…":                   "key [redacted]…",
		"https://u:" + testKey + "@h/x":               "https://[redacted]@h/x",
		"phc_project_token is fine, phx_ is not":      "phc_project_token is fine, [redacted] is not",
		"Bearer [redacted] stays":                     "Bearer [redacted] stays",
		"nothing secret here: connection refused (x)": "nothing secret here: connection refused (x)",
	} {
		got := s.redact(in)
		if got != want || s.redact(got) != got {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoKeyInAnyError: whatever a server echoes of the key (the whole
// Authorization header, the key alone, a cut-off piece, in a detail, a
// page or a redirect), no method's error, Check report or log holds it.
func TestNoKeyInAnyError(t *testing.T) {
	const key = "phx_SECRET_canary_1234567890"
	echo := func(status int, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			b := strings.NewReplacer("AUTH", auth, "KEY", key, "PIECE", key[:15]).Replace(body)
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], strings.NewReplacer("AUTH", auth, "KEY", key).Replace(header[i+1]))
			}
			w.WriteHeader(status)
			io.WriteString(w, b)
		}
	}
	detail := func(d string) string {
		return `{"type":"x","code":"y","detail":"` + d + `","attr":null}`
	}
	faults := map[string]http.HandlerFunc{
		"401":      echo(401, detail("Personal API key AUTH is invalid.")),
		"403":      echo(403, detail("API key KEY missing required scope 'query:read'")),
		"404":      echo(404, detail("Not found for KEY.")),
		"400":      echo(400, detail("Unable to resolve field KEY; header was AUTH")),
		"429":      echo(429, detail("Request with PIECE throttled. Expected available in 3 seconds.")),
		"500":      echo(500, detail("A server error occurred: AUTH")),
		"503 page": echo(503, "<html>AUTH KEY</html>"),
		"redirect": echo(302, "", "Location", "https://user:KEY@eu.posthog.com/api/?token=KEY&h=AUTH"),
		"200 page": echo(200, "<html>Welcome KEY</html>"),
		"200 bad":  echo(200, `{"columns":["value","n"],"results":[["KEY"]]}`),
		"hogql":    echo(200, `{"columns":[],"results":[],"error":"KEY is not a field (AUTH)"}`),
	}
	q := testQuery()
	for name, h := range faults {
		t.Run(name, func(t *testing.T) {
			fake := posthogtest.New(t, key)
			fake.Fail(h)
			var logs bytes.Buffer
			s, err := New(fake.URL, "12345", key, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			calls := map[string]func() error{
				"Snapshot": func() error { _, err := s.Snapshot(ctx, q); return err },
				"Values": func() error {
					_, err := s.Values(ctx, datasource.ValuesQuery{Query: q, Key: "app_version"})
					return err
				},
				"Properties": func() error { _, err := s.Properties(ctx); return err },
				"Events": func() error {
					_, err := s.Events(ctx, datasource.EventsQuery{Query: q, Kind: datasource.KindError})
					return err
				},
				"Installations": func() error { _, err := s.Installations(ctx, datasource.InstallationsQuery{Query: q}); return err },
				"Breakdown": func() error {
					_, err := s.Breakdown(ctx, datasource.BreakdownQuery{Query: q, Kind: datasource.KindHeartbeat, Key: "platform"})
					return err
				},
				"Cohorts": func() error { _, err := s.Cohorts(ctx); return err },
			}
			for m, call := range calls {
				err := call()
				if err == nil {
					if m == "Snapshot" {
						t.Errorf("%s: no error", m)
					}
					continue
				}
				for e := err; e != nil; e = errors.Unwrap(e) {
					noCanary(t, m+" error", e.Error())
				}
			}
			rep, err := s.Check(ctx, datasource.DefaultMapping())
			if err != nil {
				noCanary(t, "Check error", err.Error())
			} else {
				noCanary(t, "Check report", printReport(rep))
			}
			noCanary(t, "the log", logs.String())
			noCanary(t, "Info", s.Info().String())
		})
	}
}

func noCanary(t *testing.T, where, text string) {
	t.Helper()
	for _, bad := range []string{"SECRET_canary", "1234567890"} {
		if strings.Contains(text, bad) {
			t.Errorf("%s holds the key: %s", where, text)
		}
	}
}

// TestKeyInOtherSettings: a host or project that holds the key (swapped
// settings) is refused without quoting it, before it can reach a header.
func TestKeyInOtherSettings(t *testing.T) {
	const key = "phx_SECRET_canary_1234567890"
	for _, c := range [][2]string{{"https://" + key + ".example.com", "12345"}, {"https://us.posthog.com", key}, {"https://us.posthog.com/" + key, "1"}} {
		s, err := New(c[0], c[1], key)
		if err == nil {
			t.Errorf("New(%q, %q) accepted the key as a setting: %v", c[0], c[1], s.Info())
			continue
		}
		noCanary(t, "New error", err.Error())
	}
	if _, err := New("https://"+key+"@us.posthog.com", "12345", key); err != nil {
		t.Errorf("credentials in the URL are dropped, not refused: %v", err)
	}
}
