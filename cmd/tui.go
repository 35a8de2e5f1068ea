package cmd

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui"
)

func (a *app) addTUIFlags(f *pflag.FlagSet) {
	f.Bool("demo", false, "monitor a simulated fleet (500 installations, a week of history, then live traffic) in a throwaway store")
	f.String("range", "", "time range: 1h, 24h, 7d, 30d, a duration (90m, 14d) or FROM..TO")
	f.String("interval", "", "poll interval (default 5s)")
	f.String("tz", "", "time zone for timer usage by hour (IANA name, UTC or Local)")
	f.String("at", "", atFlagHelp)
	f.StringArray("filter", nil, "filter, repeatable (ANDed): "+datasource.FilterSyntax)
	f.String("dashboard", "", dashboardFlagHelp)
	f.String("cohort", "", `start filtered to a cohort: "Docker users on latest", "Admins using OIDC", one saved in the config, or a PostHog cohort's name`)
	f.Bool("no-color", false, "monochrome (also NO_COLOR=1)")
	f.Bool("basic", false, "no braille charts: plain bars and numbers, for slow links and fonts without braille")
	f.Bool("mouse", false, "mouse reporting (click to focus); off keeps the terminal's text selection")
	f.Bool("bell", false, "ring the terminal bell when an alert (config alerts:) starts to fire")
}

func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	demo, _ := cmd.Flags().GetBool("demo")
	if err := a.setup(cmd, !demo); err != nil {
		return err
	}
	if err := a.checkMonitor(cmd, demo); err != nil {
		return err
	}
	var live *demoOptions
	if demo {
		live = liveDemoOptions()
	}
	a.monitor = true
	src, filters, closeSrc, err := a.watched(cmd, live)
	if err != nil {
		return err
	}
	defer closeSrc()
	ctx := cmd.Context()
	o := a.tuiOptions(filters)
	o.Bell, _ = cmd.Flags().GetBool("bell")
	if err := tui.Run(ctx, src, o, a.stdin, a.stdout); err != nil {
		return fmt.Errorf("monitor: %w", err)
	}
	return nil
}

// checkMonitor finds every mistake in the monitor's settings before any
// work starts: before a demo starts its fleet, or a PostHog
// source is asked anything. setup validated the settings unless demo; a
// demo replaces the source, so only the source's connection settings are
// left out, not its name.
func (a *app) checkMonitor(cmd *cobra.Command, demo bool) error {
	var errs []error
	if demo {
		c := a.cfg
		if c.Source == "embedded" || c.Source == "posthog" {
			c.Source, c.Embedded.DB = "embedded", "(the demo's own)"
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("invalid settings:\n%w", indent(err))
		}
	}
	if _, err := tui.NewKeyMap(a.cfg.UI.Keys); err != nil {
		errs = append(errs, err)
	}
	if err := a.readDashboard(cmd); err != nil {
		errs = append(errs, err)
	}
	exprs, _ := cmd.Flags().GetStringArray("filter")
	if _, err := config.ParseFilters(exprs); err != nil {
		errs = append(errs, err)
	}
	// A demo's store keeps no cohorts of its own, so the name must be a
	// preset or a saved one; a real source's are looked up once it is open.
	if name, _ := cmd.Flags().GetString("cohort"); name != "" && demo {
		if _, err := a.catalog().Find(cmd.Context(), nil, name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid settings:\n%w", indent(err))
	}
	return nil
}

// tuiOptions maps the settings to the monitor's options.
func (a *app) tuiOptions(filters []datasource.Filter) tui.Options {
	u := a.cfg.UI
	rules, _ := alert.Compile(a.cfg.Alerts) // setup validated them; tui.New reports any error again
	if rules == nil {
		rules = a.cfg.Alerts
	}
	return tui.Options{
		Range:    u.Range,
		Interval: time.Duration(u.Interval),
		TZ:       u.TZ,
		Filters:  filters,
		Thresholds: tui.Thresholds{
			Warn:  u.Thresholds.ErrorsPerInstallWarn,
			Alert: u.Thresholds.ErrorsPerInstallAlert,
		},
		Alerts:     rules,
		Keys:       u.Keys,
		NoColor:    u.NoColor,
		Basic:      u.Basic,
		Mouse:      u.Mouse,
		Logger:     a.log,
		Clock:      a.now,
		At:         a.at,
		Mapping:    a.cfg.Events,
		Cohorts:    a.catalog().Saved,
		SaveCohort: a.saveCohort,
		ConfigPath: a.cfgPath,
		// PostHog cohorts from --cohort show by name in the chips.
		CohortNames: a.cohortNames,
		Dashboards:  a.dashboards,
		Dashboard:   a.dashboard,
	}
}

// catalog is every cohort the settings know: presets and the config's.
func (a *app) catalog() cohort.Catalog {
	saved := make([]cohort.Cohort, 0, len(a.cfg.Cohorts))
	for _, c := range a.cfg.Cohorts {
		saved = append(saved, cohort.Cohort{Name: c.Name, Kind: cohort.Saved, Filters: c.Filters, Size: -1})
	}
	return cohort.Catalog{Saved: saved}
}

// withCohort adds the filters of --cohort NAME (if given) to filters.
func (a *app) withCohort(cmd *cobra.Command, src datasource.Source, filters []datasource.Filter) ([]datasource.Filter, error) {
	name, _ := cmd.Flags().GetString("cohort")
	if name == "" {
		return filters, nil
	}
	fs, err := a.catalog().ResolveName(cmd.Context(), src, name)
	if err != nil {
		return nil, err
	}
	a.noteCohortName(name, fs)
	return append(filters, fs...), nil
}

// saveCohort writes a cohort into the config file the settings came from
// (the default path when there was none, creating it).
func (a *app) saveCohort(c cohort.Cohort, overwrite bool) error {
	err := config.SaveCohort(a.cfgPath, config.Cohort{Name: c.Name, Filters: c.Filters}, overwrite)
	if errors.Is(err, config.ErrCohortExists) {
		return fmt.Errorf("%w: %w", cohort.ErrExists, err)
	}
	return err
}
