package alert

import "github.com/ttmon/ttmon/datasource"

// Metric is the metric a compiled rule reads ("" before Compile).
func (r Rule) Metric() string { return r.cond.metric }

// Threshold is a compiled rule's comparison: the operator (">", ">=", "<",
// "<=", "==", "!=") and the number it compares with.
func (r Rule) Threshold() (op string, value float64) { return r.cond.op, r.cond.value }

// Value reads a metric from s; ok is false for a name Metrics does not list.
func Value(metric string, s *datasource.Snapshot) (v float64, ok bool) {
	m, ok := metrics[metric]
	if !ok {
		return 0, false
	}
	return m.read(s), true
}
