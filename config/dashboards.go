package config

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/ttmon/ttmon/config/builtin"
	"io"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

// builtinYAML holds the built-in dashboards in the form a user writes:
// dashboards are data (STYLE.md 15b), and the file is the proof that the
// config form can express every built-in pane.
var builtinYAML = builtin.DashboardsYAML

// BuiltinDashboards returns the built-in dashboards (health, engagement),
// read from config/builtin/dashboards.yaml by the code that reads a user's
// dashboards: section. Each call returns a fresh copy.
func BuiltinDashboards() []datasource.Dashboard {
	var f struct {
		Dashboards []datasource.Dashboard `yaml:"dashboards"`
	}
	if err := decodeStrict(builtinYAML, &f); err != nil {
		panic("config: the built-in dashboards.yaml does not decode: " + err.Error())
	}
	var root yaml.Node
	if err := yaml.Unmarshal(builtinYAML, &root); err != nil {
		panic("config: the built-in dashboards.yaml does not parse: " + err.Error())
	}
	if p := checkDashboardNodes(dashboardsNode(&root)); len(p) > 0 {
		panic("config: the built-in dashboards.yaml is invalid: " + p.Error())
	}
	return f.Dashboards
}

// DefaultDashboard is the dashboard the monitor opens on without
// --dashboard: the first built-in.
const DefaultDashboard = "health"

// AllDashboards is the built-in dashboards with the config's applied: a
// dashboard with a built-in's name replaces it in place, the others follow
// in the order written.
func (c Config) AllDashboards() []datasource.Dashboard {
	out := BuiltinDashboards()
	for _, d := range c.Dashboards {
		if i := slices.IndexFunc(out, func(b datasource.Dashboard) bool { return b.Name == d.Name }); i >= 0 {
			out[i] = d
			continue
		}
		out = append(out, d)
	}
	return out
}

// DashboardNames lists AllDashboards' names in order.
func (c Config) DashboardNames() []string {
	ds := c.AllDashboards()
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

// decodeStrict decodes YAML refusing unknown keys, the way Decode reads a
// config file.
func decodeStrict(data []byte, dst any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return friendlyYAML(err)
	}
	return nil
}

// dashboardsNode finds the value of the top-level dashboards: key in a
// parsed document, or nil.
func dashboardsNode(doc *yaml.Node) *yaml.Node {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	return mappingValue(doc.Content[0], "dashboards")
}

// mappingValue is the value node of key in a mapping node (the first one:
// a repeated key is reported by the decoder).
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// validateDashboards checks dashboards set without a file (there are no
// lines to name): the same rules as checkDashboardNodes.
func validateDashboards(ds []datasource.Dashboard) []error {
	var errs []error
	names := map[string]bool{}
	for i, d := range ds {
		where := fmt.Sprintf("dashboards[%d] %s", i, d.Name)
		switch {
		case strings.TrimSpace(d.Name) == "":
			errs = append(errs, fmt.Errorf("dashboards[%d]: give the dashboard a name", i))
		case names[d.Name]:
			errs = append(errs, fmt.Errorf("%s: the name %q is used twice", where, d.Name))
		}
		names[d.Name] = true
		if len(d.Panes) == 0 {
			errs = append(errs, fmt.Errorf("%s: list at least one pane under panes:", where))
		}
		ids := map[string]bool{}
		for _, p := range d.Panes {
			if p.ID != "" && ids[p.ID] {
				errs = append(errs, fmt.Errorf("%s: pane id %q is used twice; ids name panes in alerts and --json", where, p.ID))
			}
			ids[p.ID] = true
			for _, pr := range paneProblems(p, panePos{}) {
				errs = append(errs, fmt.Errorf("%s: %s", where, pr.msg))
			}
		}
	}
	return errs
}

// dashboardKeys reports a switching key two dashboards share (a user's
// dashboard next to the built-ins: the built-ins use 1 and 2).
func dashboardKeys(ds []datasource.Dashboard) []error {
	var errs []error
	owner := map[string]string{}
	for _, d := range ds {
		if d.Key == "" {
			continue
		}
		if o, ok := owner[d.Key]; ok {
			errs = append(errs, fmt.Errorf("dashboard %s: key %q already switches to %s; choose another key", d.Name, d.Key, o))
			continue
		}
		owner[d.Key] = d.Name
	}
	return errs
}

// knownKeys names the keys of the YAML types whose unknown-key errors list
// the valid ones (a pane has many keys, and a near miss such as meassure
// is best answered with the list).
func knownKeys(goType string) (what, keys string) {
	var v any
	switch goType {
	case "datasource.PaneSpec":
		what, v = "pane", datasource.PaneSpec{}
	case "datasource.Dashboard":
		what, v = "dashboard", datasource.Dashboard{}
	case "alert.Rule":
		what, v = "alert", alert.Rule{}
	default:
		return "", ""
	}
	t := reflect.TypeOf(v)
	var names []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return what, strings.Join(names, ", ")
}

// alertPanes checks that every alert with pane: names a configured pane of
// some dashboard (a built-in figure pane has its own metrics).
func alertPanes(rules []alert.Rule, ds []datasource.Dashboard) []error {
	var errs []error
	for i, r := range rules {
		if r.Pane == "" {
			continue
		}
		var ids []string
		found, builtin := false, ""
		for _, d := range ds {
			for _, p := range d.Panes {
				switch {
				case p.ID == r.Pane && p.Builtin():
					builtin = p.Figure
				case p.ID == r.Pane:
					found = true
				case !p.Builtin() && !slices.Contains(ids, p.ID):
					ids = append(ids, p.ID)
				}
			}
		}
		switch {
		case found:
		case builtin != "":
			errs = append(errs, fmt.Errorf("alerts[%d] %q: pane %s shows the built-in %s figures: write when: with a metric such as %s.total instead (see ttmon snapshot --help)", i, r.Name, r.Pane, builtin, builtin))
		default:
			errs = append(errs, fmt.Errorf("alerts[%d] %q: no dashboard has a pane %q; the panes are %s", i, r.Name, r.Pane, strings.Join(ids, ", ")))
		}
	}
	return errs
}
