package posthog

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// rowPerson is the kind of the built-in figures' hits: grouped by person
// and folded into the figures, never a row of the answer.
const rowPerson = 5

// zeroUUID is the person key of every hit but the figures'.
const zeroUUID = "toUUID('00000000-0000-0000-0000-000000000000')"

// statement is the Snapshot's one statement. Without panes it is
// snapshotQuery's. With panes, the built-in figures (unless PanesOnly) and
// the panes read the window in one scan of events (paneSQL) and answer in
// rows with the same columns, (tag, k, k2, b, v1..v8, vk, vn): the
// figures' rows as snapshotQuery's with k2, v5..v8, vk and vn empty.
//
// Issue 16: the figures' statement UNION ALL the panes' read the window
// twice (HogQL and ClickHouse run each branch on its own); now the
// figures are one more hit of the panes' scan, aggregated with the panes'
// hits (heartbeats by person), so only a new-installations pane reads
// events again (its events over all history, see newHits).
func (s *Source) statement(q datasource.Query, loc *time.Location, fs []datasource.Filter, panes []datasource.PaneQuery) *hq {
	if len(panes) == 0 {
		return s.snapshotQuery(q, loc, fs)
	}
	h := newHQ()
	p := &paneSQL{h: h, m: s.o.mapping, loc: loc, fs: fs, name: map[string]*scanCol{}, figN: strconv.Itoa(len(panes))}
	for _, pq := range panes {
		if slices.Contains(pq.Spec.Columns, datasource.ColumnVersions) {
			p.ver = true
		}
	}
	if !q.PanesOnly {
		p.fig = s.newFigSQL(h, q.Range, fs, func(expr string) string { return p.column("f", expr) })
	}
	h.add(p.query(panes), "\n) LIMIT ", strconv.Itoa(maxRows))
	return h
}

// query writes the statement but its LIMIT.
func (p *paneSQL) query(panes []datasource.PaneQuery) string {
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
		"if(kind IN (" + strconv.Itoa(rowSeries) + ", " + gs + "), tupleElement(x, 6), -1) AS b" + p.figFan() + " FROM (\n" +
		strings.Join(srcs, "\nUNION ALL\n") + ")"
	// val ranks groups; every branch is a Float64 (n / 1): UInt64 and
	// Float64 have no common type, and only with use_variant_as_common_type
	// (on in chdb) would ClickHouse make one, a Variant.
	agg := "SELECT pane, kind, g1, g2, b, mc, lim, countIf(m) AS n, " + p.paneAggs(panes) +
		"multiIf(mc = " + mcUsers + ", users / 1, mc = " + mcInstall + ", inst / 1, mc = " + mcRate + ", if(den > 0, n / den, 0), n / 1) AS val"
	key := "pane, kind, g1, g2, b, mc, lim"
	prow := "tuple('" + tagPane + "', g1, g2, b, pane, kind, n, inst, users, den, fms, lms, vk, vn)"
	prows := "groupArray(" + prow + ")"
	var fold, figCols string
	if p.fig != nil {
		agg += ", " + p.fig.perPerson()
		key += ", pid"
		prows = "groupArrayIf(" + prow + ", pane != " + p.figN + ")"
		fold = p.fig.fold() + ", "
		figCols = strings.Join(p.fig.cols(), ", ") + ", "
	}
	agg += " FROM (\n" + fan + ") GROUP BY " + key
	// Per pane: the groups ranked, the top Limit kept with their series,
	// the rest summed (events) or counted distinct (users, installations,
	// a rate's denominator) into rowOther. The figures: the persons
	// folded.
	rank := "SELECT pane, lim, " + fold + prows + " AS prows, " +
		"arraySort(y -> tuple(-tupleElement(y, 1), tupleElement(y, 2), tupleElement(y, 3)), " +
		"groupArrayIf(tuple(val, g1, g2, n, ents, dents), kind = " + g + " AND n > 0)) AS ranked FROM (\n" + agg + ") GROUP BY pane, lim"
	split := "SELECT pane, " + figCols + "prows, arrayMap(y -> tuple(tupleElement(y, 2), tupleElement(y, 3)), arraySlice(ranked, 1, lim)) AS tops, " +
		"arraySlice(ranked, lim + 1) AS rest, " + noStrings + " AS ns, " + noCounts + " AS nc FROM (\n" + rank + ")"
	rows := "arrayConcat(arrayFilter(y -> tupleElement(y, 6) NOT IN (" + g + ", " + gs + ") OR " +
		"has(tops, tuple(tupleElement(y, 2), tupleElement(y, 3))), prows), [" + p.otherRow() + "])"
	var cols string
	if p.fig != nil {
		// The figures' rows in the answer's shape. Both sets of rows are
		// columns of their own, defined before the arrayJoin that reads
		// them: PostHog's parser time grows with how deep an expression
		// nests, and the figures' rows inside arrayJoin and if were a
		// quarter of the statement's.
		row := func(tag, k, b string, v ...string) string {
			return "tuple('" + tag + "', " + k + ", '', " + b + ", " + strings.Join(v, ", ") + ", 0, 0, 0, 0, ns, nc)"
		}
		cols = rows + " AS prows2, " + p.fig.rows(row) + " AS frows, "
		rows = "if(pane = " + p.figN + ", frows, prows2)"
	}
	out := "SELECT " + cols + "arrayJoin(" + rows + ") AS o FROM (\n" + split + ")"
	sel := make([]string, len(answerCols))
	for i, c := range answerCols {
		sel[i] = "tupleElement(o, " + strconv.Itoa(i+1) + ") AS " + c
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (\n" + out
}

// paneAggs are the aggregates of the panes' groups but their events'
// count: each only when some pane needs it (wants), a constant of its
// type otherwise, since every row of the aggregation pays for each.
func (p *paneSQL) paneAggs(panes []datasource.PaneQuery) string {
	var need [6]bool
	for _, pq := range panes {
		for i, w := range wants(pq) {
			need[i] = need[i] || w == "true"
		}
	}
	g := strconv.Itoa(rowGroup)
	pick := func(i int, agg, none string) string {
		if need[i] {
			return agg + ", "
		}
		return none + ", "
	}
	return pick(wantInstallations, "uniqExactIf(ik, m AND wi) AS inst", "0 AS inst") +
		pick(wantUsers, "uniqExactIf(tuple(ik, did), m AND wu) AS users", "0 AS users") +
		pick(wantDenominator, "uniqExactIf(ik, d) AS den", "0 AS den") +
		pick(wantSeen, "minIf(ms, m) AS fms, maxIf(ms, m) AS lms", "0 AS fms, 0 AS lms") +
		pick(wantVersions, "sumMapIf([coalesce(ver, '')], [1], m AND wv AND kind = "+g+" AND ver IS NOT NULL) AS vm, "+
			"tupleElement(vm, 1) AS vk, tupleElement(vm, 2) AS vn", noStrings+" AS vk, "+noCounts+" AS vn") +
		pick(wantOther, "groupUniqArrayIf(tuple(ik, if(mc = "+mcUsers+", did, '')), m AND wo AND kind = "+g+") AS ents, "+
			"groupUniqArrayIf(ik, d AND wo AND kind = "+g+") AS dents", "arrayFilter(y -> false, [tuple('', '')]) AS ents, "+noStrings+" AS dents")
}

// answerCols are the columns of a statement with panes.
var answerCols = []string{"tag", "k", "k2", "b", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "vk", "vn"}

// otherRow is rowOther as a row of the answer (ns, nc: noStrings,
// noCounts).
func (p *paneSQL) otherRow() string {
	return "tuple('" + tagPane + "', '', '', -1, pane, " + strconv.Itoa(rowOther) + ", arraySum(arrayMap(y -> tupleElement(y, 4), rest)), " +
		"length(arrayDistinct(arrayFlatten(arrayMap(y -> tupleElement(y, 5), rest)))), length(rest), " +
		"length(arrayDistinct(arrayFlatten(arrayMap(y -> tupleElement(y, 6), rest)))), 0, 0, ns, nc)"
}

// Empty arrays with an element type, for rows without versions: a bare []
// has none, and UNION ALL and arrayConcat need one.
const (
	noStrings = "arrayFilter(y -> false, [''])"
	noCounts  = "arrayFilter(y -> false, [0])"
)

// mainHits is the shared scan of the figures and every pane but new
// installations: (ik, did, ms, ver, the figures' columns, x) with x one
// hit.
func (p *paneSQL) mainHits(panes []datasource.PaneQuery) string {
	sc := &scanScope{p: p}
	sc.from, sc.to = p.scanBounds(panes)
	// First the columns that say which of the scan's rows a pane reads
	// (its range and names): the columns computed for those rows alone
	// come after them and test them.
	reads := make([][2]string, len(panes)) // its events; a rate's heartbeats
	for i, pq := range panes {
		if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			continue
		}
		reads[i][0] = sc.add(pq.Range, p.events(pq.Spec))
		if pq.Spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
			reads[i][1] = sc.add(pq.Range, p.h.family(p.m.Heartbeat))
		}
	}
	var hits, keyWhen, verWhen []string
	for i, pq := range panes {
		spec := pq.Spec
		if spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			continue
		}
		ev, hb := reads[i][0], reads[i][1]
		m := allOf(ev, p.condsWhen(p.paneFilters(pq), ev))
		d, when := "false", ev
		if hb != "" {
			d = allOf(hb, p.condsWhen(p.m.FiltersFor(datasource.KindHeartbeat, p.fs).Apply, hb))
			when = anyOf(ev, hb)
		}
		g1, g2 := p.groups(spec, pq.Range, when)
		if needsKey(pq) && !slices.Contains(keyWhen, when) {
			keyWhen = append(keyWhen, when)
		}
		if slices.Contains(spec.Columns, datasource.ColumnVersions) && !slices.Contains(verWhen, ev) {
			verWhen = append(verWhen, ev)
		}
		hits = append(hits, p.hit(i, pq, m, d, g1, g2, p.bucketExpr(pq.Range, "ms")))
	}
	if p.fig != nil {
		hits = append(hits, "tuple("+p.figN+", "+p.column("s", sc.figures(p.fig))+", false, '', '', 0, ["+
			strconv.Itoa(rowPerson)+"], 0, 0, false, false, false, false)")
	}
	if len(hits) == 0 {
		return ""
	}
	scan := "SELECT timestamp, event, distinct_id, toUnixTimestamp64Milli(timestamp) AS ms"
	if p.fig != nil {
		scan += ", person_id, " + p.fig.scanCols(p.loc)
	}
	for _, c := range p.cols {
		scan += ", " + c.String()
	}
	// Only distinct counts need the installation key, and only panes
	// listing versions the version: reading them from the JSON of every
	// event is a good part of the scan's cost.
	scan += ", " + (&scanCol{expr: p.installKey(), name: "ik", zero: "''", when: keyWhen}).String() +
		", " + (&scanCol{expr: p.h.value(eventProps, p.m.VersionProperty), name: "ver", zero: "NULL", when: verWhen}).String() +
		" FROM events WHERE " + p.h.since(sc.from) + " AND " + p.h.before(sc.to)
	if w := sc.where(); w != "" {
		scan += " AND (" + w + ")"
	}
	figs := ""
	if p.fig != nil {
		f := p.fig.flags
		figs = ", person_id, sord, sver, bk, hr, cur, " + f[0] + " AS ftot, " + f[1] + " AS fhb, " + f[2] + " AS fer, " + f[3] + " AS ftm"
	}
	return "SELECT ik, distinct_id AS did, ms, ver" + figs + ", arrayJoin(arrayFilter(x -> tupleElement(x, 2) OR tupleElement(x, 3), [" +
		strings.Join(hits, ", ") + "])) AS x FROM (\n" + scan + ")"
}

// scanScope collects which events the shared scan reads, within [from,
// to): each pane's names within its range (one condition per range, none
// for a range the figures read whole), and the figures' events.
type scanScope struct {
	p        *paneSQL
	from, to time.Time
	ranges   []datasource.Range
	names    [][]string // by ranges
	fig      string     // the figures' condition in full
	figRange datasource.Range
}

// add notes that a pane reads names in r and returns the condition on the
// scan's columns that picks those events ("true": all of them).
func (sc *scanScope) add(r datasource.Range, names string) string {
	p := sc.p
	i := slices.IndexFunc(sc.ranges, func(x datasource.Range) bool { return x.From.Equal(r.From) && x.To.Equal(r.To) })
	if i < 0 {
		i = len(sc.ranges)
		sc.ranges, sc.names = append(sc.ranges, r), append(sc.names, nil)
	}
	if !slices.Contains(sc.names[i], names) {
		sc.names[i] = append(sc.names[i], names)
	}
	in := "true"
	if !r.From.Equal(sc.from) || !r.To.Equal(sc.to) {
		in = p.column("r", p.inRange(r))
	}
	ev := names
	if names != "true" && names != "false" {
		ev = p.column("e", names)
	}
	return allOf(ev, in)
}

// figures notes the figures' events (figSQL.scope within their range)
// and returns the condition in full.
func (sc *scanScope) figures(f *figSQL) string {
	term := f.scope()
	if r := f.r; !r.Previous().From.Equal(sc.from) || !r.To.Equal(sc.to) {
		term = sc.p.h.since(r.Previous().From) + " AND " + sc.p.h.before(r.To) + " AND " + term
	}
	sc.fig, sc.figRange = "("+term+")", f.r
	if len(f.common) > 0 {
		sc.figRange = datasource.Range{} // it does not read its window whole
	}
	return sc.fig
}

// where is the scan's condition beyond its bound ("" for none).
func (sc *scanScope) where() string {
	var terms []string
	for i, r := range sc.ranges {
		if !sc.figRange.To.IsZero() && !r.From.Before(sc.figRange.From) && !r.To.After(sc.figRange.To) {
			continue // the figures read every event in their window
		}
		names := "(" + strings.Join(sc.names[i], " OR ") + ")"
		if slices.Contains(sc.names[i], "true") {
			names = "true"
		}
		switch {
		case !r.From.Equal(sc.from) || !r.To.Equal(sc.to):
			terms = append(terms, "("+allOf(sc.p.inRange(r), names)+")")
		case names == "true":
			return ""
		default:
			terms = append(terms, names)
		}
	}
	if sc.fig != "" {
		terms = append(terms, sc.fig)
	}
	return strings.Join(terms, " OR ")
}

// anyOf ORs two conditions of allOf's form.
func anyOf(a, b string) string {
	if a == "true" || b == "true" {
		return "true"
	}
	return "(" + a + ") OR (" + b + ")"
}

// figNone is what a new-installations branch has in the figures'
// columns of mainHits (nothing: figFan reads them for the figures' hits
// alone). fuid is its first event's uuid.
func (p *paneSQL) figNone() string {
	if p.fig == nil {
		return ""
	}
	return ", fuid, tuple(fts, fuid), NULL, 0, 0, false, false, false, false, false"
}

// figFan is the fan-out's columns for the figures' aggregates
// (figSQL.perPerson), false for every hit but the figures'. Only
// heartbeats are grouped by person (pid): the figures count other events
// by bucket, hour and version, which one group holds as well as many, and
// a group costs the states of every aggregate of the statement.
func (p *paneSQL) figFan() string {
	if p.fig == nil {
		return ""
	}
	f := "pane = " + p.figN
	return ", sord, sver, bk, hr, cur, if(" + f + " AND fhb, person_id, " + zeroUUID + ") AS pid, " +
		f + " AND ftot AS tot, " + f + " AND fhb AS hb, " + f + " AND fer AS er, " + f + " AND ftm AS tm"
}

// scanBounds is the union of the ranges the shared scan serves: the
// figures' (with the previous window) and every pane's but new
// installations'.
func (p *paneSQL) scanBounds(panes []datasource.PaneQuery) (from, to time.Time) {
	widen := func(f, t time.Time) {
		if from.IsZero() || f.Before(from) {
			from = f
		}
		if t.After(to) {
			to = t
		}
	}
	if p.fig != nil {
		widen(p.fig.r.Previous().From, p.fig.r.To)
	}
	for _, pq := range panes {
		if pq.Spec.EffectiveMeasure() != datasource.MeasureNewInstallations {
			widen(pq.Range.From, pq.Range.To)
		}
	}
	return from, to
}
