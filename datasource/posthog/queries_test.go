package posthog

import (
	"fmt"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// generated is one statement the adapter can send.
type generated struct {
	Name   string         `json:"name"`
	SQL    string         `json:"sql"`
	Values map[string]any `json:"-"`
	// User lists the user-supplied strings that must travel as values.
	User []string `json:"-"`
}

// tricky is a value and key that would break or inject into SQL if pasted.
const tricky = `x' OR 1=1) --{p0}"` + "`\\"

// everyQuery builds every kind of statement the adapter generates: the
// snapshot without filters, with each operator on each scope, with
// cohorts, in a zone with DST changes, and every drill, lookup and check
// query.
func everyQuery(t testing.TB) []generated {
	t.Helper()
	s := testSource(t, "http://127.0.0.1:1")
	now := time.Date(2026, 3, 29, 12, 0, 0, 0, time.UTC)
	r, _ := datasource.ParseRange("24h", now)
	q := datasource.Query{Range: r, TZ: "UTC"}
	var out []generated
	add := func(name string, h *hq, user ...string) {
		out = append(out, generated{Name: name, SQL: h.String(), Values: h.values, User: user})
	}
	snap := func(q datasource.Query) *hq { return s.snapshotQuery(q, mustLoc(t, q), q.Filters) }
	add("snapshot", snap(q))
	ops := []datasource.Op{datasource.OpEq, datasource.OpNeq, datasource.OpIn, datasource.OpNotIn, datasource.OpIsSet, datasource.OpIsNotSet}
	for _, scope := range []datasource.Scope{datasource.ScopePerson, datasource.ScopeEvent} {
		for _, op := range ops {
			f := datasource.Filter{Scope: scope, Key: "deployment " + tricky, Op: op, Values: []string{"docker " + tricky, "native"}}
			user := []string{f.Key}
			if op != datasource.OpIsSet && op != datasource.OpIsNotSet {
				user = append(user, f.Values[0])
			}
			add(fmt.Sprintf("snapshot %s %s", scope, op), snap(q.WithFilters(f)), user...)
		}
	}
	add("snapshot cohort", snap(q.WithFilters(datasource.Filter{Scope: datasource.ScopeCohort, Key: "42", Op: datasource.OpEq})))
	add("snapshot not cohort by name", snap(q.WithFilters(datasource.Filter{Scope: datasource.ScopeCohort, Key: tricky, Op: datasource.OpNeq})), tricky)
	all := q.WithFilters(
		datasource.Filter{Scope: datasource.ScopePerson, Key: "is_admin", Op: datasource.OpEq, Values: []string{"true"}},
		datasource.Filter{Scope: datasource.ScopeEvent, Key: "app_version", Op: datasource.OpIn, Values: []string{"4.9.0", "4.9.1"}},
		datasource.Filter{Scope: datasource.ScopeCohort, Key: "7", Op: datasource.OpNeq})
	add("snapshot three filters", snap(all))
	r30, _ := datasource.ParseRange("30d", now)
	add("snapshot 30d Europe/Berlin (DST)", snap(datasource.Query{Range: r30, TZ: "Europe/Berlin"}))
	add("snapshot 7d Asia/Kathmandu", snap(datasource.Query{Range: r, TZ: "Asia/Kathmandu"}))
	add("snapshot without buckets", snap(datasource.Query{Range: datasource.Range{Name: "custom", From: r.From, To: r.To}}))

	for _, d := range builtinDashboards(t) {
		dq := datasource.Query{Range: r30, TZ: "Europe/Berlin", Filters: all.Filters}
		dq.Panes, _ = d.Queries(r30, now)
		add("dashboard "+d.Name, s.statement(dq, mustLoc(t, dq), dq.Filters, dq.Panes))
	}
	eq := datasource.Query{Range: r, TZ: "America/New_York", Filters: all.Filters, PanesOnly: true}
	eq.Panes, _ = datasource.Dashboard{Panes: extraPanes()}.Queries(r, now)
	add("extra panes", s.statement(eq, mustLoc(t, eq), eq.Filters, eq.Panes))
	tp := datasource.PaneQuery{Range: r, Spec: datasource.PaneSpec{ID: "t", Events: []string{"ev " + tricky}, Measure: datasource.MeasureNewInstallations,
		Breakdown: []string{"person.role " + tricky, "plan " + tricky}, Chart: datasource.ChartTable, Columns: datasource.Columns, Limit: 7}}
	tp.Where = []datasource.Filter{{Scope: datasource.ScopeEvent, Key: "where " + tricky, Op: datasource.OpNeq, Values: []string{"v " + tricky}}}
	scanned := tp
	scanned.Spec.Measure = datasource.MeasureUsers
	tq := datasource.Query{Range: r, Panes: []datasource.PaneQuery{tp, scanned}, PanesOnly: true}
	add("panes with user text", s.statement(tq, time.UTC, nil, tq.Panes), "ev "+tricky, "role "+tricky, "plan "+tricky, "where "+tricky, "v "+tricky)

	add("values event", valuesQuery(r, all.Filters, datasource.ScopeEvent, "error "+tricky, 50), "error "+tricky)
	add("values person", valuesQuery(r, all.Filters, datasource.ScopePerson, "auth_method", 100))
	add("properties", propertiesQuery(r.From, r.To))
	add("check", checkQuery(r.From, r.To))
	for _, k := range []datasource.EventKind{datasource.KindAny, datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer} {
		add("events "+k.String(), s.eventsQuery(datasource.EventsQuery{Query: datasource.Query{Range: r}, Kind: k, Limit: 100}, time.UTC, all.Filters))
	}
	gq := datasource.EventsQuery{Query: datasource.Query{Range: r30, TZ: "America/New_York"}, Names: []string{"export.csv", "ev " + tricky},
		Category: "export " + tricky, Hours: []int{0, 23}, Limit: 200}
	add("events of a group", s.eventsQuery(gq, mustLoc(t, gq.Query), all.Filters), "ev "+tricky, "export "+tricky)
	add("installations", s.installationsQuery(r, all.Filters, 1000))
	bq := func(k datasource.EventKind, scope datasource.Scope, hour int) datasource.BreakdownQuery {
		return datasource.BreakdownQuery{Query: datasource.Query{Range: r30, TZ: "America/New_York", Filters: all.Filters},
			Kind: k, Scope: scope, Key: "platform " + tricky, Hour: hour}
	}
	for _, b := range []datasource.BreakdownQuery{
		bq(datasource.KindHeartbeat, datasource.ScopeEvent, -1), bq(datasource.KindHeartbeat, datasource.ScopePerson, 9),
		bq(datasource.KindError, datasource.ScopeEvent, -1), bq(datasource.KindTimer, datasource.ScopePerson, 17),
		bq(datasource.KindAny, datasource.ScopeEvent, 0),
	} {
		add(fmt.Sprintf("breakdown %s %s hour %d", b.Kind, b.Scope, b.Hour), s.breakdownQuery(b, mustLoc(t, b.Query), b.Query.Filters), b.Key)
	}
	return out
}

func mustLoc(t testing.TB, q datasource.Query) *time.Location {
	t.Helper()
	loc, err := q.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func testSource(t testing.TB, host string, opts ...Option) *Source {
	t.Helper()
	s, err := New(host, "12345", testKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const testKey = "phx_testkey_0123456789abcdefSECRET"
