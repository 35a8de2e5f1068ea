package alert

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

// PaneFigures are the figures a rule with Pane and no Group can compare.
var PaneFigures = []string{"total", "num", "den", "other"}

// GroupFigures are the figures a rule with Pane and Group can compare.
var GroupFigures = []string{"value", "num", "den", "installations", "users"}

// paneCondition compiles a pane rule: When is "OP NUMBER", the figure
// comes from Figure. The metric name, used in lines and performance data,
// is "pane.figure" or "pane[group].figure".
func paneCondition(r Rule) (condition, error) {
	figures, def := PaneFigures, "total"
	if r.Group != "" {
		figures, def = GroupFigures, "value"
	}
	fig := r.Figure
	if fig == "" {
		fig = def
	}
	if !slices.Contains(figures, fig) {
		what := "a pane"
		if r.Group != "" {
			what = "a group"
		}
		return condition{}, fmt.Errorf("figure %q: %s's figures are %s", r.Figure, what, strings.Join(figures, ", "))
	}
	metric := r.Pane + "." + fig
	if r.Group != "" {
		metric = r.Pane + "[" + r.Group + "]." + fig
	}
	when := strings.TrimSpace(r.When)
	for _, op := range ops {
		rest, ok := strings.CutPrefix(when, op)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			return condition{}, fmt.Errorf("%q is not a number; write e.g. when: \"%s 0.05\"", strings.TrimSpace(rest), op)
		}
		return condition{metric: metric, op: op, value: v}, nil
	}
	return condition{}, fmt.Errorf("when: %q: with pane: write OP NUMBER, e.g. when: \"> 0.05\" (figure: says what is compared)", r.When)
}

// paneValue reads a pane rule's figure. reason is set when the snapshot
// does not hold the pane (another dashboard's) or the group (past the
// pane's limit); filters when the pane was not narrowed by some of the
// query's filters: a rule on the whole fleet's figure must not fire, or
// clear, an alert meant for a cohort.
func (r Rule) paneValue(s *datasource.Snapshot) (v float64, reason string, filters []string) {
	i := slices.IndexFunc(s.Panes, func(p datasource.PaneFigures) bool { return p.ID == r.Pane })
	if i < 0 {
		return 0, fmt.Sprintf("pane %s is not in this snapshot (is it on the dashboard shown?)", r.Pane), nil
	}
	p := s.Panes[i]
	if len(p.NotNarrowed) > 0 {
		return 0, "", slices.Compact(slices.Sorted(slices.Values(p.NotNarrowed)))
	}
	fig := r.cond.metric[strings.LastIndexByte(r.cond.metric, '.')+1:]
	if r.Group == "" {
		switch fig {
		case "num":
			return float64(p.Num), "", nil
		case "den":
			return float64(p.Den), "", nil
		case "other":
			return p.Other, "", nil
		}
		return p.Total, "", nil
	}
	g, ok := findGroup(p.Groups, r.Group)
	if !ok {
		if p.OtherGroups > 0 {
			return 0, fmt.Sprintf("group %s is not among the pane's top %d (raise the pane's limit)", r.Group, len(p.Groups)), nil
		}
		return 0, "", nil // every group is listed: this one counted nothing
	}
	switch fig {
	case "num":
		return float64(g.Num), "", nil
	case "den":
		return float64(g.Den), "", nil
	case "installations":
		return float64(g.Installations), "", nil
	case "users":
		return float64(g.Users), "", nil
	}
	return g.Value, "", nil
}

// findGroup finds a group by its label ("a · b") or its values separated
// by commas ("a, b").
func findGroup(gs []datasource.Group, want string) (datasource.Group, bool) {
	parts := strings.Split(want, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	for _, g := range gs {
		if g.Label() == want || slices.Equal(g.Key, parts) {
			return g, true
		}
	}
	return datasource.Group{}, false
}
