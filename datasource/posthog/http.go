package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// maxBody bounds what ttmon reads of an answer: 50,000 rows of a snapshot
// are a few MB.
const maxBody = 64 << 20

// queryRequest is the body of POST /api/projects/{id}/query/.
type queryRequest struct {
	Query   hogQLQuery `json:"query"`
	Name    string     `json:"name"`
	Refresh string     `json:"refresh"`
}

type hogQLQuery struct {
	Kind      string         `json:"kind"`
	Query     string         `json:"query"`
	Values    map[string]any `json:"values"`
	Modifiers map[string]any `json:"modifiers"`
}

// modifiers: person.properties are the person's current properties (a
// join), which is what the embedded store and its figures use; PostHog's
// default reads the properties the person had when each event was sent.
var modifiers = map[string]any{"personsOnEventsMode": "person_id_override_properties_joined"}

// query runs one HogQL statement. name tags it in PostHog's query log
// (ttmon.snapshot, ttmon.values, ...). "force_blocking" skips PostHog's
// result cache, which would otherwise answer a live monitor with a result
// up to hours old.
func (s *Source) query(ctx context.Context, name string, h *hq) (*table, error) {
	body, err := json.Marshal(queryRequest{
		Query: hogQLQuery{Kind: "HogQLQuery", Query: h.String(), Values: h.values, Modifiers: modifiers},
		Name:  name, Refresh: "force_blocking",
	})
	if err != nil {
		return nil, err
	}
	data, err := s.do(ctx, http.MethodPost, "/api/projects/"+url.PathEscape(s.project)+"/query/", body)
	if err != nil {
		return nil, err
	}
	t, r, err := decodeTable(data)
	if err != nil {
		return nil, s.bad(err)
	}
	if r.Error != "" {
		return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: "PostHog rejected the query: " + s.redact(r.Error)}
	}
	if len(t.rows) >= maxRows {
		return nil, &datasource.Error{Kind: datasource.ErrQuery,
			Message: fmt.Sprintf("PostHog's answer was cut at %d rows: choose a shorter range or a narrower filter", maxRows)}
	}
	return t, nil
}

// do sends one request and returns the body of a 2xx answer; every other
// outcome is a classified *datasource.Error whose text holds no secret.
func (s *Source) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	u := s.host.JoinPath(path)
	u.Path = strings.TrimRight(u.Path, "/") + "/" // PostHog routes end in /
	return s.doURL(ctx, method, u.String(), body)
}

func (s *Source) doURL(ctx context.Context, method, target string, body []byte) ([]byte, error) {
	start := time.Now()
	limit := s.o.timeout
	if dl, ok := ctx.Deadline(); ok && dl.Sub(start) < limit {
		limit = dl.Sub(start)
	}
	rctx, cancel := context.WithTimeout(ctx, s.o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("posthog: %s", s.redact(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ttmon")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s.requests.Add(1)
	resp, err := s.o.client.Do(req)
	if err != nil {
		return nil, s.netError(ctx, err, limit, false)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	s.o.logger.Info("posthog request", "path", req.URL.Path, "status", resp.StatusCode, "took", time.Since(start))
	if err != nil {
		return nil, s.netError(ctx, err, limit, true)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, nil
	}
	return nil, s.statusError(resp, data)
}

// Short causes, for the header badge (datasource.Error.Short).
const (
	causeRefused  = "connection refused"
	causeDNS      = "cannot resolve host"
	causeTimeout  = "timed out"
	causeReset    = "connection lost"
	causeNet      = "cannot reach PostHog"
	causeBad      = "bad response from PostHog"
	causeThrottle = "rate limited"
)

// netError classifies a request that got no complete answer: PostHog
// could not be reached, did not answer within limit, or cut its answer
// off (inBody: the status line had arrived). A caller that cancelled gets
// its own context error back: that is not the backend's fault. A caller
// whose deadline ran out gets a timeout, which wraps
// context.DeadlineExceeded: PostHog was too slow for it.
func (s *Source) netError(ctx context.Context, err error, limit time.Duration, inBody bool) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	e := &datasource.Error{Kind: datasource.ErrUnavailable, Err: redacted{s.redact(err.Error())}}
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns): // before timeouts: a lookup that timed out is still the name's fault
		e.Short = causeDNS
		e.Message = fmt.Sprintf("cannot resolve host %s (%s): check --posthog-host and the network's DNS", s.host.Hostname(), s.redact(dns.Err))
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		e.Short = causeTimeout
		e.Message = fmt.Sprintf("timed out: PostHog at %s did not answer within %s", s.host, approx(limit))
		if inBody {
			e.Message = fmt.Sprintf("timed out: PostHog at %s did not finish its answer within %s", s.host, approx(limit))
		}
		e.Err = timeoutError{e.Err.Error()}
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Short = causeRefused
		e.Message = fmt.Sprintf("connection refused by %s: check --posthog-host and that PostHog is up", s.host.Host)
	case inBody && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
		e.Short = causeBad
		e.Message = fmt.Sprintf("bad response from PostHog at %s: the answer was cut off (%s)", s.host, s.redact(rootCause(err)))
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		e.Short = causeReset
		e.Message = fmt.Sprintf("connection lost: %s closed it before answering (%s)", s.host.Host, s.redact(rootCause(err)))
	default:
		e.Short = causeNet
		e.Message = fmt.Sprintf("cannot reach PostHog at %s: %s", s.host, s.redact(rootCause(err)))
	}
	e.Message = s.redact(e.Message)
	return e
}

// approx rounds a time limit for people: 15s, not 14.999873s.
func approx(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// bad classifies an answer ttmon cannot read: retrying may help (a proxy's
// error page, a truncated body), so it counts as the backend failing.
func (s *Source) bad(err error) error {
	return &datasource.Error{Kind: datasource.ErrUnavailable, Short: causeBad,
		Message: "bad response from PostHog: " + s.redact(err.Error()), Err: redacted{s.redact(err.Error())}}
}

// rootCause drops the "Post \"url\": " wrapping of *url.Error: the URL is
// already in the message, and the cause is what the user can act on.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// redacted is an error whose text was cleaned; the original (which may
// hold a URL with credentials) is not kept in the chain.
type redacted struct{ msg string }

func (r redacted) Error() string { return r.msg }

// timeoutError is a redacted timeout: errors.Is(err,
// context.DeadlineExceeded) holds for it, as for the original.
type timeoutError struct{ msg string }

func (t timeoutError) Error() string        { return t.msg }
func (t timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (t timeoutError) Timeout() bool        { return true }

// apiError is PostHog's error body (Django REST framework's shape).
type apiError struct {
	Type   string `json:"type"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

var (
	scopeRE   = regexp.MustCompile(`scope[s]? '?([a-z_]+:[a-z]+)'?`)
	secondsRE = regexp.MustCompile(`(?i)available in (\d+) second`)
)

// statusError classifies a non-2xx answer (ARCHITECTURE.md, TimeTracker's data).
func (s *Source) statusError(resp *http.Response, body []byte) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	detail := strings.TrimSpace(s.redact(ae.Detail))
	if detail == "" {
		detail = http.StatusText(resp.StatusCode)
	}
	code := resp.StatusCode
	e := &datasource.Error{Err: fmt.Errorf("HTTP %d: %s", code, detail)}
	switch {
	case code == http.StatusUnauthorized:
		e.Kind = datasource.ErrAuth
		e.Message = "PostHog rejected the personal API key (" + detail + "): create one with the query:read scope in PostHog (Settings > Personal API keys) and set TTMON_POSTHOG_API_KEY"
		if strings.HasPrefix(s.key, "phc_") {
			e.Message = "TTMON_POSTHOG_API_KEY holds a project token (phc_...), which can only send events: create a personal API key with the query:read scope in PostHog (Settings > Personal API keys)"
		}
	case code == http.StatusForbidden:
		e.Kind = datasource.ErrAuth
		if m := scopeRE.FindStringSubmatch(detail); m != nil {
			e.Message = fmt.Sprintf("the personal API key lacks the %s scope (PostHog: %s): edit the key in PostHog (Settings > Personal API keys) and add %s", m[1], detail, m[1])
		} else {
			e.Message = fmt.Sprintf("PostHog refused access to project %s (%s): check that the key's user belongs to the project and that the key is not limited to other projects", s.project, detail)
		}
	case code == http.StatusNotFound:
		e.Kind = datasource.ErrNotFound
		e.Message = fmt.Sprintf("PostHog at %s has no project %s (%s): the project id is the number in your PostHog URL, /project/<id>", s.host, s.project, detail)
	case code == http.StatusTooManyRequests:
		e.Kind = datasource.ErrThrottled
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), detail, time.Now())
		e.Message = "PostHog's rate limit was reached (" + detail + ")"
		e.Short = causeThrottle
	case code >= 300 && code < 400:
		e.Kind = datasource.ErrNotFound
		e.Message = fmt.Sprintf("%s redirects to %s: set --posthog-host to the API host (https://us.posthog.com, https://eu.posthog.com or your instance)", s.host, s.redactLocation(resp.Header.Get("Location")))
	case code >= 500:
		e.Kind = datasource.ErrUnavailable
		e.Short = fmt.Sprintf("PostHog error %d", code)
		e.Message = fmt.Sprintf("PostHog error %d: %s", code, detail)
	default: // 400 and the rest: the query (or request) was refused
		e.Kind = datasource.ErrQuery
		e.Message = "PostHog rejected the query: " + detail
	}
	return e
}

// redactLocation shows where a redirect points without what a server
// may have put in its query (a token, the key) or its user info.
func (s *Source) redactLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return s.redact(loc)
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return s.redact(u.String())
}

// retryAfter reads the wait PostHog asks for: the Retry-After header
// (seconds or an HTTP date), else the seconds in the detail ("Expected
// available in 12 seconds."), else a minute.
func retryAfter(header, detail string, now time.Time) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(header)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(header); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	if m := secondsRE.FindStringSubmatch(detail); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return time.Minute
}
