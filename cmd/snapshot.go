package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

func (a *app) snapshotCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "snapshot",
		Short: "Print the panes once, as text or JSON",
		Long: `snapshot queries the source once and prints what the monitor would show:
active installations, versions, error rate and timer usage, or with
--dashboard NAME every pane of that dashboard (health, engagement, or one of
the config's dashboards:), in one query.

--json prints a stable document for scripts (fields are added, never renamed;
"schema" says which version of the document it is, see README).
--format prometheus (or openmetrics) prints the figures as gauges for
node_exporter's textfile collector: ttmon snapshot --format prometheus >
/var/lib/node_exporter/textfile/ttmon.prom.tmp && mv ...tmp ...prom from cron.
--demo starts a throwaway collector and store, fills them with a simulated
TimeTracker fleet (500 installations, 7 days) and prints their snapshot.

--check evaluates the alerts: section of the config (e.g. when:
errors.per_install > 0.05, or on a dashboard pane: pane: error_rate,
group: "4.9.1", when: "> 0.1") and prints one line per firing alert, Nagios
style, exiting 0 when none fires, 1 for a warning, 2 for an alert, and 3 (UNKNOWN)
when the check cannot run. The
metrics are: ` + strings.Join(alert.Metrics(), ", ") + `.

When PostHog throttles the query (HTTP 429), snapshot waits as long as
PostHog asks, up to 30 s in all, and otherwise exits 3 saying why, so a
cron job neither fails on a short throttle nor hangs on a long one.`,
		Example: `  ttmon snapshot --demo
  ttmon snapshot --range 7d --filter deployment_method=docker
  ttmon snapshot --cohort "Docker users on latest"
  ttmon snapshot --json --filter 'auth_method in (oidc, both)' | jq .installs
  ttmon snapshot --dashboard engagement --json | jq '.panes[] | {id, total: .figures.total}'
  ttmon snapshot --check || notify-ops`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.runSnapshot(cmd, args)
			check, _ := cmd.Flags().GetBool("check")
			var ee *exitError
			if err != nil && check && (!errors.As(err, &ee) || ee.code == 3 && ee.err != nil) {
				// Monitoring systems read stdout and the code: a check that
				// cannot run is UNKNOWN (3), never a warning. (A bare code 3
				// has printed its own UNKNOWN lines.)
				// The line on stdout is the whole message: said once.
				fmt.Fprintf(a.stdout, "TTMON UNKNOWN - %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
				return &exitError{code: 3}
			}
			return err
		},
	}
	f := c.Flags()
	f.String("range", "", "time range: 1h, 24h, 7d, 30d, a duration (90m, 14d) or FROM..TO")
	f.String("tz", "", "time zone for timer usage by hour (IANA name, UTC or Local)")
	f.String("at", "", atFlagHelp)
	f.StringArray("filter", nil, "filter, repeatable (ANDed): "+datasource.FilterSyntax)
	f.String("dashboard", "", dashboardFlagHelp+"; prints each of its panes")
	f.String("cohort", "", `only a cohort: "Docker users on latest", "Admins using OIDC", one saved in the config, or a PostHog cohort's name`)
	f.Bool("json", false, "print JSON instead of text (the same as --format json)")
	f.String("format", "", "text (default), json, prometheus (node_exporter's textfile collector) or openmetrics")
	f.Bool("demo", false, "snapshot a fresh simulated fleet instead of the configured source")
	f.Bool("check", false, "evaluate the config's alerts: one Nagios-style line per firing alert; exit 0 ok, 1 warn, 2 alert")
	return c
}

func (a *app) runSnapshot(cmd *cobra.Command, _ []string) error {
	demo, _ := cmd.Flags().GetBool("demo")
	if err := a.setup(cmd, !demo); err != nil {
		return err
	}
	format, err := snapshotFormat(cmd)
	if err != nil {
		return err
	}
	if err := a.readDashboard(cmd); err != nil {
		return err
	}
	rules, err := alert.Compile(a.cfg.Alerts)
	if err != nil {
		return err
	}
	var fleet *demoOptions
	if demo {
		o := demoSnapshotOptions()
		fleet = &o
	}
	src, filters, closeSrc, err := a.watched(cmd, fleet)
	if err != nil {
		return err
	}
	defer closeSrc()
	check, _ := cmd.Flags().GetBool("check")
	return a.printSnapshot(cmd.Context(), src, filters, rules, format, check)
}

// printSnapshot asks src once (the built-in figures and the panes of
// --dashboard and of the alerts) and prints the answer in format, or the
// --check lines and exit code.
func (a *app) printSnapshot(ctx context.Context, src datasource.Source, filters []datasource.Filter, rules []alert.Rule, format string, check bool) error {
	q, err := a.query(filters)
	if err != nil {
		return err
	}
	if q, err = a.withPanes(q, rules, a.rangeNow()); err != nil {
		return err
	}
	if format == "prometheus" || format == "openmetrics" {
		q.PanesOnly = false // the gauges are the built-in figures
	}
	view := snapshotView{panes: q.Panes}
	if d, ok := a.selected(); ok {
		view.dashboard = &d
	}
	snap, err := a.snapshotPatiently(ctx, src, q)
	if err != nil {
		return err
	}
	firing := alert.Evaluate(rules, snap)
	switch {
	case format == "json":
		err = writeSnapshotJSON(a.stdout, snap, firing, view)
	case check:
		writeCheck(a.stdout, rules, firing, snap)
	case format == "prometheus" || format == "openmetrics":
		err = writeSnapshotMetrics(a.stdout, snap, firing, format == "openmetrics")
	default:
		err = writeSnapshotText(a.stdout, snap, firing, view)
	}
	if err == nil && check {
		code := int(alert.Worst(firing))
		if code == 0 && len(alert.Unevaluated(rules, snap)) > 0 {
			code = 3 // UNKNOWN: a rule could not be checked for this cohort
		}
		if code != 0 {
			return &exitError{code: code}
		}
	}
	return err
}

// query builds the Query the settings describe, resolved against now.
func (a *app) query(filters []datasource.Filter) (datasource.Query, error) {
	r, err := datasource.ParseRange(a.cfg.UI.Range, a.rangeNow())
	if err != nil {
		return datasource.Query{}, err
	}
	q := datasource.Query{Range: r, Filters: filters, TZ: a.cfg.UI.TZ}
	if _, err := q.Location(); err != nil {
		return q, err
	}
	return q, nil
}

// snapshotDoc is the --json document. It is a stable interface for scripts:
// add fields, never rename or remove them.
type snapshotDoc struct {
	Schema      int                       `json:"schema"`
	Source      string                    `json:"source"`
	Range       string                    `json:"range"`
	From        time.Time                 `json:"from"`
	To          time.Time                 `json:"to"`
	StepSeconds int64                     `json:"step_seconds"`
	TZ          string                    `json:"tz"`
	GeneratedAt time.Time                 `json:"generated_at"`
	TookMS      float64                   `json:"took_ms"`
	Filters     []string                  `json:"filters"`
	NotNarrowed datasource.NotNarrowed    `json:"not_narrowed"` // per pane, the filters it could not apply
	Totals      datasource.Totals         `json:"totals"`
	Installs    datasource.Installs       `json:"installs"`
	Versions    []datasource.VersionShare `json:"versions"`
	Latest      datasource.Latest         `json:"latest"`
	Errors      datasource.Errors         `json:"errors"`
	Timers      timersDoc                 `json:"timers"`
	Alerts      []alertDoc                `json:"alerts"`
	// Dashboard is --dashboard's name; Panes its panes in order (and any
	// pane an alert reads), each with its figures. PanesOnly says the
	// built-in figures above were not asked for (they are zero).
	Dashboard string    `json:"dashboard,omitempty"`
	PanesOnly bool      `json:"panes_only,omitempty"`
	Panes     []paneDoc `json:"panes,omitempty"`
}

// timersDoc is the timers pane with the hour of day still filling up
// (absent when every bucket had ended).
type timersDoc struct {
	datasource.Timers
	FillingHour *int `json:"filling_hour,omitempty"`
}

// alertDoc is one firing alert in the JSON document.
type alertDoc struct {
	Name   string  `json:"name"`
	Level  string  `json:"level"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	When   string  `json:"when"`
}

func newSnapshotDoc(s *datasource.Snapshot, firing []alert.Firing, v snapshotView) snapshotDoc {
	d := snapshotDoc{
		Schema:      snapshotSchema,
		Source:      s.Source.String(),
		Range:       s.Query.Range.Label(),
		From:        s.Query.Range.From,
		To:          s.Query.Range.To,
		StepSeconds: int64(s.Query.Range.Step / time.Second),
		TZ:          s.Query.TZ,
		GeneratedAt: s.GeneratedAt.UTC(),
		TookMS:      float64(s.Took.Microseconds()) / 1000,
		Filters:     datasource.FilterStrings(s.Query.Filters),
		NotNarrowed: s.NotNarrowed,
		Totals:      s.Totals,
		Installs:    s.Installs,
		Versions:    s.Versions,
		Latest:      s.Latest,
		Errors:      s.Errors,
		Timers:      timersDoc{Timers: s.Timers},
		Alerts:      []alertDoc{},
		PanesOnly:   s.Query.PanesOnly,
		Panes:       paneDocs(s, v),
	}
	if v.dashboard != nil {
		d.Dashboard = v.dashboard.Name
	}
	for _, f := range firing {
		d.Alerts = append(d.Alerts, alertDoc{Name: f.Rule.Name, Level: f.Rule.Level.String(), Metric: f.Metric(), Value: f.Value, When: f.Rule.When})
	}
	if h := datasource.FillingHour(s); h >= 0 {
		d.Timers.FillingHour = &h
	}
	// Scripts index into these: an empty list is [], never null.
	d.Installs.Series = nonNil(d.Installs.Series)
	d.Versions = nonNil(d.Versions)
	d.Errors.Series = nonNil(d.Errors.Series)
	d.Errors.ByVersion = nonNil(d.Errors.ByVersion)
	d.Timers.Series = nonNil(d.Timers.Series)
	return d
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeSnapshotJSON(w io.Writer, s *datasource.Snapshot, firing []alert.Firing, v snapshotView) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(newSnapshotDoc(s, firing, v))
}

// openSource opens the configured source for reading. The returned func
// closes it.
func (a *app) openSource(ctx context.Context) (datasource.Source, func(), error) {
	switch a.cfg.Source {
	case "embedded":
		st, err := a.openStore(ctx, false)
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	case "posthog":
		return a.openPostHog(ctx)
	default:
		return nil, nil, fmt.Errorf("source %q is not available in this build yet; use --source embedded", a.cfg.Source)
	}
}
