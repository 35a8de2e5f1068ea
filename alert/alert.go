// Package alert evaluates threshold rules on a Snapshot's headline figures:
// `errors.per_install > 0.05`, `installs.active < 100`,
// `versions.latest_share < 0.5`, or on any dashboard pane's figures (pane:
// error_rate, group: "4.9.1", when: "> 0.1"). The monitor colours the breaching pane and
// names the alert; `ttmon snapshot --check` prints Nagios-style lines and
// exits 0, 1 or 2.
package alert

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

// Level is how serious a firing rule is. The zero value is OK.
type Level int

// Levels, in increasing severity; also the --check exit codes.
const (
	OK Level = iota
	Warn
	Alert
)

// String returns "ok", "warn" or "alert", the spelling config uses.
func (l Level) String() string {
	switch l {
	case Warn:
		return "warn"
	case Alert:
		return "alert"
	}
	return "ok"
}

// Nagios returns the plugin status word for the level.
func (l Level) Nagios() string {
	switch l {
	case Warn:
		return "WARNING"
	case Alert:
		return "CRITICAL"
	}
	return "OK"
}

// MarshalText writes the level as config spells it.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads "warn" / "warning" or "alert" / "critical".
func (l *Level) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "warn", "warning":
		*l = Warn
	case "alert", "critical", "crit":
		*l = Alert
	default:
		return fmt.Errorf("level %q: use warn or alert", b)
	}
	return nil
}

// Rule is one configured threshold, e.g. {Name: "error rate", When:
// "errors.per_install > 0.05", Level: Warn}, or on a dashboard pane's
// figures: {Pane: "error_rate", Group: "4.9.1", When: "> 0.1"}.
type Rule struct {
	Name  string `yaml:"name" json:"name"`
	When  string `yaml:"when" json:"when"`
	Level Level  `yaml:"level" json:"level"`
	// Pane is a dashboard pane's id; When is then "OP NUMBER" on one of
	// the pane's figures (pane.go). Empty: When names a headline metric.
	Pane string `yaml:"pane,omitempty" json:"pane,omitempty"`
	// Figure is the pane figure compared: total (default), num, den or
	// other; with Group: value (default), num, den, installations, users.
	Figure string `yaml:"figure,omitempty" json:"figure,omitempty"`
	// Group is a breakdown value of the pane ("4.9.1"); with two
	// breakdowns, both values separated by " · " or ", ".
	Group string `yaml:"group,omitempty" json:"group,omitempty"`

	cond condition
}

type condition struct {
	metric string
	op     string
	value  float64
}

// metrics maps each metric name to how it is read from a Snapshot, and the
// pane it belongs to (the monitor colours that pane).
var metrics = map[string]struct {
	pane string
	read func(*datasource.Snapshot) float64
}{
	"installs.active":       {"installs", func(s *datasource.Snapshot) float64 { return float64(s.Installs.Active) }},
	"installs.previous":     {"installs", func(s *datasource.Snapshot) float64 { return float64(s.Installs.Previous) }},
	"installs.change":       {"installs", installsChange},
	"versions.latest_share": {"versions", latestShare},
	"versions.count":        {"versions", func(s *datasource.Snapshot) float64 { return float64(len(s.Versions)) }},
	"errors.total":          {"errors", func(s *datasource.Snapshot) float64 { return float64(s.Errors.Total) }},
	"errors.per_install":    {"errors", func(s *datasource.Snapshot) float64 { return s.Errors.PerInstall }},
	"timers.total":          {"timers", func(s *datasource.Snapshot) float64 { return float64(s.Timers.Total) }},
	"events.total":          {"", func(s *datasource.Snapshot) float64 { return float64(s.Totals.Events) }},
}

// Metrics lists the metric names a rule may use, sorted.
func Metrics() []string {
	out := make([]string, 0, len(metrics))
	for m := range metrics {
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// installsChange is the relative change against the previous period
// (-0.25 = a quarter fewer); 0 when there was no previous period.
func installsChange(s *datasource.Snapshot) float64 {
	if s.Installs.Previous == 0 {
		return 0
	}
	return float64(s.Installs.Active-s.Installs.Previous) / float64(s.Installs.Previous)
}

// latestShare is the share of active installations on the latest version,
// the ★ (datasource.LatestRule: enough installations, or pinned; a stray
// event does not move it); 0 without any.
func latestShare(s *datasource.Snapshot) float64 {
	for _, v := range s.Versions {
		if v.Latest {
			return v.Share
		}
	}
	return 0
}

var ops = []string{">=", "<=", "==", "!=", ">", "<"}

// Compile parses every rule's When and checks names and levels, reporting
// all problems at once.
func Compile(rules []Rule) ([]Rule, error) {
	out := make([]Rule, len(rules))
	var errs []string
	seen := map[string]bool{}
	for i, r := range rules {
		if strings.TrimSpace(r.Name) == "" {
			errs = append(errs, fmt.Sprintf("alerts[%d]: give the alert a name", i))
		} else if seen[r.Name] {
			errs = append(errs, fmt.Sprintf("alerts[%d]: the name %q is used twice", i, r.Name))
		}
		seen[r.Name] = true
		if r.Level == OK {
			errs = append(errs, fmt.Sprintf("alerts[%d] %q: set level: warn or level: alert", i, r.Name))
		}
		c, err := parseCondition(r.When)
		if r.Pane != "" {
			c, err = paneCondition(r)
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("alerts[%d] %q: %v", i, r.Name, err))
		}
		r.cond = c
		out[i] = r
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

func parseCondition(s string) (condition, error) {
	for _, op := range ops {
		left, right, ok := strings.Cut(s, op)
		if !ok {
			continue
		}
		m := strings.TrimSpace(left)
		if _, known := metrics[m]; !known {
			return condition{}, fmt.Errorf("unknown metric %q; use one of %s", m, strings.Join(Metrics(), ", "))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(right), 64)
		if err != nil {
			return condition{}, fmt.Errorf("%q is not a number; write e.g. %s %s 0.05", strings.TrimSpace(right), m, op)
		}
		return condition{metric: m, op: op, value: v}, nil
	}
	return condition{}, fmt.Errorf("when: %q must be METRIC OP NUMBER, e.g. errors.per_install > 0.05", s)
}

func (c condition) holds(v float64) bool {
	switch c.op {
	case ">":
		return v > c.value
	case ">=":
		return v >= c.value
	case "<":
		return v < c.value
	case "<=":
		return v <= c.value
	case "==":
		return v == c.value
	case "!=":
		return v != c.value
	}
	return false
}

// Firing is a rule that holds for a snapshot, with the value that broke it.
type Firing struct {
	Rule  Rule
	Value float64
}

// Metric is the rule's metric name.
func (f Firing) Metric() string { return f.Rule.cond.metric }

// Pane names the pane the metric belongs to ("installs", "versions",
// "errors", "timers"; "" for fleet-wide totals), or the rule's own pane id.
func (f Firing) Pane() string {
	if f.Rule.Pane != "" {
		return f.Rule.Pane
	}
	return metrics[f.Rule.cond.metric].pane
}

// Line renders the Nagios plugin line for one firing rule:
// "TTMON CRITICAL - errors.per_install=0.08 > 0.05 (error rate)".
func (f Firing) Line() string {
	c := f.Rule.cond
	return fmt.Sprintf("TTMON %s - %s=%s %s %s (%s)", f.Rule.Level.Nagios(), c.metric, num(f.Value), c.op, num(c.value), f.Rule.Name)
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// Evaluate returns the compiled rules that hold for s, most severe first,
// then in config order. A rule whose figure the snapshot's filters did not
// all narrow (Unchecked lists them) is left out: an error rate over every
// installation must not fire, or clear, an alert meant for a cohort.
func Evaluate(rules []Rule, s *datasource.Snapshot) []Firing {
	var out []Firing
	for _, r := range rules {
		v, ok := r.Value(s)
		if ok && r.cond.holds(v) {
			out = append(out, Firing{Rule: r, Value: v})
		}
	}
	slices.SortStableFunc(out, func(a, b Firing) int { return -cmp.Compare(a.Rule.Level, b.Rule.Level) })
	return out
}

// Worst is the highest level among firings (OK when none).
func Worst(fs []Firing) Level {
	l := OK
	for _, f := range fs {
		l = max(l, f.Rule.Level)
	}
	return l
}

// Unchecked is a rule Evaluate left out because the pane its figure comes
// from did not apply some of the filters (datasource.Snapshot.NotNarrowed).
type Unchecked struct {
	Rule Rule
	// Filters are the filters the figure was not narrowed by.
	Filters []string
	// Reason says why otherwise: a pane rule whose pane or group the
	// snapshot does not hold.
	Reason string
}

// Line renders the Nagios plugin line for a rule that could not be checked:
// "TTMON UNKNOWN - errors.per_install not checked: not narrowed by
// is_admin=true (error rate)".
func (u Unchecked) Line() string {
	if len(u.Filters) == 0 {
		return fmt.Sprintf("TTMON UNKNOWN - %s not checked: %s (%s)", u.Rule.cond.metric, u.Reason, u.Rule.Name)
	}
	return fmt.Sprintf("TTMON UNKNOWN - %s not checked: not narrowed by %s (%s)",
		u.Rule.cond.metric, strings.Join(u.Filters, ", "), u.Rule.Name)
}

// Unevaluated lists the compiled rules Evaluate leaves out for s, in config
// order.
func Unevaluated(rules []Rule, s *datasource.Snapshot) []Unchecked {
	var out []Unchecked
	for _, r := range rules {
		if r.Pane != "" {
			if _, reason, fs := r.paneValue(s); reason != "" || len(fs) > 0 {
				out = append(out, Unchecked{Rule: r, Filters: fs, Reason: reason})
			}
			continue
		}
		if fs := notNarrowed(r.cond.metric, s); len(fs) > 0 {
			out = append(out, Unchecked{Rule: r, Filters: fs})
		}
	}
	return out
}

// notNarrowed names the filters a metric's figure was not narrowed by:
// installation and version figures come from heartbeats, error and timer
// figures from their own events, and errors per installation divides one
// by the other. Event totals apply every filter as written.
func notNarrowed(metric string, s *datasource.Snapshot) []string {
	nn := s.NotNarrowed
	var fs []string
	switch {
	case metric == "errors.per_install":
		fs = append(slices.Clone(nn.Errors), nn.Installs...)
	case strings.HasPrefix(metric, "installs."), strings.HasPrefix(metric, "versions."):
		fs = nn.Installs
	case strings.HasPrefix(metric, "errors."):
		fs = nn.Errors
	case strings.HasPrefix(metric, "timers."):
		fs = nn.Timers
	}
	return slices.Compact(slices.Sorted(slices.Values(fs)))
}
