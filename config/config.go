// Package config holds ttmon's settings and the order they are read in:
// defaults, then the YAML file, then TTMON_* environment variables, then
// command-line flags (applied by cmd), then Validate.
package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/pace"
	"github.com/ttmon/ttmon/datasource/posthog"
)

// CurrentVersion is the config file format this build writes and reads.
const CurrentVersion = 1

// Config is every setting ttmon reads. Field names are the YAML keys.
type Config struct {
	Version  int                `yaml:"version"`
	Source   string             `yaml:"source"`
	Embedded Embedded           `yaml:"embedded"`
	Collect  Collect            `yaml:"collect"`
	SSH      SSH                `yaml:"ssh"`
	PostHog  PostHog            `yaml:"posthog"`
	Events   datasource.Mapping `yaml:"events"`
	UI       UI                 `yaml:"ui"`
	Cohorts  []Cohort           `yaml:"cohorts,omitempty"`
	// Alerts are thresholds on headline figures; see package alert.
	Alerts []alert.Rule `yaml:"alerts,omitempty"`
	// Log is a file for logs; "" means no logs (nothing is ever written to
	// the terminal while the UI runs).
	Log string `yaml:"log,omitempty"`
	// Dashboards are the user's dashboards, in the form of the built-in
	// ones (dashboards.yaml); AllDashboards merges them.
	Dashboards []datasource.Dashboard `yaml:"dashboards,omitempty"`

	// dashboardsChecked is set when Decode checked Dashboards with their
	// lines; Validate then does not report them again without.
	dashboardsChecked bool
}

// Embedded configures the local store.
type Embedded struct {
	// DB is the SQLite file; default $XDG_DATA_HOME/ttmon/events.db.
	DB string `yaml:"db"`
}

// Collect configures `ttmon collect`, the PostHog-compatible endpoint.
type Collect struct {
	Listen string   `yaml:"listen"`
	Tokens []string `yaml:"tokens"`
	// TLSCert and TLSKey are PEM files; with both set the collector
	// serves HTTPS and re-reads them when they change.
	TLSCert string `yaml:"tls_cert,omitempty"`
	TLSKey  string `yaml:"tls_key,omitempty"`
	// InsecureHTTP allows plain HTTP on an address other machines reach.
	InsecureHTTP bool `yaml:"insecure_http,omitempty"`
	// MetricsListen serves /metrics (and /healthz, /readyz) on an address
	// of its own instead of the collector's; a bare ":port" is loopback.
	MetricsListen string `yaml:"metrics_listen,omitempty"`
}

// SSH configures `ttmon ssh`, the monitor served to SSH clients.
type SSH struct {
	Listen string `yaml:"listen"`
	// HostKey is generated on first start if missing (mode 0600).
	HostKey string `yaml:"host_key"`
	// AuthorizedKeys lists the public keys allowed in (OpenSSH format).
	AuthorizedKeys string `yaml:"authorized_keys"`
	// IdleTimeout closes sessions without input for this long.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxSessions caps sessions open at once.
	MaxSessions int `yaml:"max_sessions"`
}

// PostHog configures the remote source.
type PostHog struct {
	Host    string `yaml:"host"`
	Project string `yaml:"project"`
	// APIKey is a personal API key with query:read. Prefer the environment
	// (TTMON_POSTHOG_API_KEY); a file holding it must not be readable by
	// others.
	APIKey string `yaml:"api_key,omitempty"`
	// QueryBudget is the request budget, such as "2400/h" or "120/h", or
	// "auto": start at PostHog's lowest HogQL tier and learn (pace.Auto).
	QueryBudget string `yaml:"query_budget"`
}

// UI configures the monitor.
type UI struct {
	Range      string              `yaml:"range"`
	Interval   Duration            `yaml:"interval"`
	TZ         string              `yaml:"tz"`
	NoColor    bool                `yaml:"no_color"`
	Basic      bool                `yaml:"basic"`
	Mouse      bool                `yaml:"mouse"`
	Thresholds Thresholds          `yaml:"thresholds"`
	Keys       map[string][]string `yaml:"keys,omitempty"`
	// Latest says which version counts as the newest release (the ★,
	// `is latest` filters, versions.latest_share).
	Latest datasource.LatestRule `yaml:"latest"`
}

// Thresholds colour the error-rate pane: errors per active installation at
// or above Warn is a warning, at or above Alert an alert.
type Thresholds struct {
	ErrorsPerInstallWarn  float64 `yaml:"errors_per_install_warn"`
	ErrorsPerInstallAlert float64 `yaml:"errors_per_install_alert"`
}

// Cohort is a named set of filters, written in the filter syntax.
type Cohort struct {
	Name    string   `yaml:"name"`
	Filters []string `yaml:"filters"`
}

// Duration is a time.Duration that reads "5s" or "2m" from YAML.
type Duration time.Duration

// UnmarshalText parses Go durations and whole days ("1d").
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := datasource.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration: write it like 5s, 1m or 2h", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration the way people type it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Default returns the built-in settings: the embedded store, loopback
// collector, TimeTracker's event names.
func Default() Config {
	return Config{
		Version:  CurrentVersion,
		Source:   "embedded",
		Embedded: Embedded{DB: DefaultDBPath()},
		Collect:  Collect{Listen: "127.0.0.1:8010"},
		SSH: SSH{
			Listen:         "127.0.0.1:2222",
			HostKey:        filepath.Join(filepath.Dir(DefaultDBPath()), "ssh_host_ed25519"),
			AuthorizedKeys: filepath.Join(homeDir(), ".ssh", "authorized_keys"),
			IdleTimeout:    Duration(30 * time.Minute),
			MaxSessions:    32,
		},
		PostHog: PostHog{Host: "https://us.posthog.com", QueryBudget: "auto"},
		Events:  datasource.DefaultMapping(),
		UI: UI{
			Range:    "24h",
			Interval: Duration(5 * time.Second),
			TZ:       "Local",
			Thresholds: Thresholds{
				ErrorsPerInstallWarn:  0.05,
				ErrorsPerInstallAlert: 0.2,
			},
			Latest: datasource.DefaultLatestRule(),
		},
	}
}

// DefaultPath is $XDG_CONFIG_HOME/ttmon/config.yaml (~/.config/... when
// XDG_CONFIG_HOME is unset).
func DefaultPath() string {
	return filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "ttmon", "config.yaml")
}

// DefaultDBPath is $XDG_DATA_HOME/ttmon/events.db (~/.local/share/... when
// XDG_DATA_HOME is unset).
func DefaultDBPath() string {
	return filepath.Join(xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share")), "ttmon", "events.db")
}

func homeDir() string {
	if home, err := os.UserHomeDir(); err == nil {
		return home
	}
	return os.TempDir()
}

func xdgDir(env, fallback string) string {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), fallback)
	}
	return filepath.Join(home, fallback)
}

// Validate checks every setting and reports all problems at once, each
// saying what to change.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Version != CurrentVersion {
		add("version: %d is not supported; this ttmon reads version: %d", c.Version, CurrentVersion)
	}
	switch c.Source {
	case "embedded":
		if c.Embedded.DB == "" {
			add("embedded.db: give the path of the SQLite file (--db)")
		}
	case "posthog":
		errs = append(errs, c.PostHog.validate()...)
	default:
		add("source: %q is not a source; use embedded or posthog", c.Source)
	}
	if _, _, err := net.SplitHostPort(c.Collect.Listen); err != nil {
		add("collect.listen: %q is not host:port (e.g. 127.0.0.1:8010)", c.Collect.Listen)
	}
	if (c.Collect.TLSCert == "") != (c.Collect.TLSKey == "") {
		add("collect.tls_cert, collect.tls_key: give both the certificate and its key (--tls-cert and --tls-key), or neither")
	}
	errs = append(errs, c.SSH.validate()...)
	for i, t := range c.Collect.Tokens {
		if strings.TrimSpace(t) == "" {
			add("collect.tokens[%d]: a token cannot be empty", i)
		}
	}
	errs = append(errs, c.validateEvents()...)
	errs = append(errs, c.UI.validate()...)
	errs = append(errs, c.validateCohorts()...)
	if !c.dashboardsChecked {
		errs = append(errs, validateDashboards(c.Dashboards)...)
	}
	errs = append(errs, dashboardKeys(c.AllDashboards())...)
	errs = append(errs, alertPanes(c.Alerts, c.AllDashboards())...)
	if _, err := alert.Compile(c.Alerts); err != nil {
		errs = append(errs, err)
	}
	// Messages quote what was set; a key set where another value belongs
	// (TTMON_POSTHOG_PROJECT=phx_...) must not be quoted back.
	for i, e := range errs {
		if msg := posthog.Redact(e.Error(), c.PostHog.APIKey); msg != e.Error() {
			errs[i] = errors.New(msg)
		}
	}
	return errors.Join(errs...)
}

// Validate checks the ssh settings alone (ttmon ssh --demo needs no
// source settings, but its own must be sound).
func (s SSH) Validate() error { return errors.Join(s.validate()...) }

func (s SSH) validate() []error {
	var errs []error
	if _, _, err := net.SplitHostPort(s.Listen); err != nil {
		errs = append(errs, fmt.Errorf("ssh.listen: %q is not host:port (e.g. 127.0.0.1:2222)", s.Listen))
	}
	if time.Duration(s.IdleTimeout) < time.Minute {
		errs = append(errs, fmt.Errorf("ssh.idle_timeout: %s is too short; use 1m or more, such as 30m or 8h", time.Duration(s.IdleTimeout)))
	}
	if s.MaxSessions < 1 {
		errs = append(errs, fmt.Errorf("ssh.max_sessions: %d; use 1 or more", s.MaxSessions))
	}
	if s.HostKey == "" || s.AuthorizedKeys == "" {
		errs = append(errs, errors.New("ssh.host_key and ssh.authorized_keys: give both paths"))
	}
	return errs
}

func (p PostHog) validate() []error {
	var errs []error
	if _, _, err := posthog.NormalizeHost(p.Host); err != nil {
		errs = append(errs, fmt.Errorf("posthog.host: %w", err))
	}
	if p.Project == "" {
		errs = append(errs, errors.New("posthog.project: set the project id (--project or TTMON_POSTHOG_PROJECT); it is the number in your PostHog URL /project/<id>"))
	} else if _, err := strconv.ParseUint(p.Project, 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("posthog.project: %q is not a project id; it is the number in your PostHog URL /project/<id>", p.Project))
	}
	if p.APIKey == "" {
		errs = append(errs, errors.New("posthog api key: set TTMON_POSTHOG_API_KEY to a personal API key with the query:read scope"))
	}
	if _, err := pace.ParseBudget(p.QueryBudget); err != nil {
		errs = append(errs, fmt.Errorf("posthog.query_budget: %w", err))
	}
	return errs
}

func (c Config) validateEvents() []error {
	var errs []error
	m := c.Events
	for name, list := range map[string][]string{"heartbeat": m.Heartbeat, "errors": m.Errors, "timers": m.Timers} {
		if len(list) == 0 {
			errs = append(errs, fmt.Errorf("events.%s: list at least one event name", name))
		}
		for _, e := range list {
			if strings.TrimSpace(e) == "" {
				errs = append(errs, fmt.Errorf("events.%s: an event name cannot be empty", name))
			}
		}
	}
	for name, v := range map[string]string{"version_property": m.VersionProperty, "platform_property": m.PlatformProperty, "deployment_property": m.DeploymentProperty} {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("events.%s: name the event property", name))
		}
	}
	return append(errs, c.validateScope()...)
}

func (u UI) validate() []error {
	var errs []error
	if _, err := datasource.ParseRange(u.Range, time.Now()); err != nil {
		errs = append(errs, fmt.Errorf("ui.range: %w", err))
	}
	if time.Duration(u.Interval) < time.Second {
		errs = append(errs, fmt.Errorf("ui.interval: %s is too short; use 1s or more", time.Duration(u.Interval)))
	}
	if _, err := (datasource.Query{TZ: u.TZ}).Location(); err != nil {
		errs = append(errs, fmt.Errorf("ui.tz: %w", err))
	}
	t := u.Thresholds
	if t.ErrorsPerInstallWarn < 0 || t.ErrorsPerInstallAlert < 0 || (t.ErrorsPerInstallAlert > 0 && t.ErrorsPerInstallWarn > t.ErrorsPerInstallAlert) {
		errs = append(errs, fmt.Errorf("ui.thresholds: need 0 <= errors_per_install_warn <= errors_per_install_alert (got %g, %g)", t.ErrorsPerInstallWarn, t.ErrorsPerInstallAlert))
	}
	if err := u.Latest.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("ui.latest: %w", err))
	}
	return errs
}

func (c Config) validateCohorts() []error {
	var errs []error
	seen := map[string]bool{}
	for i, co := range c.Cohorts {
		if strings.TrimSpace(co.Name) == "" {
			errs = append(errs, fmt.Errorf("cohorts[%d]: give the cohort a name", i))
		}
		if seen[co.Name] {
			errs = append(errs, fmt.Errorf("cohorts[%d]: the name %q is used twice", i, co.Name))
		}
		seen[co.Name] = true
		if len(co.Filters) == 0 {
			errs = append(errs, fmt.Errorf("cohorts[%d] %q: list at least one filter", i, co.Name))
		}
		for _, f := range co.Filters {
			if _, err := datasource.ParseFilter(f); err != nil {
				errs = append(errs, fmt.Errorf("cohorts[%d] %q: filter %q: %w", i, co.Name, f, err))
			}
		}
	}
	return errs
}

// ParseFilters parses filter expressions, naming the one that fails.
func ParseFilters(exprs []string) ([]datasource.Filter, error) {
	out := make([]datasource.Filter, 0, len(exprs))
	for _, e := range exprs {
		f, err := datasource.ParseFilter(e)
		if err != nil {
			if strings.Contains(err.Error(), datasource.FilterSyntax) {
				// The parser already listed the syntax: once is enough.
				return nil, fmt.Errorf("filter %q: %w", e, err)
			}
			return nil, fmt.Errorf("filter %q: %w; write %s", e, err, datasource.FilterSyntax)
		}
		out = append(out, f)
	}
	return out, nil
}
