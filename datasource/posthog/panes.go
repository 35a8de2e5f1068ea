package posthog

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// The dashboard's configured panes (datasource/pane.go) are answered by
// the snapshot's statement too, in rows tagged tagPane. Every pane row
// carries the pane's index (v1) and what it is (v2): the pane's total, one
// bucket of its series, one group, one bucket of a group's series, or what
// the groups past the pane's Limit add up to.
const (
	tagPane = "pane"

	rowTotal       = 0 // v3 events, v4 installations, v5 users, v6 denominator
	rowSeries      = 1 // b bucket; as rowTotal
	rowGroup       = 2 // k, k2 the group; as rowTotal, v7 first ms, v8 last ms, vk/vn versions
	rowGroupSeries = 3 // k, k2, b
	rowOther       = 4 // v3 events, v4 distinct, v5 groups past Limit, v6 denominator
)

// Measures as the statement reads them; new installations count the
// installations' first events, so as events.
const (
	mcEvents  = "0"
	mcUsers   = "1"
	mcInstall = "2"
	mcRate    = "3"
)

// paneSQL builds a statement with panes (statement, in onescan.go). The
// panes and the built-in figures share one scan of events (bounded by the
// union of their ranges and event names): each event gets one hit per pane
// it counts for (its group key, bucket and the kinds of row it adds to)
// and one for the figures, hits fan out into rows, and one aggregation
// groups them by (pane, row kind, group, bucket, person: the figures'
// hits alone are grouped by person). A pane counting new installations
// needs each installation's first event ever, so it reads its own events
// over all time in a branch of its own, which yields one hit per
// installation new in range. A last aggregation per pane ranks the groups
// (value descending, key ascending, as datasource sorts them), keeps the
// top Limit and their series, and folds the rest into one rowOther; for
// the figures it folds the persons into the figures (figSQL.fold).
type paneSQL struct {
	h    *hq
	m    datasource.Mapping
	loc  *time.Location
	fs   []datasource.Filter // the query's resolved filters
	cols []*scanCol          // the scan's computed columns
	name map[string]*scanCol // by expression
	ver  bool                // some pane lists versions
	fig  *figSQL             // the built-in figures; nil with Query.PanesOnly
	figN string              // the figures' pane number in the statement (after the last pane)
}

// paneFilters is FiltersForPane's Apply for pq, with its Where resolved.
func (p *paneSQL) paneFilters(pq datasource.PaneQuery) []datasource.Filter {
	return p.m.FiltersForPane(pq, p.fs).Apply
}

// scanCol is a computed column of the scan. A column that only some
// panes read is computed for their events alone (when, ORed) and is zero
// on other rows: the scan also reads events for the built-in figures, and
// a JSON lookup on every one of them was most of its cost.
type scanCol struct {
	expr, name, zero string
	when             []string // conditions on earlier columns (none: no row)
	always           bool     // every row
}

func (c *scanCol) String() string {
	switch {
	case c.always || slices.Contains(c.when, "true"):
		return c.expr + " AS " + c.name
	case len(c.when) == 0:
		return c.zero + " AS " + c.name
	}
	return "if(" + strings.Join(c.when, " OR ") + ", " + c.expr + ", " + c.zero + ") AS " + c.name
}

// column registers a computed column of the scan and returns its name;
// the same expression is computed once however many panes use it.
func (p *paneSQL) column(prefix, expr string) string {
	return p.columnWhen(prefix, expr, "", "true")
}

// columnWhen is column for rows where when holds (zero elsewhere).
func (p *paneSQL) columnWhen(prefix, expr, zero, when string) string {
	c, ok := p.name[expr]
	if !ok {
		c = &scanCol{expr: expr, name: prefix + strconv.Itoa(len(p.cols)), zero: zero}
		p.cols = append(p.cols, c)
		p.name[expr] = c
	}
	if when == "true" {
		c.always = true
	} else if !slices.Contains(c.when, when) {
		c.when = append(c.when, when)
	}
	return c.name
}

// conds is the AND of filters as scan columns ("true" for none).
func (p *paneSQL) conds(fs []datasource.Filter) string {
	return p.condsWhen(fs, "true")
}

// condsWhen is conds for an AND with when: its columns are computed
// where when holds.
func (p *paneSQL) condsWhen(fs []datasource.Filter, when string) string {
	var parts []string
	for _, f := range fs {
		c := p.columnWhen("f", "coalesce("+p.h.cond(f)+", false)", "false", when)
		if !slices.Contains(parts, c) {
			parts = append(parts, c)
		}
	}
	if len(parts) == 0 {
		return "true"
	}
	return strings.Join(parts, " AND ")
}

// events is the condition on the event name of a pane's events.
func (p *paneSQL) events(spec datasource.PaneSpec) string {
	if slices.Contains(spec.Events, datasource.AllEvents) {
		return "true"
	}
	return p.h.family(p.m.EventNames(spec))
}

// source names the columns an event's breakdown is read from: the events
// table's own, or those of an event picked out by argMin.
type source struct{ event, ts, props, person string }

var eventsTable = source{event: "event", ts: "timestamp", props: eventProps, person: personProps}

// groupExpr is the HogQL of one breakdown entry's value for an event of a
// pane over r: a missing property is datasource.Unknown; $hour is the
// local hour as a number's text.
func (p *paneSQL) groupExpr(b datasource.BreakdownRef, r datasource.Range, src source) string {
	switch b.Special {
	case datasource.BreakdownEvent:
		return src.event
	case datasource.BreakdownCategory:
		return "if(position(" + src.event + ", '.') > 1, substring(" + src.event + ", 1, position(" + src.event + ", '.') - 1), " + src.event + ")"
	case datasource.BreakdownHour:
		return "toString(" + p.h.hourOf(src.ts, p.loc, r.From, r.To) + ")"
	}
	col := src.props
	if b.Scope == datasource.ScopePerson {
		col = src.person
	}
	return "coalesce(" + p.h.value(col, b.Key) + ", " + p.h.val(datasource.Unknown) + ")"
}

// installKey is an event's installation key (datasource.InstallKeyProperty,
// else its person).
func (p *paneSQL) installKey() string {
	return "coalesce(nullIf(" + p.h.value(eventProps, datasource.InstallKeyProperty) + ", ''), toString(person_id))"
}

// hit is a pane's hit tuple for an event (see paneSQL): (pane, counted,
// denominator, g1, g2, bucket, row kinds, measure, limit, wants
// installations, wants users, wants other's distinct sets, wants
// versions). m and d are its conditions; g1, g2 and bucket expressions.
func (p *paneSQL) hit(i int, pq datasource.PaneQuery, m, d, g1, g2, bucket string) string {
	spec := pq.Spec
	meas := spec.EffectiveMeasure()
	mc := mcEvents
	switch meas {
	case datasource.MeasureUsers:
		mc = mcUsers
	case datasource.MeasureInstallations:
		mc = mcInstall
	case datasource.MeasurePerInstallation:
		mc = mcRate
	}
	kinds := []string{strconv.Itoa(rowTotal)}
	buckets := pq.Range.Buckets() > 0
	if buckets {
		kinds = append(kinds, strconv.Itoa(rowSeries))
	}
	grouped := len(spec.Breakdown) > 0
	if grouped {
		kinds = append(kinds, strconv.Itoa(rowGroup))
		if buckets && spec.EffectiveChart() == datasource.ChartLine {
			kinds = append(kinds, strconv.Itoa(rowGroupSeries))
		}
	}
	limit := p.h.val(int64(spec.EffectiveLimit()))
	hour := slices.Contains(spec.Breakdown, datasource.BreakdownHour)
	if hour {
		limit = "24" // every hour is a group; none is "other"
	}
	w := wants(pq)
	return "tuple(" + strconv.Itoa(i) + ", " + m + ", " + d + ", " + g1 + ", " + g2 + ", " + bucket + ", [" +
		strings.Join(kinds, ", ") + "], " + mc + ", " + limit + ", " + strings.Join(w[:4], ", ") + ")"
}

// Indexes of wants.
const (
	wantInstallations = iota // distinct installation keys
	wantUsers                // distinct users
	wantOther                // the groups past Limit's distinct sets
	wantVersions             // versions per group
	wantDenominator          // a rate's active installations
	wantSeen                 // first and last event per group
)

// wants says which of the aggregates a pane needs beyond its events'
// count, as HogQL booleans; the first four are its hit's flags.
func wants(pq datasource.PaneQuery) [6]string {
	spec := pq.Spec
	meas := spec.EffectiveMeasure()
	hour := slices.Contains(spec.Breakdown, datasource.BreakdownHour)
	distinct := meas == datasource.MeasureUsers || meas == datasource.MeasureInstallations || meas == datasource.MeasurePerInstallation
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	return [6]string{
		b(meas == datasource.MeasureInstallations || slices.Contains(spec.Columns, datasource.ColumnInstallations)),
		b(meas == datasource.MeasureUsers || slices.Contains(spec.Columns, datasource.ColumnUsers)),
		b(len(spec.Breakdown) > 0 && !hour && distinct),
		b(slices.Contains(spec.Columns, datasource.ColumnVersions)),
		b(meas == datasource.MeasurePerInstallation),
		b(slices.Contains(spec.Columns, datasource.ColumnFirstSeen) || slices.Contains(spec.Columns, datasource.ColumnLastSeen)),
	}
}

// bucketExpr is the series index of ms (an event's Unix milliseconds) in r.
func (p *paneSQL) bucketExpr(r datasource.Range, ms string) string {
	if r.Buckets() == 0 {
		return "0"
	}
	return "intDiv(" + ms + " - " + p.h.val(r.From.UnixMilli()) + ", " + p.h.val(r.Step.Milliseconds()) + ")"
}

// groups returns the expressions of a pane's two group columns (” when
// not broken down that far), as scan columns computed where when holds.
func (p *paneSQL) groups(spec datasource.PaneSpec, r datasource.Range, when string) (string, string) {
	g := [2]string{"''", "''"}
	for j, b := range spec.Refs() {
		g[j] = p.columnWhen("x", p.groupExpr(b, r, eventsTable), "''", when)
	}
	return g[0], g[1]
}

// inRange is a bound on timestamp to r.
func (p *paneSQL) inRange(r datasource.Range) string {
	return "(" + p.h.since(r.From) + " AND " + p.h.before(r.To) + ")"
}

// allOf ANDs conditions, leaving out "true" and repeats.
func allOf(parts ...string) string {
	var out []string
	for _, c := range parts {
		if c != "true" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "true"
	}
	return strings.Join(out, " AND ")
}

// needsKey reports whether a pane of the shared scan counts installation
// keys (distinct measures, the installations and users columns).
func needsKey(pq datasource.PaneQuery) bool {
	switch pq.Spec.EffectiveMeasure() {
	case datasource.MeasureUsers, datasource.MeasureInstallations, datasource.MeasurePerInstallation:
		return true
	case datasource.MeasureNewInstallations:
		return false // its own branch reads the key
	}
	return slices.Contains(pq.Spec.Columns, datasource.ColumnInstallations) || slices.Contains(pq.Spec.Columns, datasource.ColumnUsers)
}
