package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/datasource"
)

// panePos locates a pane's parts in the file: the pane itself, the value of
// each key, and each item of a list. Zero lines are unknown (a pane built
// without a file) and are left out of messages.
type panePos struct {
	line  int
	keys  map[string]int
	items map[string][]int
}

// key is the line of a key's value, or the pane's.
func (p panePos) key(k string) int {
	if l, ok := p.keys[k]; ok {
		return l
	}
	return p.line
}

// item is the line of a list's i-th item, or the list's.
func (p panePos) item(k string, i int) int {
	if ls := p.items[k]; i < len(ls) {
		return ls[i]
	}
	return p.key(k)
}

func positions(n *yaml.Node) panePos {
	p := panePos{line: n.Line, keys: map[string]int{}, items: map[string][]int{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if _, dup := p.keys[k]; dup {
			continue
		}
		p.keys[k] = v.Line
		if v.Kind == yaml.SequenceNode {
			for _, it := range v.Content {
				p.items[k] = append(p.items[k], it.Line)
			}
		}
	}
	return p
}

// lineProblem is one problem and the line it is on (0: unknown).
type lineProblem struct {
	line int
	msg  string
}

func (l lineProblem) String() string {
	if l.line == 0 {
		return l.msg
	}
	return fmt.Sprintf("line %d: %s", l.line, l.msg)
}

// checkDashboardNodes checks a dashboards: list as written, naming the line
// of every problem: names and pane ids used twice, and each pane's
// definition (paneProblems). What does not decode at all (a key that is not
// a pane's, a repeated key, text where a list belongs) the YAML decoder
// reports; such a pane is not checked again here.
func checkDashboardNodes(list *yaml.Node) problems {
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []lineProblem
	names := map[string]int{}
	for i, dn := range list.Content {
		if dn.Kind != yaml.MappingNode {
			continue // the decoder says what is wrong with it
		}
		name := ""
		if v := mappingValue(dn, "name"); v != nil && v.Kind == yaml.ScalarNode {
			name = v.Value
		}
		where := fmt.Sprintf("dashboard %s", name)
		switch {
		case strings.TrimSpace(name) == "":
			out = append(out, lineProblem{dn.Line, fmt.Sprintf("dashboards[%d]: give the dashboard a name (it is what --dashboard takes)", i)})
			where = fmt.Sprintf("dashboards[%d]", i)
		case names[name] > 0:
			out = append(out, lineProblem{mappingValue(dn, "name").Line, fmt.Sprintf("dashboard name %q is already used at line %d; a dashboard that replaces a built-in one is written once", name, names[name])})
		default:
			names[name] = mappingValue(dn, "name").Line
		}
		out = append(out, checkPaneNodes(where, dn)...)
	}
	slices.SortStableFunc(out, func(a, b lineProblem) int { return a.line - b.line })
	p := make(problems, len(out))
	for i, l := range out {
		p[i] = l.String()
	}
	return p
}

// checkPaneNodes checks one dashboard's panes: list.
func checkPaneNodes(where string, dn *yaml.Node) []lineProblem {
	panes := mappingValue(dn, "panes")
	if panes == nil || (panes.Kind == yaml.SequenceNode && len(panes.Content) == 0) {
		return []lineProblem{{dn.Line, where + ": list at least one pane under panes:"}}
	}
	if panes.Kind != yaml.SequenceNode {
		return nil
	}
	var out []lineProblem
	ids := map[string]int{}
	for _, pn := range panes.Content {
		if pn.Kind != yaml.MappingNode {
			continue
		}
		var p datasource.PaneSpec
		if err := pn.Decode(&p); err != nil {
			continue // the decoder reported it with its line
		}
		pos := positions(pn)
		if first, dup := ids[p.ID]; dup && p.ID != "" {
			out = append(out, lineProblem{pos.key("id"), fmt.Sprintf("%s: pane id %q is already used at line %d; ids name panes in alerts and --json", where, p.ID, first)})
		} else if p.ID != "" {
			ids[p.ID] = pos.key("id")
		}
		for _, pr := range paneProblems(p, pos) {
			out = append(out, lineProblem{pr.line, where + ": " + pr.msg})
		}
	}
	return out
}

// paneProblems lists everything wrong with one pane, each on the line of
// the key (or list item) it is about. The rules are PaneSpec.Validate's:
// each key is checked on a probe spec that holds it alone (Validate stops
// at the first problem, and a user fixes them all in one go), then the
// whole spec, for the rules between keys.
func paneProblems(p datasource.PaneSpec, pos panePos) []lineProblem {
	var out []lineProblem
	add := func(line int, err error) { out = append(out, lineProblem{line, err.Error()}) }
	if p.ID == "" {
		add(pos.line, p.Validate())
		p.ID = "(no id)"
	}
	check := func(line int, probe datasource.PaneSpec) bool {
		probe.ID = p.ID
		if len(probe.Events) == 0 && probe.Figure == "" {
			probe.Events = []string{datasource.AllEvents}
		}
		if err := probe.Validate(); err != nil {
			add(line, err)
			return false
		}
		return true
	}
	if p.Figure != "" {
		check(pos.key("figure"), datasource.PaneSpec{Figure: p.Figure})
		if extra := figureExtras(p); len(extra) > 0 {
			add(pos.key(extra[0]), fmt.Errorf("pane %s: figure %s is a built-in pane: it takes only id and title; remove %s", p.ID, p.Figure, strings.Join(extra, ", ")))
		}
		return out
	}
	if len(p.Events) == 0 {
		add(pos.key("events"), datasource.PaneSpec{ID: p.ID}.Validate())
	}
	for i, e := range p.Events {
		check(pos.item("events", i), datasource.PaneSpec{Events: []string{e}})
	}
	measureOK := check(pos.key("measure"), datasource.PaneSpec{Measure: p.Measure})
	chartOK := check(pos.key("chart"), datasource.PaneSpec{Chart: p.Chart})
	itemsOK := true
	for i, b := range p.Breakdown {
		itemsOK = check(pos.item("breakdown", i), datasource.PaneSpec{Breakdown: []string{b}}) && itemsOK
	}
	if itemsOK && measureOK {
		check(pos.key("breakdown"), datasource.PaneSpec{Breakdown: p.Breakdown, Measure: p.Measure})
	}
	for i, c := range p.Columns {
		itemsOK = check(pos.item("columns", i), datasource.PaneSpec{Columns: []string{c}, Chart: datasource.ChartTable}) && itemsOK
	}
	if chartOK && len(p.Columns) > 0 && p.EffectiveChart() != datasource.ChartTable {
		add(pos.key("columns"), fmt.Errorf("pane %s: columns need chart: table (this pane draws %s)", p.ID, p.EffectiveChart()))
	}
	check(pos.key("limit"), datasource.PaneSpec{Limit: p.Limit})
	warnLine := pos.key("warn")
	if _, ok := pos.keys["warn"]; !ok {
		warnLine = pos.key("crit")
	}
	check(warnLine, datasource.PaneSpec{Warn: p.Warn, Crit: p.Crit})
	for i, w := range p.Where {
		if _, err := ParseFilters([]string{w}); err != nil {
			add(pos.item("where", i), fmt.Errorf("pane %s: where: %w", p.ID, err))
		}
	}
	if p.Range != "" {
		if _, err := datasource.ParseRange(p.Range, time.Now()); err != nil {
			add(pos.key("range"), fmt.Errorf("pane %s: range: %w", p.ID, err))
		}
	}
	if len(out) == 0 {
		// Rules between keys that the probes above did not cover.
		if err := p.Validate(); err != nil {
			add(pos.line, err)
		}
	}
	return out
}

// figureExtras names the keys a built-in figure pane does not use.
func figureExtras(p datasource.PaneSpec) []string {
	var out []string
	for _, f := range []struct {
		key string
		set bool
	}{
		{"events", len(p.Events) > 0}, {"measure", p.Measure != ""}, {"breakdown", len(p.Breakdown) > 0},
		{"where", len(p.Where) > 0}, {"chart", p.Chart != ""}, {"columns", len(p.Columns) > 0},
		{"range", p.Range != ""}, {"limit", p.Limit != 0}, {"warn", p.Warn != 0}, {"crit", p.Crit != 0},
	} {
		if f.set {
			out = append(out, f.key)
		}
	}
	return out
}
