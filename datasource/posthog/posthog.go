package posthog

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Source reads a PostHog project through its query API. It implements
// datasource.Source, datasource.CohortLister and datasource.Checker. It
// does not pace itself: wrap it in pace.New (budget, backoff) and
// cache.New (Values for 10 minutes), as cmd does.
type Source struct {
	host    *url.URL // API host, no path, no user info
	project string
	key     string
	o       options

	requests atomic.Int64

	mu       sync.Mutex
	props    []datasource.Property
	propsAt  time.Time
	propsSet bool
}

var (
	_ datasource.Source       = (*Source)(nil)
	_ datasource.CohortLister = (*Source)(nil)
	_ datasource.Checker      = (*Source)(nil)
)

type options struct {
	mapping  datasource.Mapping
	client   *http.Client
	now      func() time.Time
	logger   *slog.Logger
	timeout  time.Duration
	propsTTL time.Duration
}

// Option configures New.
type Option func(*options)

// WithMapping sets which events and properties mean what; default
// datasource.DefaultMapping().
func WithMapping(m datasource.Mapping) Option { return func(o *options) { o.mapping = m } }

// WithHTTPClient replaces the HTTP client (its redirect policy is replaced:
// ttmon never follows a redirect with the key).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithClock replaces time.Now (GeneratedAt, the windows of Properties and
// Check, the properties memo).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets where requests are logged (name, status, duration; never
// the key). Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithTimeout bounds one request; default 30s. PostHog stops a query after
// 10s of execution, so this only fires when the network or server hangs.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithPropertiesTTL sets how long the property list used to resolve
// unprefixed filters is reused; default 10 minutes.
func WithPropertiesTTL(d time.Duration) Option { return func(o *options) { o.propsTTL = d } }

// New returns a Source for project at host (an API host such as
// https://us.posthog.com; see NormalizeHost) with a personal API key.
func New(host, project, key string, opts ...Option) (*Source, error) {
	o := options{
		mapping: datasource.DefaultMapping(), now: time.Now,
		logger:  slog.New(slog.DiscardHandler),
		timeout: 30 * time.Second, propsTTL: 10 * time.Minute,
	}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := url.Parse(strings.TrimRight(host, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("posthog host %q is not a URL such as https://us.posthog.com", redactURL(host))
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	// The host and project are shown everywhere (header, check, logs); one
	// that holds the key (a swapped setting) must not get that far.
	if Redact(u.String(), key) != u.String() || Redact(project, key) != project {
		return nil, errors.New("posthog: the host or project id holds the personal API key: set the key only in TTMON_POSTHOG_API_KEY, the host to us, eu or your instance's URL, and the project to the number in your PostHog URL /project/<id>")
	}
	project = strings.TrimSpace(project)
	if project == "" {
		return nil, errors.New("posthog: no project id: it is the number in your PostHog URL /project/<id>")
	}
	if strings.TrimSpace(key) == "" {
		return nil, errors.New("posthog: no personal API key: set TTMON_POSTHOG_API_KEY to a key with the query:read scope")
	}
	c := &http.Client{}
	if o.client != nil {
		cc := *o.client
		c = &cc
	}
	// A redirect would carry the request elsewhere (and Go re-sends the
	// Authorization header to the same host); a misconfigured host is
	// better reported than followed.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	o.client = c
	return &Source{host: u, project: project, key: key, o: o}, nil
}

// Info names the host and project; never the key.
func (s *Source) Info() datasource.Info {
	return datasource.Info{Kind: "posthog", Location: s.host.String() + " project " + s.project}
}

// Requests is how many HTTP requests the source has sent; the pace
// decorator charges a call that needed more than one for each
// (pace.RequestCounter).
func (s *Source) Requests() int64 { return s.requests.Load() }

// Hosts PostHog Cloud runs. Events go to the ingestion hosts; the query API
// is only on the app hosts.
var (
	shorthands = map[string]string{
		"us": "https://us.posthog.com", "eu": "https://eu.posthog.com",
	}
	ingestion = map[string]string{
		"us.i.posthog.com": "https://us.posthog.com", "eu.i.posthog.com": "https://eu.posthog.com",
		"app.posthog.com": "https://us.posthog.com",
	}
)

// NormalizeHost turns the configured host into the API host: "us" and "eu"
// are PostHog Cloud, a Cloud ingestion host (us.i.posthog.com,
// eu.i.posthog.com) becomes its API host with a notice saying so, a bare
// host name gets https://, and anything else (self-hosted) is kept.
func NormalizeHost(h string) (host, notice string, err error) {
	h = strings.TrimSpace(h)
	if v, ok := shorthands[strings.ToLower(h)]; ok {
		return v, "", nil
	}
	raw := h
	if !strings.Contains(h, "://") {
		raw = "https://" + h
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return "", "", fmt.Errorf("posthog host %q: use us, eu, https://us.posthog.com, https://eu.posthog.com or your instance's URL", redactURL(h))
	}
	if api, ok := ingestion[strings.ToLower(u.Hostname())]; ok {
		if u.Hostname() == "app.posthog.com" {
			return api, "", nil
		}
		return api, fmt.Sprintf("%s is PostHog's ingestion host (for sending events); querying %s instead", u.Hostname(), api), nil
	}
	u.User = nil
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), "", nil
}

var (
	userinfoRE = regexp.MustCompile(`://[^/@\s]*@`)
	// A server's error text may quote the Authorization header it got, or
	// a cut-off piece of the key: anything shaped like a personal API key
	// or a bearer token goes too, not only the exact key.
	keyRE    = regexp.MustCompile(`phx_[A-Za-z0-9_\-]*`)
	bearerRE = regexp.MustCompile(`(?i)\b(bearer)\s+[^\s\["',;)\]}][^\s"',;)\]}]*`)
)

// redactURL removes credentials written into a URL (https://user:pw@host).
func redactURL(s string) string { return userinfoRE.ReplaceAllString(s, "://[redacted]@") }

// redact removes the key (and URL credentials) from text that is about to
// leave the adapter: an error from the HTTP stack or a server's detail
// could, in principle, echo what it was sent.
func (s *Source) redact(text string) string { return Redact(text, s.key) }

// Redact removes key, anything shaped like a personal API key or a bearer
// token, and credentials written into URLs from text, for messages built
// from what a user or a server supplied.
func Redact(text, key string) string {
	text = bearerRE.ReplaceAllString(text, "$1 [redacted]")
	if key != "" {
		text = strings.ReplaceAll(text, key, "[redacted]")
	}
	text = keyRE.ReplaceAllString(text, "[redacted]")
	return redactURL(text)
}
