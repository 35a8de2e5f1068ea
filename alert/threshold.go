package alert

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/datasource"
)

// Metric is the metric a compiled rule reads ("" before Compile).
func (r Rule) Metric() string { return r.cond.metric }

// Threshold is a compiled rule's comparison: the operator (">", ">=", "<",
// "<=", "==", "!=") and the number it compares with.
func (r Rule) Threshold() (op string, value float64) { return r.cond.op, r.cond.value }

// Value reads a metric from s; ok is false for a name Metrics does not list
// and for a figure the snapshot's filters did not all narrow (it would be
// graphed as the cohort's when it is not).
func Value(metric string, s *datasource.Snapshot) (v float64, ok bool) {
	m, ok := metrics[metric]
	if !ok || len(notNarrowed(metric, s)) > 0 {
		return 0, false
	}
	return m.read(s), true
}

// Value reads the rule's figure from s (a headline metric, or its pane's
// figure); ok is false when the snapshot cannot answer it for the filters
// asked (Unevaluated says why).
func (r Rule) Value(s *datasource.Snapshot) (v float64, ok bool) {
	if r.Pane != "" {
		v, reason, fs := r.paneValue(s)
		return v, reason == "" && len(fs) == 0
	}
	return Value(r.cond.metric, s)
}

// UnmarshalYAML reads a level; a wrong one is reported as a type error so
// the config loader lists it with the file's other problems instead of
// stopping at it.
func (l *Level) UnmarshalYAML(n *yaml.Node) error {
	if err := l.UnmarshalText([]byte(n.Value)); err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	return nil
}
