package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/datasource"
)

// maxFileSize bounds what Load reads: a config file is a few KB.
const maxFileSize = 1 << 20

// Load reads the YAML file at path over the defaults. An empty path means
// DefaultPath, and a missing default file is not an error (defaults apply).
// An explicitly named file must exist. Warnings (such as a secret in a file
// others can read) come back separately: they do not stop ttmon.
func Load(path string) (c Config, warnings []string, err error) {
	c = Default()
	explicit := path != ""
	if !explicit {
		path = DefaultPath()
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return c, nil, nil
	}
	if err != nil {
		return c, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return c, nil, fmt.Errorf("config %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return c, nil, fmt.Errorf("config %s: larger than 1 MB; is this the right file?", path)
	}
	if err := Decode(data, &c); err != nil {
		// c holds what did decode, so the caller can still validate it
		// and report every problem at once.
		return c, nil, newFileError(path, err)
	}
	if c.PostHog.APIKey != "" {
		if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("config %s holds a PostHog API key and other users can read it: run chmod 600 %s, or move the key to TTMON_POSTHOG_API_KEY", path, path))
		}
	}
	return c, warnings, nil
}

// Decode reads YAML over c. Unknown keys are errors (a typo must not be
// silently ignored) and so is a missing or unsupported version.
func Decode(data []byte, c *Config) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var probe struct {
		Version *int `yaml:"version"`
	}
	if err := yaml.Unmarshal(data, &probe); err != nil {
		return friendlyYAML(err)
	}
	if probe.Version == nil {
		return fmt.Errorf("add \"version: %d\" at the top of the file", CurrentVersion)
	}
	if *probe.Version != CurrentVersion {
		return fmt.Errorf("version: %d is not supported; this ttmon reads version: %d", *probe.Version, CurrentVersion)
	}
	var probs problems
	if err := decodeStrict(data, c); err != nil {
		if !errors.As(err, &probs) {
			return err
		}
	}
	// Dashboards are checked here, where the lines are known, rather than
	// in Validate: a pane's mistakes are found by line in a long file.
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil {
		if dn := dashboardsNode(&root); dn != nil {
			c.dashboardsChecked = true
			probs = append(probs, checkDashboardNodes(dn)...)
		}
	}
	if len(probs) > 0 {
		return byLine(probs)
	}
	return nil
}

var lineRE = regexp.MustCompile(`^line (\d+):`)

// byLine orders problems by the line they name, so the decoder's and the
// dashboard checks' read top to bottom; problems without a line go first.
func byLine(p problems) problems {
	line := func(s string) int {
		m := lineRE.FindStringSubmatch(s)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	slices.SortStableFunc(p, func(a, b string) int { return line(a) - line(b) })
	return p
}

var (
	yamlFieldRE = regexp.MustCompile(`field (\S+) not found in type (\S+)`)
	yamlTypeRE  = regexp.MustCompile("cannot unmarshal !!\\w+ `([^`]*)` into (\\S+)")
	typeWords   = map[string]string{"bool": "true or false", "int": "a whole number", "float64": "a number", "[]string": "a list", "string": "text",
		"[]datasource.Dashboard": "a list of dashboards (- name: ...)", "datasource.Dashboard": "a dashboard (name:, title:, panes:)",
		"[]datasource.PaneSpec": "a list of panes (- id: ...)", "datasource.PaneSpec": "a pane (id:, events:, measure:, ...)"}
)

// friendlyYAML rewrites yaml.v3's Go-type talk into words about the file.
func friendlyYAML(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = yamlFieldRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := yamlFieldRE.FindStringSubmatch(m)
		if what, keys := knownKeys(sub[2]); keys != "" {
			return fmt.Sprintf("unknown %s key %s; use one of %s", what, sub[1], keys)
		}
		return "unknown setting " + sub[1] + " (check the spelling; README.md lists every setting)"
	})
	msg = yamlTypeRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := yamlTypeRE.FindStringSubmatch(m)
		want, ok := typeWords[sub[2]]
		if !ok {
			want = "a " + strings.TrimPrefix(sub[2], "config.")
		}
		return fmt.Sprintf("%q should be %s", sub[1], want)
	})
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	return problems(strings.Split(msg, "\n  "))
}

// Env names the environment variables ApplyEnv reads, in help order.
var Env = []struct{ Name, Help string }{
	{"TTMON_CONFIG", "config file (instead of $XDG_CONFIG_HOME/ttmon/config.yaml)"},
	{"TTMON_SOURCE", "embedded or posthog"},
	{"TTMON_DB", "embedded store file"},
	{"TTMON_LISTEN", "collector address"},
	{"TTMON_TOKENS", "collector project tokens, comma-separated"},
	{"TTMON_SSH_LISTEN", "ttmon ssh address"},
	{"TTMON_SSH_HOST_KEY", "ttmon ssh host key file"},
	{"TTMON_SSH_AUTHORIZED_KEYS", "ttmon ssh authorized keys file"},
	{"TTMON_SSH_IDLE_TIMEOUT", "close idle SSH sessions after, e.g. 30m"},
	{"TTMON_SSH_MAX_SESSIONS", "SSH sessions open at once"},
	{"TTMON_POSTHOG_HOST", "PostHog API host, or us / eu"},
	{"TTMON_POSTHOG_PROJECT", "PostHog project id"},
	{"TTMON_POSTHOG_API_KEY", "personal API key (query:read); POSTHOG_PERSONAL_API_KEY also works"},
	{"TTMON_QUERY_BUDGET", "PostHog request budget, e.g. 120/h"},
	{"TTMON_RANGE", "1h, 24h, 7d, 30d, ..."},
	{"TTMON_INTERVAL", "poll interval, e.g. 5s"},
	{"TTMON_TZ", "zone for hour-of-day figures"},
	{"TTMON_LOG", "log file"},
	{"NO_COLOR", "any value: monochrome UI"},
}

// ApplyEnv overlays TTMON_* variables read through getenv.
func (c *Config) ApplyEnv(getenv func(string) string) error {
	var errs []error
	set := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set("TTMON_SOURCE", &c.Source)
	set("TTMON_DB", &c.Embedded.DB)
	set("TTMON_LISTEN", &c.Collect.Listen)
	if v := getenv("TTMON_TOKENS"); v != "" {
		c.Collect.Tokens = splitList(v)
	}
	set("TTMON_SSH_LISTEN", &c.SSH.Listen)
	set("TTMON_SSH_HOST_KEY", &c.SSH.HostKey)
	set("TTMON_SSH_AUTHORIZED_KEYS", &c.SSH.AuthorizedKeys)
	if v := getenv("TTMON_SSH_IDLE_TIMEOUT"); v != "" {
		if err := c.SSH.IdleTimeout.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("TTMON_SSH_IDLE_TIMEOUT: %w", err))
		}
	}
	if v := getenv("TTMON_SSH_MAX_SESSIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TTMON_SSH_MAX_SESSIONS=%q: use a whole number", v))
		} else {
			c.SSH.MaxSessions = n
		}
	}
	set("TTMON_POSTHOG_HOST", &c.PostHog.Host)
	set("TTMON_POSTHOG_PROJECT", &c.PostHog.Project)
	set("POSTHOG_PERSONAL_API_KEY", &c.PostHog.APIKey)
	set("TTMON_POSTHOG_API_KEY", &c.PostHog.APIKey)
	set("TTMON_QUERY_BUDGET", &c.PostHog.QueryBudget)
	set("TTMON_RANGE", &c.UI.Range)
	set("TTMON_TZ", &c.UI.TZ)
	set("TTMON_LOG", &c.Log)
	if v := getenv("TTMON_INTERVAL"); v != "" {
		d, err := datasource.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TTMON_INTERVAL=%q is not a duration: write it like 5s or 1m", v))
		} else {
			c.UI.Interval = Duration(d)
		}
	}
	if v := getenv("NO_COLOR"); v != "" {
		c.UI.NoColor = true
	}
	if v := getenv("TTMON_NO_COLOR"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TTMON_NO_COLOR=%q: use true or false", v))
		} else {
			c.UI.NoColor = b
		}
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
