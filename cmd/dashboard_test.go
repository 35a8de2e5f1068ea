package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
)

// paneSource answers Snapshot with figures for every pane asked, as the
// adapters do once they answer Query.Panes; it records the query.
type paneSource struct {
	datasource.Source // nil: only Snapshot is called
	got               datasource.Query
}

func (p *paneSource) Snapshot(_ context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	p.got = q
	s := &datasource.Snapshot{Query: q, GeneratedAt: q.Range.To}
	if !q.PanesOnly {
		s.Installs = datasource.Installs{Active: 120}
		s.Errors = datasource.Errors{Total: 9, PerInstall: 0.075}
	}
	for _, pq := range q.Panes {
		f := datasource.PaneFigures{ID: pq.Spec.ID, Range: pq.Range, Total: 42, Series: pq.Range.EmptySeries()}
		switch pq.Spec.ID {
		case "errs":
			f.Total, f.Num, f.Den = 0.08, 8, 100
			f.NotNarrowed = datasource.FilterStrings(q.Filters) // as if every filter were a user property
			f.Groups = []datasource.Group{{Key: []string{"4.9.1"}, Value: 0.25, Num: 5, Den: 20}, {Key: []string{"4.9.0"}, Value: 0.0375, Num: 3, Den: 80}}
		case "logins":
			f.Groups = []datasource.Group{{Key: []string{"oidc"}, Value: 30}, {Key: []string{"local"}, Value: 12}}
		case "exports":
			f.Groups = []datasource.Group{{Key: []string{"admin", "export.csv"}, Value: 40, Users: 3}}
			f.Other, f.OtherGroups = 2, 1
		}
		s.Panes = append(s.Panes, f)
	}
	return s, nil
}

const mineConfig = `version: 1
dashboards:
  - name: mine
    title: My dashboard
    panes:
      - id: logins
        title: Logins by method
        events: [auth.login]
        breakdown: [auth_method]
      - id: errs
        events: ["@errors"]
        measure: per_installation
        breakdown: [app_version]
        chart: table
        range: 7d
alerts:
  - name: 4.9.1 errors
    pane: errs
    group: "4.9.1"
    when: "> 0.2"
    level: alert
  - name: exports
    pane: exports
    when: "< 100"
    level: warn
`

// snapshotApp is an app with mineConfig loaded and --dashboard name read,
// as setup and readDashboard leave it.
func snapshotApp(t *testing.T, name string) (*app, *bytes.Buffer) {
	t.Helper()
	cfg := config.Default()
	if err := config.Decode([]byte(mineConfig), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.UI.TZ = "UTC"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	a := &app{stdout: &out, stderr: &out, cfg: cfg, log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	ds, start, err := dashboardsFor(cfg, name)
	if err != nil {
		t.Fatal(err)
	}
	a.dashboards = ds
	if name != "" {
		a.dashboard = start
	}
	return a, &out
}

func TestSnapshotDashboardQuery(t *testing.T) {
	a, _ := snapshotApp(t, "mine")
	src := &paneSource{}
	rules, _ := alert.Compile(a.cfg.Alerts)
	if err := a.printSnapshot(context.Background(), src, nil, rules, "text", false); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, pq := range src.got.Panes {
		ids = append(ids, pq.Spec.ID)
	}
	// The dashboard's panes in order, then the pane an alert reads from
	// another dashboard (engagement's exports); one request for all.
	if strings.Join(ids, ",") != "logins,errs,exports" {
		t.Errorf("panes asked = %v", ids)
	}
	if !src.got.PanesOnly {
		t.Error("a dashboard without built-in figures, and alerts only on panes, must ask PanesOnly")
	}
	if r := src.got.Panes[1].Range; r.Name != "7d" {
		t.Errorf("errs range = %+v, want its own 7d", r)
	}

	a, _ = snapshotApp(t, "health")
	if err := a.printSnapshot(context.Background(), src, nil, nil, "text", false); err != nil {
		t.Fatal(err)
	}
	if src.got.PanesOnly || len(src.got.Panes) != 6 {
		t.Errorf("health shows built-in figures and 6 configured panes: PanesOnly %v, %d panes", src.got.PanesOnly, len(src.got.Panes))
	}
}

func TestSnapshotDashboardText(t *testing.T) {
	a, out := snapshotApp(t, "mine")
	if err := a.printSnapshot(context.Background(), &paneSource{}, nil, nil, "text", false); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Dashboard My dashboard (mine)",
		"\nLogins by method\n  events of auth.login, by auth_method\n  42 events\n  oidc         30  ██████████████████████████████\n  local        12  ████████████\n",
		"\nerrs\n  per_installation of @errors, by app_version, over 7d\n  0.080 per installation (8 events / 100 installations)\n",
		"  4.9.1     0.250  5 / 20\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Active installations") || strings.Contains(got, "Events ") {
		t.Errorf("a dashboard without built-in figures prints them:\n%s", got)
	}
}

func TestSnapshotDashboardJSON(t *testing.T) {
	a, out := snapshotApp(t, "mine")
	rules, _ := alert.Compile(a.cfg.Alerts)
	if err := a.printSnapshot(context.Background(), &paneSource{}, nil, rules, "json", false); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema    int    `json:"schema"`
		Dashboard string `json:"dashboard"`
		PanesOnly bool   `json:"panes_only"`
		Installs  any    `json:"installs"`
		Panes     []struct {
			ID, Title, Measure, Chart, Range string
			StepSeconds                      int64 `json:"step_seconds"`
			Figures                          *datasource.PaneFigures
		} `json:"panes"`
		Alerts []struct{ Name, Metric string } `json:"alerts"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Schema != 1 || doc.Dashboard != "mine" || !doc.PanesOnly || doc.Installs == nil {
		t.Errorf("doc = %+v: schema 1's keys stay, dashboard and panes_only are added", doc)
	}
	if len(doc.Panes) != 3 || doc.Panes[0].ID != "logins" || doc.Panes[0].Measure != "events" || doc.Panes[0].Chart != "bars" ||
		doc.Panes[1].Range != "7d" || doc.Panes[1].StepSeconds != 6*3600 || doc.Panes[2].ID != "exports" {
		t.Fatalf("panes = %+v", doc.Panes)
	}
	if f := doc.Panes[1].Figures; f == nil || f.Num != 8 || len(f.Groups) != 2 || f.Groups[0].Key[0] != "4.9.1" || len(f.Series) != 28 {
		t.Errorf("errs figures = %+v", f)
	}
	if len(doc.Alerts) != 2 || doc.Alerts[0].Metric != "errs[4.9.1].value" || doc.Alerts[1].Metric != "exports.total" {
		t.Errorf("alerts = %+v", doc.Alerts)
	}
}

// TestSnapshotJSONWithoutDashboard: without --dashboard and pane alerts the
// document is schema 1's, with no panes key.
func TestSnapshotJSONWithoutDashboard(t *testing.T) {
	a, out := snapshotApp(t, "")
	src := &paneSource{}
	if err := a.printSnapshot(context.Background(), src, nil, nil, "json", false); err != nil {
		t.Fatal(err)
	}
	if len(src.got.Panes) != 0 || src.got.PanesOnly {
		t.Errorf("query = %+v", src.got)
	}
	for _, k := range []string{`"panes"`, `"dashboard"`, `"panes_only"`} {
		if strings.Contains(out.String(), k) {
			t.Errorf("the schema 1 document gained %s", k)
		}
	}
}

func TestSnapshotCheckPaneAlerts(t *testing.T) {
	a, out := snapshotApp(t, "")
	rules, _ := alert.Compile(a.cfg.Alerts)
	err := a.printSnapshot(context.Background(), &paneSource{}, nil, rules, "text", true)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 2 {
		t.Fatalf("err = %v, want exit 2", err)
	}
	want := "TTMON CRITICAL - errs[4.9.1].value=0.25 > 0.2 (4.9.1 errors) | 'errs[4.9.1].value'=0.25;;~:0.2 'exports.total'=42;100:;\nTTMON WARNING - exports.total=42 < 100 (exports)\n"
	if out.String() != want {
		t.Errorf("check:\n%s\nwant:\n%s", out, want)
	}
}

// TestSnapshotCheckPaneNotNarrowed: a pane the filters did not narrow is
// not checked: UNKNOWN (3), saying by what.
func TestSnapshotCheckPaneNotNarrowed(t *testing.T) {
	a, out := snapshotApp(t, "")
	rules, _ := alert.Compile(a.cfg.Alerts[:1])
	filters, _ := config.ParseFilters([]string{"is_admin=true"})
	err := a.printSnapshot(context.Background(), &paneSource{}, filters, rules, "text", true)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 3 {
		t.Fatalf("err = %v, want exit 3", err)
	}
	if want := "TTMON UNKNOWN - errs[4.9.1].value not checked: not narrowed by is_admin=true (4.9.1 errors)"; !strings.Contains(out.String(), want) {
		t.Errorf("check:\n%s\nwant %q", out, want)
	}
}

func TestDashboardFlag(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	writeConfig(t, cfg, mineConfig)
	db := filepath.Join(dir, "events.db")
	for _, args := range [][]string{
		{"snapshot", "--config", cfg, "--db", db, "--dashboard", "nope"},
		{"--config", cfg, "--db", db, "--dashboard", "nope"},
		{"ssh", "--config", cfg, "--db", db, "--dashboard", "nope"},
	} {
		code, _, errs := run(t, env, args...)
		if code == 0 || !strings.Contains(errs, `--dashboard "nope": there is no such dashboard; use one of health, engagement, mine`) {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
	got := completions(t, env, "snapshot", "--config", cfg, "--dashboard", "")
	if strings.Join(got, ",") != "health,engagement,mine" {
		t.Errorf("completion = %v", got)
	}
	if got := completions(t, env, "ssh", "--config", cfg, "--dashboard", "e"); strings.Join(got, ",") != "engagement" {
		t.Errorf("ssh completion = %v", got)
	}
}

func writeConfig(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCustomDashboardEndToEnd: a config file with a dashboard of one's own,
// through settings, to `ttmon snapshot --dashboard mine --json` on a real
// embedded store.
func TestCustomDashboardEndToEnd(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "events.db")
	seedStore(t, db, time.Now())
	cfg := filepath.Join(dir, "c.yaml")
	writeConfig(t, cfg, `version: 1
embedded:
  db: `+db+`
ui:
  range: 1h
  tz: UTC
dashboards:
  - name: mine
    title: Fleet by platform
    panes:
      - id: installs
        figure: installs
      - id: platforms
        events: ["@heartbeat"]
        measure: installations
        breakdown: [platform]
`)
	code, out, errs := run(t, env, "snapshot", "--config", cfg, "--dashboard", "mine", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Dashboard string `json:"dashboard"`
		Installs  struct{ Active int64 }
		Panes     []struct {
			ID, Figure, Measure, Chart string
			Figures                    *datasource.PaneFigures
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.Dashboard != "mine" || doc.Installs.Active != 3 || len(doc.Panes) != 2 ||
		doc.Panes[0].Figure != "installs" || doc.Panes[1].ID != "platforms" || doc.Panes[1].Measure != "installations" || doc.Panes[1].Chart != "bars" {
		t.Fatalf("doc = %+v\n%s", doc, out)
	}
	code, text, errs := run(t, env, "snapshot", "--config", cfg, "--dashboard", "mine")
	if code != 0 || !strings.Contains(text, "Dashboard Fleet by platform (mine)") || !strings.Contains(text, "\nplatforms\n  installations of @heartbeat, by platform\n") {
		t.Fatalf("text: exit %d %s\n%s", code, errs, text)
	}

	f := doc.Panes[1].Figures
	if f == nil {
		t.Fatalf("pane platforms has no figures: the embedded store did not answer it\n%s", out)
	}
	if f.Total != 3 || len(f.Groups) != 2 || f.Groups[0].Key[0] != "Linux" || f.Groups[0].Value != 2 || f.Groups[1].Value != 1 {
		t.Errorf("platforms = %+v, want 3 installations: Linux 2, Windows 1", f)
	}
}
