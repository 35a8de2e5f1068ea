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

// paneSQL builds the pane part of one statement. The panes share one scan
// of events (bounded by the union of their ranges and event names): each
// event gets one hit per pane it counts for (its group key, bucket and the
// kinds of row it adds to), hits fan out into rows, and one aggregation
// groups them by (pane, row kind, group, bucket). A pane counting new
// installations needs each installation's first event ever, so it reads
// its own events over all time in a branch of its own, which yields one
// hit per installation new in range. A last aggregation per pane ranks the
// groups (value descending, key ascending, as datasource sorts them), keeps
// the top Limit and their series, and folds the rest into one rowOther.
type paneSQL struct {
	h    *hq
	m    datasource.Mapping
	loc  *time.Location
	fs   []datasource.Filter // the query's resolved filters
	cols []string            // the scan's computed columns, "expr AS name"
	name map[string]string   // expr -> name
	ver  bool                // some pane lists versions
}

// paneFilters is FiltersForPane's Apply for pq, with its Where resolved.
func (p *paneSQL) paneFilters(pq datasource.PaneQuery) []datasource.Filter {
	return p.m.FiltersForPane(pq, p.fs).Apply
}

// column registers a computed column of the scan and returns its name;
// the same expression is computed once however many panes use it.
func (p *paneSQL) column(prefix, expr string) string {
	if n, ok := p.name[expr]; ok {
		return n
	}
	n := prefix + strconv.Itoa(len(p.cols))
	p.cols = append(p.cols, expr+" AS "+n)
	p.name[expr] = n
	return n
}

// conds is the AND of filters as scan columns ("true" for none).
func (p *paneSQL) conds(fs []datasource.Filter) string {
	var parts []string
	for _, f := range fs {
		c := p.column("f", "coalesce("+p.h.cond(f)+", false)")
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
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	distinct := meas == datasource.MeasureUsers || meas == datasource.MeasureInstallations || meas == datasource.MeasurePerInstallation
	return "tuple(" + strconv.Itoa(i) + ", " + m + ", " + d + ", " + g1 + ", " + g2 + ", " + bucket + ", [" +
		strings.Join(kinds, ", ") + "], " + mc + ", " + limit + ", " +
		b(meas == datasource.MeasureInstallations || slices.Contains(spec.Columns, datasource.ColumnInstallations)) + ", " +
		b(meas == datasource.MeasureUsers || slices.Contains(spec.Columns, datasource.ColumnUsers)) + ", " +
		b(grouped && !hour && distinct) + ", " + b(slices.Contains(spec.Columns, datasource.ColumnVersions)) + ")"
}

// bucketExpr is the series index of ms (an event's Unix milliseconds) in r.
func (p *paneSQL) bucketExpr(r datasource.Range, ms string) string {
	if r.Buckets() == 0 {
		return "0"
	}
	return "intDiv(" + ms + " - " + p.h.val(r.From.UnixMilli()) + ", " + p.h.val(r.Step.Milliseconds()) + ")"
}

// groups returns the expressions of a pane's two group columns (” when
// not broken down that far), as scan columns.
func (p *paneSQL) groups(spec datasource.PaneSpec, r datasource.Range) (string, string) {
	g := [2]string{"''", "''"}
	for j, b := range spec.Refs() {
		g[j] = p.column("x", p.groupExpr(b, r, eventsTable))
	}
	return g[0], g[1]
}

// inRange is a bound on timestamp to r.
func (p *paneSQL) inRange(r datasource.Range) string {
	return "(" + p.h.since(r.From) + " AND " + p.h.before(r.To) + ")"
}

// mainHits is the shared scan of every pane but new installations:
// (ik, did, ms, ver, x) with x one hit.
func (p *paneSQL) mainHits(panes []datasource.PaneQuery) string {
	var hits []string
	from, to := scanBounds(panes)
	// Which events the scan reads: each pane's names within its range,
	// each distinct condition once (a range equal to the scan's bound
	// needs no repeating; a pane of every event reads them all).
	var scope []string
	all := false
	reads := func(r datasource.Range, names string) {
		term := names
		if !r.From.Equal(from) || !r.To.Equal(to) {
			term = "(" + p.inRange(r) + " AND " + names + ")"
		}
		all = all || term == "true"
		if !slices.Contains(scope, term) {
			scope = append(scope, term)
		}
	}
	// Each condition a hit tests (range, names, filters) is a scan column,
	// computed once however many panes test it: the statement stays
	// short, and PostHog's parser time grows faster than its length.
	col := func(prefix, expr string) string {
		if expr == "true" || expr == "false" {
			return expr
		}
		return p.column(prefix, expr)
	}
	for i, pq := range panes {
		spec := pq.Spec
		if spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			continue
		}
		in := "true"
		if !pq.Range.From.Equal(from) || !pq.Range.To.Equal(to) {
			in = col("r", p.inRange(pq.Range))
		}
		ev := p.events(spec)
		reads(pq.Range, ev)
		m := allOf(col("e", ev), in, p.conds(p.paneFilters(pq)))
		d := "false"
		if spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
			hb := p.h.family(p.m.Heartbeat)
			reads(pq.Range, hb)
			d = allOf(col("e", hb), in, p.conds(p.m.FiltersFor(datasource.KindHeartbeat, p.fs).Apply))
		}
		g1, g2 := p.groups(spec, pq.Range)
		hits = append(hits, p.hit(i, pq, m, d, g1, g2, p.bucketExpr(pq.Range, "ms")))
	}
	if len(hits) == 0 {
		return ""
	}
	ver := "NULL"
	if p.ver {
		ver = p.h.value(eventProps, p.m.VersionProperty)
	}
	// Only distinct counts need the installation key; reading it from the
	// JSON of every event is a good part of the scan's cost.
	ik := "''"
	if slices.ContainsFunc(panes, needsKey) {
		ik = p.installKey()
	}
	scan := "SELECT timestamp, event, distinct_id, " + ik + " AS ik, toUnixTimestamp64Milli(timestamp) AS ms, " + ver + " AS ver"
	for _, c := range p.cols {
		scan += ", " + c
	}
	scan += " FROM events WHERE " + p.h.since(from) + " AND " + p.h.before(to)
	if !all {
		scan += " AND (" + strings.Join(scope, " OR ") + ")"
	}
	return "SELECT ik, distinct_id AS did, ms, ver, arrayJoin(arrayFilter(x -> tupleElement(x, 2) OR tupleElement(x, 3), [" +
		strings.Join(hits, ", ") + "])) AS x FROM (\n" + scan + ")"
}

// scanBounds is the union of the ranges of the panes the shared scan
// serves.
func scanBounds(panes []datasource.PaneQuery) (from, to time.Time) {
	for _, pq := range panes {
		if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			continue
		}
		if from.IsZero() || pq.Range.From.Before(from) {
			from = pq.Range.From
		}
		if pq.Range.To.After(to) {
			to = pq.Range.To
		}
	}
	return from, to
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

// panesQuery writes the pane part: rows (tag, k, k2, b, v1..v8, vk, vn).
func (s *Source) panesQuery(h *hq, loc *time.Location, fs []datasource.Filter, panes []datasource.PaneQuery) string {
	p := &paneSQL{h: h, m: s.o.mapping, loc: loc, fs: fs, name: map[string]string{}}
	for _, pq := range panes {
		if slices.Contains(pq.Spec.Columns, datasource.ColumnVersions) {
			p.ver = true
		}
	}
	var srcs []string
	if main := p.mainHits(panes); main != "" {
		srcs = append(srcs, main)
	}
	for i, pq := range panes {
		if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			srcs = append(srcs, p.newHits(i, pq))
		}
	}
	g, gs := strconv.Itoa(rowGroup), strconv.Itoa(rowGroupSeries)
	// Fan out: one row per hit and row kind, with the group and bucket
	// that kind is keyed by.
	fan := "SELECT ik, did, ms, ver, tupleElement(x, 1) AS pane, tupleElement(x, 2) AS m, tupleElement(x, 3) AS d, " +
		"tupleElement(x, 8) AS mc, tupleElement(x, 9) AS lim, tupleElement(x, 10) AS wi, tupleElement(x, 11) AS wu, " +
		"tupleElement(x, 12) AS wo, tupleElement(x, 13) AS wv, arrayJoin(tupleElement(x, 7)) AS kind, " +
		"if(kind IN (" + g + ", " + gs + "), tupleElement(x, 4), '') AS g1, if(kind IN (" + g + ", " + gs + "), tupleElement(x, 5), '') AS g2, " +
		"if(kind IN (" + strconv.Itoa(rowSeries) + ", " + gs + "), tupleElement(x, 6), -1) AS b FROM (\n" +
		strings.Join(srcs, "\nUNION ALL\n") + ")"
	agg := "SELECT pane, kind, g1, g2, b, mc, lim, countIf(m) AS n, uniqExactIf(ik, m AND wi) AS inst, " +
		"uniqExactIf(tuple(ik, did), m AND wu) AS users, uniqExactIf(ik, d) AS den, minIf(ms, m) AS fms, maxIf(ms, m) AS lms, " +
		"sumMapIf([coalesce(ver, '')], [1], m AND wv AND kind = " + g + " AND ver IS NOT NULL) AS vm, " +
		"groupUniqArrayIf(tuple(ik, if(mc = " + mcUsers + ", did, '')), m AND wo AND kind = " + g + ") AS ents, " +
		"groupUniqArrayIf(ik, d AND wo AND kind = " + g + ") AS dents, " +
		"multiIf(mc = " + mcUsers + ", users, mc = " + mcInstall + ", inst, mc = " + mcRate + ", if(den > 0, n / den, 0), n) AS val FROM (\n" +
		fan + ") GROUP BY pane, kind, g1, g2, b, mc, lim"
	// Per pane: the groups ranked, the top Limit kept with their series,
	// the rest summed (events) or counted distinct (users, installations,
	// a rate's denominator) into rowOther.
	rank := "SELECT pane, lim, groupArray(tuple(kind, g1, g2, b, n, inst, users, den, fms, lms, tupleElement(vm, 1), tupleElement(vm, 2))) AS prows, " +
		"arraySort(y -> tuple(-tupleElement(y, 1), tupleElement(y, 2), tupleElement(y, 3)), " +
		"groupArrayIf(tuple(val, g1, g2, n, ents, dents), kind = " + g + " AND n > 0)) AS ranked FROM (\n" + agg + ") GROUP BY pane, lim"
	split := "SELECT pane, prows, arrayMap(y -> tuple(tupleElement(y, 2), tupleElement(y, 3)), arraySlice(ranked, 1, lim)) AS tops, " +
		"arraySlice(ranked, lim + 1) AS rest FROM (\n" + rank + ")"
	out := "SELECT pane, arrayJoin(arrayConcat(arrayFilter(y -> tupleElement(y, 1) NOT IN (" + g + ", " + gs + ") OR " +
		"has(tops, tuple(tupleElement(y, 2), tupleElement(y, 3))), prows), [" + p.otherRow() + "])) AS o FROM (\n" + split + ")"
	return "SELECT '" + tagPane + "' AS tag, tupleElement(o, 2) AS k, tupleElement(o, 3) AS k2, tupleElement(o, 4) AS b, pane AS v1, " +
		"tupleElement(o, 1) AS v2, tupleElement(o, 5) AS v3, tupleElement(o, 6) AS v4, tupleElement(o, 7) AS v5, " +
		"tupleElement(o, 8) AS v6, tupleElement(o, 9) AS v7, tupleElement(o, 10) AS v8, tupleElement(o, 11) AS vk, " +
		"tupleElement(o, 12) AS vn FROM (\n" + out + ")"
}

// otherRow is rowOther as a tuple of the rows' shape.
func (p *paneSQL) otherRow() string {
	return "tuple(" + strconv.Itoa(rowOther) + ", '', '', -1, arraySum(arrayMap(y -> tupleElement(y, 4), rest)), " +
		"length(arrayDistinct(arrayFlatten(arrayMap(y -> tupleElement(y, 5), rest)))), length(rest), " +
		"length(arrayDistinct(arrayFlatten(arrayMap(y -> tupleElement(y, 6), rest)))), 0, 0, " + noStrings + ", " + noCounts + ")"
}

// Empty arrays with an element type, for rows without versions: a bare []
// has none, and UNION ALL and arrayConcat need one.
const (
	noStrings = "arrayFilter(y -> false, [''])"
	noCounts  = "arrayFilter(y -> false, [0])"
)

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
