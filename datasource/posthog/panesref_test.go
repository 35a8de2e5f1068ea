package posthog

import (
	"cmp"
	"fmt"
	"github.com/ttmon/ttmon/config/builtin"
	"slices"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
)

// builtinDashboards reads config/builtin/dashboards.yaml, the built-in
// dashboards in the form users write.
func builtinDashboards(t testing.TB) []datasource.Dashboard {
	t.Helper()
	var f struct{ Dashboards []datasource.Dashboard }
	if err := yaml.Unmarshal(builtin.DashboardsYAML, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Dashboards) < 2 {
		t.Fatalf("config/builtin/dashboards.yaml has %d dashboards", len(f.Dashboards))
	}
	return f.Dashboards
}

// extraPanes cover what the built-in dashboards do not: every measure,
// special breakdown, column and chart, Limit with Other (events, distinct
// and rate), own ranges, and Where on both scopes.
func extraPanes() []datasource.PaneSpec {
	all := []string{datasource.AllEvents}
	return []datasource.PaneSpec{
		{ID: "users_by_cat", Events: all, Measure: datasource.MeasureUsers, Breakdown: []string{"$category"}, Chart: datasource.ChartLine, Limit: 2},
		{ID: "inst_table", Events: all, Measure: datasource.MeasureInstallations, Breakdown: []string{"person.deployment_method"},
			Chart: datasource.ChartTable, Columns: datasource.Columns, Limit: 1},
		{ID: "err_types", Events: []string{"@errors"}, Breakdown: []string{"$event", "error_type"}, Chart: datasource.ChartTable,
			Columns: []string{"installations", "users", "first_seen", "last_seen", "versions"}, Limit: 2},
		{ID: "timer_hours", Events: []string{"@timers"}, Measure: datasource.MeasureUsers, Breakdown: []string{"$hour"}, Chart: datasource.ChartLine},
		{ID: "rate_line", Events: []string{"@errors"}, Measure: datasource.MeasurePerInstallation, Breakdown: []string{"app_version"},
			Chart: datasource.ChartLine, Limit: 1},
		{ID: "rate_total", Events: []string{"@errors"}, Measure: datasource.MeasurePerInstallation, Where: []string{"event.error_type = Timeout"}},
		{ID: "new_by_hour", Events: []string{"@heartbeat"}, Measure: datasource.MeasureNewInstallations, Breakdown: []string{"$hour"}},
		{ID: "new_table", Events: []string{"telemetry.install", "@heartbeat"}, Measure: datasource.MeasureNewInstallations,
			Breakdown: []string{"platform"}, Chart: datasource.ChartTable, Columns: []string{"users", "versions", "first_seen"}, Range: "30d"},
		{ID: "new_by_person", Events: []string{"@heartbeat"}, Measure: datasource.MeasureNewInstallations,
			Breakdown: []string{"person.deployment_method"}, Chart: datasource.ChartLine},
		{ID: "inst_7d", Events: []string{"@heartbeat", "auth.login"}, Measure: datasource.MeasureInstallations, Range: "7d", Chart: datasource.ChartLine},
		{ID: "logins_where", Events: []string{"auth.login"}, Measure: datasource.MeasureUsers, Breakdown: []string{"person.role"},
			Where: []string{"person.auth_method != ldap", "event.deployment_method in (docker, native)"}},
		{ID: "events_total", Events: all},
	}
}

// refData is the differential data as the reference evaluator reads it.
type refData struct {
	evs    []embedded.Event
	person map[string]diffPerson // distinct id -> person
	m      datasource.Mapping
}

func newRefData(evs []embedded.Event, persons []diffPerson, m datasource.Mapping) *refData {
	d := &refData{evs: evs, person: map[string]diffPerson{}, m: m}
	for _, p := range persons {
		for _, did := range p.dids {
			d.person[did] = p
		}
	}
	return d
}

// prop is an event's or its person's property in datasource.ValueString's
// form.
func (d *refData) prop(e embedded.Event, scope datasource.Scope, key string) (string, bool) {
	if scope == datasource.ScopePerson {
		return datasource.ValueString(d.person[e.DistinctID].props[key])
	}
	return datasource.ValueString(e.Properties[key])
}

func (d *refData) match(e embedded.Event, fs []datasource.Filter) bool {
	for _, f := range fs {
		v, ok := d.prop(e, f.Scope, f.Key)
		if !f.Match(v, ok) {
			return false
		}
	}
	return true
}

// installKey is datasource.InstallKeyProperty, else the person.
func (d *refData) installKey(e embedded.Event) string {
	if v, ok := datasource.ValueString(e.Properties[datasource.InstallKeyProperty]); ok && v != "" {
		return v
	}
	return d.person[e.DistinctID].id
}

func (d *refData) key(e embedded.Event, spec datasource.PaneSpec, loc *time.Location) []string {
	var k []string
	for _, b := range spec.Refs() {
		switch b.Special {
		case datasource.BreakdownEvent:
			k = append(k, e.Name)
		case datasource.BreakdownCategory:
			k = append(k, datasource.Category(e.Name))
		case datasource.BreakdownHour:
			k = append(k, fmt.Sprintf("%02d", e.Timestamp.In(loc).Hour()))
		default:
			v, ok := d.prop(e, b.Scope, b.Key)
			if !ok {
				v = datasource.Unknown
			}
			k = append(k, v)
		}
	}
	return k
}

func (d *refData) isEvent(spec datasource.PaneSpec, name string) bool {
	return slices.Contains(spec.Events, datasource.AllEvents) || slices.Contains(d.m.EventNames(spec), name)
}

// refAcc accumulates one measure over a set of events.
type refAcc struct {
	n          int64
	inst, usr  map[string]bool
	den        map[string]bool
	first, end time.Time
	vers       map[string]int64
}

func newAcc() *refAcc {
	return &refAcc{inst: map[string]bool{}, usr: map[string]bool{}, den: map[string]bool{}, vers: map[string]int64{}}
}

func (a *refAcc) value(m datasource.Measure) float64 {
	switch m {
	case datasource.MeasureUsers:
		return float64(len(a.usr))
	case datasource.MeasureInstallations:
		return float64(len(a.inst))
	case datasource.MeasurePerInstallation:
		if len(a.den) == 0 {
			return 0
		}
		return float64(a.n) / float64(len(a.den))
	}
	return float64(a.n)
}

// refPane computes one pane from the events as datasource/pane.go defines
// it, independently of the HogQL: fs are the query's resolved filters.
func (d *refData) refPane(pq datasource.PaneQuery, fs []datasource.Filter, loc *time.Location) datasource.PaneFigures {
	spec := pq.Spec
	r := pq.Range
	meas := spec.EffectiveMeasure()
	pf := d.m.FiltersForPane(pq, fs)
	hbFilters := d.m.FiltersFor(datasource.KindHeartbeat, fs).Apply
	type ev struct {
		e   embedded.Event
		den bool
	}
	var counted []ev
	if meas == datasource.MeasureNewInstallations {
		firsts := map[string]embedded.Event{}
		for _, e := range d.evs {
			if !e.Timestamp.Before(r.To) || !d.isEvent(spec, e.Name) || !d.match(e, pf.Apply) {
				continue
			}
			ik := d.installKey(e)
			if f, ok := firsts[ik]; !ok || e.Timestamp.Before(f.Timestamp) || e.Timestamp.Equal(f.Timestamp) && e.UUID < f.UUID {
				firsts[ik] = e
			}
		}
		for _, e := range firsts {
			if !e.Timestamp.Before(r.From) {
				counted = append(counted, ev{e: e})
			}
		}
	} else {
		for _, e := range d.evs {
			if e.Timestamp.Before(r.From) || !e.Timestamp.Before(r.To) {
				continue
			}
			if d.isEvent(spec, e.Name) && d.match(e, pf.Apply) {
				counted = append(counted, ev{e: e})
			}
			if meas == datasource.MeasurePerInstallation && slices.Contains(d.m.Heartbeat, e.Name) && d.match(e, hbFilters) {
				counted = append(counted, ev{e: e, den: true})
			}
		}
	}
	total, series := newAcc(), make([]*refAcc, r.Buckets())
	for i := range series {
		series[i] = newAcc()
	}
	groups, gseries := map[string]*refAcc{}, map[string][]*refAcc{}
	keys := map[string][]string{}
	add := func(a *refAcc, x ev) {
		ik := d.installKey(x.e)
		if x.den {
			a.den[ik] = true
			return
		}
		a.n++
		a.inst[ik] = true
		a.usr[ik+"\x00"+x.e.DistinctID] = true
		if a.first.IsZero() || x.e.Timestamp.Before(a.first) {
			a.first = x.e.Timestamp
		}
		if x.e.Timestamp.After(a.end) {
			a.end = x.e.Timestamp
		}
		if v, ok := datasource.ValueString(x.e.Properties[d.m.VersionProperty]); ok {
			a.vers[v]++
		}
	}
	for _, x := range counted {
		add(total, x)
		b := -1
		if r.Step > 0 {
			b = r.Bucket(x.e.Timestamp)
		}
		if b >= 0 {
			add(series[b], x)
		}
		if len(spec.Breakdown) == 0 {
			continue
		}
		k := d.key(x.e, spec, loc)
		ks := fmt.Sprint(k)
		if groups[ks] == nil {
			groups[ks], keys[ks] = newAcc(), k
			gseries[ks] = make([]*refAcc, r.Buckets())
			for i := range gseries[ks] {
				gseries[ks][i] = newAcc()
			}
		}
		add(groups[ks], x)
		if b >= 0 {
			add(gseries[ks][b], x)
		}
	}
	out := datasource.PaneFigures{ID: spec.ID, Range: r, Total: total.value(meas), Series: r.EmptySeries()}
	if meas == datasource.MeasurePerInstallation {
		out.Num, out.Den = total.n, int64(len(total.den))
	}
	for i, a := range series {
		out.Series[i].V = a.value(meas)
	}
	if len(pf.Skipped) > 0 {
		out.NotNarrowed = datasource.FilterStrings(pf.Skipped)
	}
	if len(spec.Breakdown) == 0 {
		return out
	}
	line := spec.EffectiveChart() == datasource.ChartLine
	group := func(ks string) datasource.Group {
		a := groups[ks]
		g := datasource.Group{Key: keys[ks], Value: a.value(meas)}
		if meas == datasource.MeasurePerInstallation {
			g.Num, g.Den = a.n, int64(len(a.den))
		}
		if line {
			g.Series = r.EmptySeries()
			for i, s := range gseries[ks] {
				g.Series[i].V = s.value(meas)
			}
		}
		refColumns(&g, spec.Columns, a)
		return g
	}
	if slices.Contains(spec.Breakdown, datasource.BreakdownHour) {
		for h := range 24 {
			ks := fmt.Sprint([]string{fmt.Sprintf("%02d", h)})
			if groups[ks] == nil {
				groups[ks], keys[ks] = newAcc(), []string{fmt.Sprintf("%02d", h)}
				gseries[ks] = make([]*refAcc, r.Buckets())
				for i := range gseries[ks] {
					gseries[ks][i] = newAcc()
				}
			}
			out.Groups = append(out.Groups, group(ks))
		}
		return out
	}
	var all []datasource.Group
	var names []string
	for ks, a := range groups {
		if a.n > 0 { // a rate's group needs events
			all = append(all, group(ks))
			names = append(names, ks)
		}
	}
	order := func(a, b datasource.Group) int {
		if c := cmp.Compare(b.Value, a.Value); c != 0 {
			return c
		}
		return slices.Compare(a.Key, b.Key)
	}
	slices.SortFunc(all, order)
	lim := spec.EffectiveLimit()
	if len(all) <= lim {
		out.Groups = all
		return out
	}
	out.Groups = all[:lim]
	rest := newAcc()
	for _, g := range all[lim:] {
		a := groups[fmt.Sprint(g.Key)]
		rest.n += a.n
		for _, s := range []struct{ from, to map[string]bool }{{a.inst, rest.inst}, {a.usr, rest.usr}, {a.den, rest.den}} {
			for k := range s.from {
				s.to[k] = true
			}
		}
	}
	out.Other, out.OtherGroups = rest.value(meas), len(all)-lim
	return out
}

func refColumns(g *datasource.Group, cols []string, a *refAcc) {
	for _, c := range cols {
		switch c {
		case datasource.ColumnInstallations:
			g.Installations = int64(len(a.inst))
		case datasource.ColumnUsers:
			g.Users = int64(len(a.usr))
		case datasource.ColumnFirstSeen:
			g.FirstSeen = a.first.UTC()
		case datasource.ColumnLastSeen:
			g.LastSeen = a.end.UTC()
		case datasource.ColumnVersions:
			for v := range a.vers {
				g.Versions = append(g.Versions, v)
			}
			slices.SortFunc(g.Versions, func(x, y string) int {
				if c := cmp.Compare(a.vers[y], a.vers[x]); c != 0 {
					return c
				}
				return cmp.Compare(x, y)
			})
		}
	}
}

// paneFleet adds to diffFleet what the dashboards' panes read and it does
// not send: updates, exports, projects created, and product events whose
// install_id is empty (their installation is then their person).
func paneFleet(custom datasource.Range) ([]embedded.Event, []diffPerson) {
	evs, persons := diffFleet(custom)
	add := func(name, did string, ts time.Time, props map[string]any) {
		u := fmt.Sprintf("0190a6c4-0000-7000-9000-%012x", len(evs)+1)
		evs = append(evs, embedded.Event{UUID: u, Name: name, DistinctID: did, Timestamp: ts, Properties: props})
	}
	versions := []string{"4.9.0", "4.9.1", "4.10.0"}
	// Installations born inside the ranges (diffFleet's are 60 days old),
	// so New installations counts some without a filter narrowing its
	// events: an hour ago, 5 hours, 12 days, and in the custom range.
	for i, born := range []time.Time{diffNow.Add(-30 * time.Minute), diffNow.Add(-5 * time.Hour),
		diffNow.Add(-12 * 24 * time.Hour), custom.From.Add(90 * time.Minute)} {
		did := fmt.Sprintf("inst-new-%d", i)
		props := map[string]any{"deployment_method": []string{"docker", "native"}[i%2], "current_version": versions[i%3],
			"current_platform": "Linux"}
		persons = append(persons, diffPerson{id: fmt.Sprintf("00000000-0000-4000-e000-%012d", i), dids: []string{did}, props: props})
		born = born.Truncate(time.Millisecond)
		add("telemetry.install", did, born, map[string]any{"$set": props})
		add("telemetry.health", did, born.Add(10*time.Minute), map[string]any{"platform": "Linux",
			"deployment_method": props["deployment_method"], "app_version": versions[i%3]})
	}
	for i := range 300 {
		ts := diffNow.Add(-time.Duration(i*4793) * time.Second).Truncate(time.Millisecond)
		inst := "inst-" + fmt.Sprintf("%02d", i%24)
		user := "user-" + fmt.Sprintf("%02d", i%20)
		iid := any("inst-" + fmt.Sprintf("%02d", i%20%24))
		if i%9 == 0 {
			iid = ""
		}
		switch i % 5 {
		case 0:
			add("telemetry.update", inst, ts, map[string]any{"old_version": versions[i%2], "new_version": versions[1+i%2],
				"platform": "Linux", "deployment_method": []string{"docker", "native"}[i%2]})
		case 1, 2:
			add([]string{"export.csv", "export.excel"}[i%2], user, ts, map[string]any{"install_id": iid, "num_rows": float64(i),
				"app_version": versions[i%3]})
		case 3:
			add("project.created", user, ts, map[string]any{"install_id": iid})
		default:
			add("auth.login", user, ts, map[string]any{"install_id": iid, "auth_method": "oidc", "deployment_method": "docker"})
		}
	}
	return evs, persons
}
