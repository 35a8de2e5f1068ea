package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestLoadOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, `version: 1
embedded:
  db: /from/file.db
ui:
  range: 7d
  interval: 10s
events:
  heartbeat: [custom.heartbeat]
cohorts:
  - name: Docker
    filters: ["deployment_method=docker"]
alerts:
  - name: error rate
    when: errors.per_install > 0.05
    level: alert
`, 0o600)
	c, warns, err := Load(path)
	if err != nil || len(warns) != 0 {
		t.Fatalf("Load: %v %v", err, warns)
	}
	if c.Embedded.DB != "/from/file.db" || c.UI.Range != "7d" || time.Duration(c.UI.Interval) != 10*time.Second {
		t.Fatalf("file values not applied: %+v", c)
	}
	if len(c.Alerts) != 1 || c.Alerts[0].Level != alert.Alert || c.Alerts[0].When != "errors.per_install > 0.05" {
		t.Fatalf("alerts not read: %+v", c.Alerts)
	}
	if len(c.Events.Heartbeat) != 1 || c.Events.Errors[0] != "error_occurred" {
		t.Fatalf("file must override only what it names: %+v", c.Events)
	}
	env := map[string]string{"TTMON_SSH_IDLE_TIMEOUT": "2h", "TTMON_SSH_MAX_SESSIONS": "5", "TTMON_DB": "/from/env.db", "TTMON_INTERVAL": "3s", "POSTHOG_PERSONAL_API_KEY": "phx_low", "TTMON_POSTHOG_API_KEY": "phx_high", "TTMON_TOKENS": "a, b,,c"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Embedded.DB != "/from/env.db" || time.Duration(c.UI.Interval) != 3*time.Second || c.UI.Range != "7d" {
		t.Fatalf("env not applied over file: %+v", c)
	}
	if time.Duration(c.SSH.IdleTimeout) != 2*time.Hour || c.SSH.MaxSessions != 5 {
		t.Fatalf("ssh env not applied: %+v", c.SSH)
	}
	if c.PostHog.APIKey != "phx_high" {
		t.Fatalf("TTMON_POSTHOG_API_KEY must win over POSTHOG_PERSONAL_API_KEY, got %q", c.PostHog.APIKey)
	}
	if strings.Join(c.Collect.Tokens, "|") != "a|b|c" {
		t.Fatalf("tokens = %q", c.Collect.Tokens)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestLoadMissing(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if _, _, err := Load(""); err != nil {
		t.Fatalf("a missing default file must not be an error: %v", err)
	}
	if _, _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil {
		t.Fatal("a missing explicit file must be an error")
	}
}

func TestLoadErrorsSayWhatToFix(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"no version", "ui:\n  range: 7d\n", `add "version: 1"`},
		{"future version", "version: 2\n", "version: 2 is not supported"},
		{"typo", "version: 1\nui:\n  rnage: 7d\n", "unknown setting rnage"},
		{"bad duration", "version: 1\nui:\n  interval: soon\n", "write it like 5s"},
		{"not yaml", "version: 1\n\t- [\n", "line"},
		{"wrong type", "version: 1\nui:\n  basic: maybe\n", "maybe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			writeFile(t, path, tt.body, 0o600)
			_, _, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Source = "graphite"
	c.Collect.Listen = "8010"
	c.UI.Range = "forever"
	c.UI.Interval = Duration(time.Millisecond)
	c.UI.TZ = "Mars/Base"
	c.SSH.Listen = "2222"
	c.SSH.IdleTimeout = Duration(time.Second)
	c.SSH.MaxSessions = 0
	c.Events.Heartbeat = nil
	c.Events.VersionProperty = ""
	c.UI.Thresholds.ErrorsPerInstallWarn = 0.5
	c.Cohorts = []Cohort{{Name: "x", Filters: []string{"k ~ v"}}, {Name: "x"}}
	c.Alerts = []alert.Rule{{Name: "a", When: "errors.rate > 1", Level: alert.Warn}}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted garbage")
	}
	for _, want := range []string{"source:", "collect.listen", "ui.range", "ui.interval", "ui.tz", "events.heartbeat", "events.version_property", "ui.thresholds", `cohorts[0] "x": filter`, "used twice", "cohorts[1] \"x\": list at least one filter", `unknown metric "errors.rate"`, "ssh.listen", "ssh.idle_timeout", "ssh.max_sessions"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q:\n%v", want, err)
		}
	}
}

func TestValidatePostHog(t *testing.T) {
	c := Default()
	c.Source = "posthog"
	c.PostHog.Host = "ftp://us.posthog.com"
	c.PostHog.QueryBudget = "120"
	err := c.Validate()
	for _, want := range []string{"posthog.host", "posthog.project", "TTMON_POSTHOG_API_KEY", "posthog.query_budget", "120/h"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q: %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "phx_") {
		t.Error("error mentions a key")
	}
	c.PostHog = PostHog{Host: "eu", Project: "proj-1", APIKey: "phx_k", QueryBudget: "120/h"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `"proj-1" is not a project id`) {
		t.Errorf("non-numeric project: %v", err)
	}
	for _, host := range []string{"us", "eu", "eu.i.posthog.com", "posthog.example.com", "http://127.0.0.1:8000"} {
		c.PostHog = PostHog{Host: host, Project: "12345", APIKey: "phx_k", QueryBudget: "240/m"}
		if err := c.Validate(); err != nil {
			t.Errorf("host %q: %v", host, err)
		}
	}
}

// TestValidateNeverQuotesTheKey: a key set where another value belongs
// (swapped environment variables) is not quoted back in the error.
func TestValidateNeverQuotesTheKey(t *testing.T) {
	const key = "phx_SECRET_canary_1234567890"
	c := Default()
	c.Source = "posthog"
	for _, p := range []PostHog{
		{Host: "eu", Project: key, APIKey: key, QueryBudget: "120/h"},
		{Host: "ftp://" + key + "@x", Project: key, APIKey: key, QueryBudget: key},
		{Host: "eu", Project: "phx_SECRET_canary_other", APIKey: key, QueryBudget: "120/h"},
	} {
		c.PostHog = p
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "posthog.project") {
			t.Fatalf("%+v: %v", p, err)
		}
		if strings.Contains(err.Error(), "SECRET_canary") {
			t.Errorf("the key is quoted back: %v", err)
		}
	}
}

func TestSecretInReadableFileWarns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, "version: 1\nposthog:\n  api_key: phx_secret\n", 0o644)
	_, warns, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "chmod 600") || strings.Contains(warns[0], "phx_secret") {
		t.Fatalf("warnings = %q", warns)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, warns, _ := Load(path); len(warns) != 0 {
		t.Fatalf("0600 file still warns: %q", warns)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("version: 1\nui:\n  range: 7d\n"))
	f.Add([]byte("version: 1\ncohorts:\n  - name: a\n    filters: [x=1]\n"))
	f.Add([]byte("version: 1\nevents: {heartbeat: [a], errors: [], timers: [b]}\n"))
	f.Add([]byte("&a [*a, *a]"))
	f.Add([]byte("version: 1\ndashboards:\n  - name: m\n    panes:\n      - {id: a, events: [x], breakdown: [k], where: [\"k=1\"]}\n      - &p {id: a, figure: installs}\n      - *p\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default()
		if err := Decode(data, &c); err != nil {
			return
		}
		_ = c.Validate() // must not panic on anything Decode accepts
	})
}

func writeFile(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// TestLatestRule: ui.latest reads from the file, defaults to 3
// installations and 1 %, and a rule that cannot work says what to write.
func TestLatestRule(t *testing.T) {
	if got := Default().UI.Latest; got != datasource.DefaultLatestRule() {
		t.Errorf("default ui.latest = %+v", got)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	writeFile(t, path, "version: 1\nui:\n  latest:\n    min_installs: 10\n    min_share: 0.05\n    pin: 4.9.1\n", 0o600)
	c, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := (datasource.LatestRule{MinInstalls: 10, MinShare: 0.05, Pin: "4.9.1"}); c.UI.Latest != want {
		t.Errorf("ui.latest = %+v, want %+v", c.UI.Latest, want)
	}
	c.UI.Latest = datasource.LatestRule{MinInstalls: 0, MinShare: 2, Pin: "newest"}
	err = c.Validate()
	for _, want := range []string{"ui.latest: min_installs: 0", "min_share: 2", `pin: "newest" is not a version`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate error lacks %q: %v", want, err)
		}
	}
}
