package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// run drives the real command tree with a private environment.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code = Run(ctx, args, strings.NewReader(""), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

// isolated points XDG dirs at a temp dir so no real config is read.
func isolated(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	return map[string]string{}
}

// seedStore writes a small known fleet: two docker installs on 4.9.1 and
// 4.9.0, one native on 4.9.0, errors and timers, all within the last hour.
func seedStore(t *testing.T, path string, now time.Time) {
	t.Helper()
	st, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := now.Add(-10 * time.Minute)
	ev := func(name, did string, props map[string]any) embedded.Event {
		return embedded.Event{Name: name, DistinctID: did, Timestamp: at, Properties: props}
	}
	evs := []embedded.Event{
		ev("$identify", "a", map[string]any{"$set": map[string]any{"deployment_method": "docker"}}),
		ev("$identify", "b", map[string]any{"$set": map[string]any{"deployment_method": "docker"}}),
		ev("$identify", "c", map[string]any{"$set": map[string]any{"deployment_method": "native"}}),
		ev("telemetry.health", "a", map[string]any{"app_version": "4.9.1", "platform": "Linux"}),
		ev("telemetry.health", "b", map[string]any{"app_version": "4.9.0", "platform": "Linux"}),
		ev("telemetry.health", "c", map[string]any{"app_version": "4.9.0", "platform": "Windows"}),
		// Product events carry their installation's deployment, as
		// TimeTracker's do: a person filter on it reaches them.
		ev("error_occurred", "a", map[string]any{"app_version": "4.9.1", "deployment_method": "docker"}),
		ev("error_occurred", "c", map[string]any{"app_version": "4.9.0", "deployment_method": "native"}),
		ev("error_occurred", "c", map[string]any{"app_version": "4.9.0", "deployment_method": "native"}),
		ev("timer.started", "a", map[string]any{"deployment_method": "docker"}),
	}
	if _, err := st.Ingest(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotJSONContract(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	code, out, errs := run(t, env, "snapshot", "--db", db, "--range", "1h", "--tz", "UTC", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"source", "range", "generated_at", "filters", "totals", "installs", "versions", "latest", "errors", "timers"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var s struct {
		Range       string    `json:"range"`
		StepSeconds int64     `json:"step_seconds"`
		GeneratedAt time.Time `json:"generated_at"`
		Filters     []string  `json:"filters"`
		Totals      struct{ Events int64 }
		Installs    struct {
			Active, Previous int64
			Series           []struct {
				T       time.Time
				V       float64
				Partial bool
			}
		}
		Latest struct {
			Version, Rule, Reason string
		}
		Versions []struct {
			Version  string
			Installs int64
			Share    float64
			Latest   bool
		}
		Errors struct {
			Total      int64
			PerInstall float64 `json:"per_install"`
			ByVersion  []struct {
				Version string
				Errors  int64
			} `json:"by_version"`
		}
		Timers struct {
			Total       int64
			ByHour      []int64 `json:"by_hour"`
			FillingHour *int    `json:"filling_hour"`
		}
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Range != "1h" || s.Filters == nil || len(s.Installs.Series) != 60 || len(s.Timers.ByHour) != 24 {
		t.Fatalf("shape: range %q filters %v series %d by_hour %d", s.Range, s.Filters, len(s.Installs.Series), len(s.Timers.ByHour))
	}
	if s.Totals.Events != 10 || s.Installs.Active != 3 || s.Errors.Total != 3 || s.Timers.Total != 1 {
		t.Fatalf("figures: %+v", s)
	}
	// Three installations: none reaches ui.latest's 3 on one version, so
	// the most installed one is "latest", and the document says why.
	if len(s.Versions) != 2 || s.Versions[0].Version != "4.9.1" || s.Versions[0].Latest || !s.Versions[1].Latest || s.Versions[1].Installs != 2 {
		t.Fatalf("versions: %+v", s.Versions)
	}
	if s.Latest.Version != "4.9.0" || s.Latest.Rule != "most_installed" || s.Latest.Reason == "" {
		t.Fatalf("latest: %+v", s.Latest)
	}
	// The bucket still filling up at generated_at is marked partial, and
	// only it (none when the query ran just past its end).
	step := time.Duration(s.StepSeconds) * time.Second
	for i, p := range s.Installs.Series {
		if want := p.T.Add(step).After(s.GeneratedAt); p.Partial != want {
			t.Errorf("installs.series[%d] %s partial=%v, generated at %s", i, p.T.Format("15:04"), p.Partial, s.GeneratedAt.Format("15:04:05"))
		}
	}
	if last := s.Installs.Series[len(s.Installs.Series)-1]; last.Partial != (s.Timers.FillingHour != nil) ||
		(last.Partial && *s.Timers.FillingHour != s.GeneratedAt.Hour()) {
		t.Errorf("timers.filling_hour %v, generated at %s (--tz UTC)", s.Timers.FillingHour, s.GeneratedAt)
	}

	code, out, errs = run(t, env, "snapshot", "--db", db, "--range", "1h", "--json", "--filter", "deployment_method=docker")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	json.Unmarshal([]byte(out), &s)
	if s.Installs.Active != 2 || s.Errors.Total != 1 || len(s.Filters) != 1 || s.Filters[0] != "deployment_method=docker" {
		t.Fatalf("filtered figures: active %d errors %d filters %v", s.Installs.Active, s.Errors.Total, s.Filters)
	}
}

// TestSnapshotNotNarrowed: a filter a pane cannot apply is named in the
// JSON (not_narrowed) and under the pane in the text, never left silent.
func TestSnapshotNotNarrowed(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	code, out, errs := run(t, env, "snapshot", "--db", db, "--range", "1h", "--json", "--filter", "is_admin=true")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		NotNarrowed map[string][]string `json:"not_narrowed"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.NotNarrowed["installs"]; len(got) != 1 || got[0] != "person.is_admin=true" || len(doc.NotNarrowed) != 1 {
		t.Fatalf("not_narrowed = %v, want installs: [person.is_admin=true]\n%s", doc.NotNarrowed, out)
	}
	code, out, errs = run(t, env, "snapshot", "--db", db, "--range", "1h", "--filter", "is_admin=true")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "Filters  is_admin=true\n         Active installations and Versions: not narrowed by is_admin=true (a user property)\n"
	if !strings.Contains(out, want) {
		t.Fatalf("text output does not say what it left out:\n%s", out)
	}
	if strings.Contains(out, "Error rate: not narrowed") {
		t.Fatalf("errors are narrowed by is_admin:\n%s", out)
	}
	code, out, _ = run(t, env, "snapshot", "--db", db, "--range", "1h", "--json")
	if code != 0 || !strings.Contains(out, `"not_narrowed": {}`) {
		t.Fatalf("without filters not_narrowed should be {}:\n%s", out)
	}
}

func TestSnapshotText(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	code, out, errs := run(t, env, "snapshot", "--db", db, "--range", "1h")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Active installations", "Versions", "Error rate", "Timer usage", "4.9.0   latest", "latest 4.9.0: no version is on ≥3 installs", "3 errors", "1.000 per installation"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestSettingsOrder(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("version: 1\nembedded:\n  db: "+db+"\nui:\n  range: 7d\n"), 0o600)
	rangeOf := func(env map[string]string, args ...string) string {
		t.Helper()
		code, out, errs := run(t, env, append([]string{"snapshot", "--json", "--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var d struct{ Range string }
		json.Unmarshal([]byte(out), &d)
		return d.Range
	}
	if got := rangeOf(env); got != "7d" {
		t.Errorf("file: range %q, want 7d", got)
	}
	env["TTMON_RANGE"] = "1h"
	if got := rangeOf(env); got != "1h" {
		t.Errorf("env over file: range %q, want 1h", got)
	}
	if got := rangeOf(env, "--range", "30d"); got != "30d" {
		t.Errorf("flag over env: range %q, want 30d", got)
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	env := isolated(t)
	missing := filepath.Join(t.TempDir(), "nope.db")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nui:\n  rnage: 7d\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no store", []string{"snapshot", "--db", missing}, nil, "ttmon collect"},
		{"bad filter", []string{"snapshot", "--db", missing, "--filter", "k ~ v"}, nil, "property=value"},
		{"bad range", []string{"snapshot", "--range", "forever"}, nil, "ui.range"},
		{"bad config", []string{"snapshot", "--config", bad}, nil, "unknown setting rnage"},
		{"bad env", []string{"snapshot"}, map[string]string{"TTMON_INTERVAL": "soon"}, "TTMON_INTERVAL"},
		{"collect without token", []string{"collect", "--db", missing}, nil, "--token"},
		{"demo without token", []string{"demo"}, nil, "--token"},
		{"bad source", []string{"snapshot", "--source", "graphite"}, nil, "embedded or posthog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{}
			for k, v := range env {
				e[k] = v
			}
			for k, v := range tt.env {
				e[k] = v
			}
			code, _, errs := run(t, e, tt.args...)
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, errs, tt.want)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a reader created a store where none was")
	}
}

func TestSnapshotCheckExitCodes(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now()) // 3 active, 3 errors: per_install = 1
	cfgWith := func(alerts string) string {
		p := filepath.Join(t.TempDir(), "config.yaml")
		os.WriteFile(p, []byte("version: 1\nembedded:\n  db: "+db+"\nui:\n  range: 1h\nalerts:\n"+alerts), 0o600)
		return p
	}
	tests := []struct {
		name   string
		alerts string
		code   int
		lines  []string
	}{
		{"none fire", "  - {name: fleet, when: installs.active < 2, level: alert}\n", 0,
			[]string{"TTMON OK - 1 alerts checked, none firing | 'installs.active'=3;;2:"}},
		{"warn", "  - {name: fleet, when: installs.active < 5, level: warn}\n", 1,
			[]string{"TTMON WARNING - installs.active=3 < 5 (fleet) | 'installs.active'=3;5:;"}},
		{"alert beats warn", "  - {name: fleet, when: installs.active < 5, level: warn}\n  - {name: error rate, when: errors.per_install > 0.05, level: alert}\n", 2,
			[]string{"TTMON CRITICAL - errors.per_install=1 > 0.05 (error rate) | 'installs.active'=3;5:; 'errors.per_install'=1;;~:0.05", "TTMON WARNING - installs.active=3 < 5 (fleet)"}},
	}
	unscoped := cfgWith("  - {name: error rate, when: errors.per_install > 0.05, level: alert}\n")
	code, out, _ := run(t, env, "snapshot", "--check", "--filter", "is_admin=true", "--config", unscoped)
	if want := "TTMON UNKNOWN - errors.per_install not checked: not narrowed by person.is_admin=true (error rate)"; code != 3 || strings.TrimSpace(out) != want {
		t.Errorf("an error rate over every installation was checked for a user cohort: exit %d, %q; want 3, %q", code, out, want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cfgWith(tt.alerts)
			code, out, errs := run(t, env, "snapshot", "--check", "--config", cfg)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q, stdout %q)", code, tt.code, errs, out)
			}
			if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "|") != strings.Join(tt.lines, "|") {
				t.Fatalf("output:\n%s\nwant:\n%s", out, strings.Join(tt.lines, "\n"))
			}
			if errs != "" {
				t.Fatalf("stderr must stay quiet for plugins: %q", errs)
			}
			code, out, _ = run(t, env, "snapshot", "--check", "--json", "--config", cfg)
			var doc struct {
				Alerts []struct{ Name, Level, Metric string }
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || code != tt.code || len(doc.Alerts) != len(tt.lines)-boolInt(tt.code == 0) {
				t.Fatalf("--json: exit %d, alerts %+v, err %v", code, doc.Alerts, err)
			}
		})
	}
	code, out, errs := run(t, env, "snapshot", "--check", "--config", cfgWith("  - {name: x, when: nonsense > 1, level: warn}\n"))
	if code != 3 || !strings.HasPrefix(out, "TTMON UNKNOWN - ") || !strings.Contains(out, "unknown metric") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("bad rule: exit %d stdout %q stderr %q; want one UNKNOWN line and exit 3", code, out, errs)
	}
	code, out, errs = run(t, env, "snapshot", "--check", "--db", filepath.Join(t.TempDir(), "gone.db"))
	if code != 3 || !strings.HasPrefix(out, "TTMON UNKNOWN - no store") || errs != "" {
		t.Fatalf("missing store: exit %d stdout %q stderr %q; want the UNKNOWN line once, on stdout", code, out, errs)
	}
	code, out, errs = run(t, env, "snapshot", "--check", "--config", cfgWith("  []\n"))
	if code != 0 || out != "TTMON OK - no alerts configured\n" {
		t.Fatalf("no alerts: exit %d stdout %q stderr %q", code, out, errs)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
