package cmd

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
)

const dashboardFlagHelp = "dashboard to show: health (default), engagement, or one of the config's dashboards:"

// dashboardsFor returns every dashboard the settings know (the built-ins
// with the config's dashboards: applied) and the one to start on: name,
// or the default when name is empty. An unknown name is an error that
// lists the names.
func dashboardsFor(cfg config.Config, name string) ([]datasource.Dashboard, string, error) {
	ds := cfg.AllDashboards()
	if name == "" {
		return ds, config.DefaultDashboard, nil
	}
	if slices.ContainsFunc(ds, func(d datasource.Dashboard) bool { return d.Name == name }) {
		return ds, name, nil
	}
	return nil, "", fmt.Errorf("--dashboard %q: there is no such dashboard; use one of %s (add your own under dashboards: in the config file)",
		name, strings.Join(cfg.DashboardNames(), ", "))
}

// readDashboard reads --dashboard into a.dashboards and a.dashboard
// (empty when the flag is not given).
func (a *app) readDashboard(cmd *cobra.Command) error {
	name, _ := cmd.Flags().GetString("dashboard")
	ds, start, err := dashboardsFor(a.cfg, name)
	if err != nil {
		return err
	}
	a.dashboards = ds
	if name != "" {
		a.dashboard = start
	}
	return nil
}

// selected is the dashboard --dashboard named, if any.
func (a *app) selected() (datasource.Dashboard, bool) {
	i := slices.IndexFunc(a.dashboards, func(d datasource.Dashboard) bool { return d.Name == a.dashboard })
	if a.dashboard == "" || i < 0 {
		return datasource.Dashboard{}, false
	}
	return a.dashboards[i], true
}

// withPanes asks q for the selected dashboard's panes and for every pane an
// alert reads, each once (by id), the dashboard's first. Built-in figures
// are skipped (PanesOnly) when neither the dashboard nor an alert needs
// them.
func (a *app) withPanes(q datasource.Query, rules []alert.Rule, now time.Time) (datasource.Query, error) {
	d, ok := a.selected()
	needBuiltins := !ok || len(d.Builtins()) > 0
	if ok {
		pqs, err := d.Queries(q.Range, now)
		if err != nil {
			return q, fmt.Errorf("dashboard %s: %w", d.Name, err)
		}
		q.Panes = pqs
	}
	for _, r := range rules {
		if r.Pane == "" {
			needBuiltins = true
			continue
		}
		if slices.ContainsFunc(q.Panes, func(pq datasource.PaneQuery) bool { return pq.Spec.ID == r.Pane }) {
			continue
		}
		spec, found := a.paneSpec(r.Pane)
		if !found {
			continue // alert.Unevaluated says the snapshot does not hold it
		}
		pq, err := datasource.ResolvePane(spec, q.Range, now)
		if err != nil {
			return q, fmt.Errorf("alert %q: %w", r.Name, err)
		}
		q.Panes = append(q.Panes, pq)
	}
	q.PanesOnly = !needBuiltins
	return q, nil
}

// paneSpec finds a configured (not built-in) pane by id: the selected
// dashboard's first, then the other dashboards' in order.
func (a *app) paneSpec(id string) (datasource.PaneSpec, bool) {
	order := slices.Clone(a.dashboards)
	if d, ok := a.selected(); ok {
		order = append([]datasource.Dashboard{d}, order...)
	}
	for _, d := range order {
		if p, ok := d.Pane(id); ok && !p.Builtin() {
			return p, true
		}
	}
	return datasource.PaneSpec{}, false
}

// completeDashboard offers the dashboards' names, titled.
func (a *app) completeDashboard(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, d := range a.quietConfig(cmd).AllDashboards() {
		if strings.HasPrefix(d.Name, toComplete) {
			out = append(out, d.Name+"\t"+d.DisplayTitle())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
