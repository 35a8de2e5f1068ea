package tui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// Thresholds colour the error-rate pane by errors per active installation.
// In Options the zero value means DefaultThresholds; a negative Warn or
// Alert turns that level off (so config's "0" should be passed as -1).
type Thresholds = panes.Thresholds

// DefaultThresholds are config's defaults (warn 0.05, alert 0.2).
func DefaultThresholds() Thresholds { return panes.DefaultThresholds() }

// Defaults of Options' zero values.
const (
	DefaultInterval = 5 * time.Second
	DefaultTimeout  = 15 * time.Second
	// DefaultFPS caps the renderer while the screen keeps changing (typing,
	// a burst of messages). Idle, the renderer does not tick at all
	// (third_party/bubbletea/TTMON.md: 0 % of a core paused at any rate,
	// 0.05 % polling every 5 s), and a key after a pause is drawn at once;
	// 15 fps keeps bursts cheap over SSH.
	DefaultFPS = 15
)

// Options is everything cmd resolves from config and flags.
type Options struct {
	// Range is a preset or any datasource.ParseRange input; "" means 24h.
	Range string
	// Interval between polls; 0 means DefaultInterval, less than 1s is an error.
	Interval time.Duration
	// Timeout bounds one poll; 0 means DefaultTimeout.
	Timeout time.Duration
	// TZ is the zone of hour-of-day figures: "", "UTC", "Local" or an IANA name.
	TZ string
	// Filters apply to every query, as chips the operator can remove.
	Filters []datasource.Filter
	// Mapping names the events and properties the drill views break down
	// by; its zero fields mean datasource.DefaultMapping's.
	Mapping datasource.Mapping
	// Cohorts are the saved cohorts (the config file's), listed in the
	// picker after the presets.
	Cohorts []cohort.Cohort
	// SaveCohort writes a cohort into the config file; nil turns saving
	// off (S says why). When a cohort of that name is saved already and
	// overwrite is false it must return an error wrapping cohort.ErrExists:
	// the monitor then asks whether to overwrite.
	SaveCohort func(c cohort.Cohort, overwrite bool) error
	// SaveCohortDisabled is what S says when SaveCohort is nil, e.g.
	// "saving cohorts is disabled for SSH viewers"; "" says that there is
	// no config file to write.
	SaveCohortDisabled string
	// CohortNames names the PostHog cohorts in Filters by id (cmd knows
	// them when --cohort resolved one), so chips show the name.
	CohortNames map[string]string
	// ConfigPath is the file SaveCohort writes, for the status line.
	ConfigPath string
	// Thresholds of the error-rate pane, and of per-installation rates in
	// dashboard panes that set no warn and crit of their own.
	Thresholds Thresholds
	// Dashboards are the dashboards to show, in switching order (config's
	// `dashboards:` merged over the built-in ones); nil means
	// BuiltinDashboards. New checks them: every pane must resolve, and a
	// dashboard's key must not be one of the monitor's keys.
	Dashboards []datasource.Dashboard
	// Dashboard names the dashboard shown first (--dashboard); "" means
	// the first.
	Dashboard string
	// Alerts are config's alert rules, evaluated on every snapshot of the
	// dashboard: the pane of a firing rule's metric takes the level's
	// colour on its border and the breaking figure, with the level's word
	// beside its title, and the status line names the rule. New compiles
	// them again, so rules straight from a config file work too.
	Alerts []alert.Rule
	// Bell rings the terminal bell once when an alert starts to fire
	// (again only after it stopped).
	Bell bool
	// Keys overrides DefaultKeyMap by action name (see ActionNames).
	Keys map[string][]string
	// NoColor draws monochrome. The monitor never reads NO_COLOR itself:
	// cmd folds this process's NO_COLOR into it for a local terminal, and
	// an SSH server sets it from each session's environment, so that the
	// server's own environment does not leak into its viewers' screens.
	NoColor bool
	// Basic draws no braille and no partial blocks.
	Basic bool
	// Mouse turns on mouse reporting (click to focus); off by default so
	// that the terminal's text selection keeps working.
	Mouse bool
	// FPS caps the renderer's frame rate; 0 means DefaultFPS.
	FPS int
	// Theme is "dark", "light" or "" to guess from this process's
	// COLORFGBG (default dark). The terminal is never asked: see Run.
	Theme string
	// Profile is the output's colour profile; Unknown (zero) makes
	// NewProgram detect it (DetectProfile). Over SSH, pass the client's.
	// At ASCII or below New draws the monochrome theme.
	Profile colorprofile.Profile
	// Logger receives poll failures and timings; nil discards.
	Logger *slog.Logger
	// Clock is "now"; nil means time.Now. Tests pin it.
	Clock func() time.Time
	// At pins the moment ranges end at (--at); zero means now. Relative
	// ranges keep their bucket sizes: "24h" at a date is that day's eve
	// in 24 hourly buckets.
	At time.Time
}

// withDefaults fills zero values and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Range == "" {
		o.Range = "24h"
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.FPS <= 0 {
		o.FPS = DefaultFPS
	}
	o.FPS = min(o.FPS, 120)
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds()
	}
	var errs []error
	if _, err := datasource.ParseRange(o.Range, o.Clock()); err != nil {
		errs = append(errs, err)
	}
	if o.Interval < time.Second {
		errs = append(errs, fmt.Errorf("interval %s is too short; use 1s or more", o.Interval))
	}
	if _, err := (datasource.Query{TZ: o.TZ}).Location(); err != nil {
		errs = append(errs, err)
	}
	rules, err := alert.Compile(o.Alerts)
	if err != nil {
		errs = append(errs, err)
	}
	o.Alerts = rules
	switch o.Theme {
	case "", "dark", "light":
	default:
		errs = append(errs, fmt.Errorf("theme %q: use dark or light", o.Theme))
	}
	return o, errors.Join(errs...)
}

// theme picks the palette without asking the terminal (see DarkFromEnv):
// none for o.NoColor or an output without colour. NO_COLOR is not read
// here: over SSH this process's environment is the server's, not the
// viewer's (see Options.NoColor).
func theme(o Options) common.Theme {
	if o.NoColor || o.Profile <= colorprofile.ASCII {
		return common.MonoTheme()
	}
	dark := common.DarkFromEnv(os.Getenv)
	switch o.Theme {
	case "dark":
		dark = true
	case "light":
		dark = false
	}
	if dark {
		return common.DarkTheme()
	}
	return common.LightTheme()
}
