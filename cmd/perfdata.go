package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

// writeCheck prints the Nagios plugin output: one line per firing alert
// (or one OK line), then one UNKNOWN line per alert whose figure the
// filters did not narrow, the first line carrying the performance data
// after "|": each metric an alert reads, with the warn and crit thresholds
// set on it, so the monitoring system can graph the figure against its
// limits.
func writeCheck(w io.Writer, rules []alert.Rule, firing []alert.Firing, s *datasource.Snapshot) {
	var lines []string
	unchecked := alert.Unevaluated(rules, s)
	switch {
	case len(rules) == 0:
		lines = []string{"TTMON OK - no alerts configured"}
	case len(firing) == 0 && len(unchecked) == 0:
		lines = []string{fmt.Sprintf("TTMON OK - %d alerts checked, none firing", len(rules))}
	default:
		for _, f := range firing {
			lines = append(lines, f.Line())
		}
	}
	for _, u := range unchecked {
		lines = append(lines, u.Line())
	}
	if pd := perfdata(rules, s); pd != "" {
		lines[0] += " | " + pd
	}
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// perfdata renders 'label'=value;warn;crit for each metric the rules
// read, in the order the rules first name them. Thresholds use Nagios's
// range syntax, which alerts outside the range: "~:0.05" for "> 0.05",
// "-0.2:" for "< -0.2", "@5:5" for "== 5". A metric with two warn (or two
// crit) rules keeps the first.
func perfdata(rules []alert.Rule, s *datasource.Snapshot) string {
	type limits struct {
		warn, crit string
		rule       alert.Rule // the first naming the metric: it reads the value
	}
	var order []string
	seen := map[string]*limits{}
	for _, r := range rules {
		m := r.Metric()
		l, ok := seen[m]
		if !ok {
			l = &limits{rule: r}
			seen[m] = l
			order = append(order, m)
		}
		rng := nagiosRange(r.Threshold())
		switch {
		case r.Level == alert.Alert && l.crit == "":
			l.crit = rng
		case r.Level == alert.Warn && l.warn == "":
			l.warn = rng
		}
	}
	parts := make([]string, 0, len(order))
	for _, m := range order {
		v, ok := seen[m].rule.Value(s)
		if !ok {
			continue
		}
		l := seen[m]
		parts = append(parts, fmt.Sprintf("'%s'=%s;%s;%s", m, perfNum(v), l.warn, l.crit))
	}
	return strings.Join(parts, " ")
}

// nagiosRange turns "op value" into the Nagios range outside of which the
// plugin alerts (the strict and non-strict operators share one form: the
// plugin guidelines have no open bounds).
func nagiosRange(op string, v float64) string {
	n := perfNum(v)
	switch op {
	case ">", ">=":
		return "~:" + n
	case "<", "<=":
		return n + ":"
	case "==":
		return "@" + n + ":" + n
	case "!=":
		return n + ":" + n
	}
	return ""
}

func perfNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
