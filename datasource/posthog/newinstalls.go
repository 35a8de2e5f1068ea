package posthog

import (
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// newHits is the branch of one new-installations pane: each installation's
// earliest matching event up to the range's end (argMin over (timestamp,
// uuid), the order datasource uses), kept when it falls in range. The
// branch reads the pane's events over all history, so only what picks
// the events (filters, the installation key) is computed for each; the
// breakdown is read from the first events' properties afterwards.
func (p *paneSQL) newHits(i int, pq datasource.PaneQuery) string {
	save, saveName := p.cols, p.name
	p.cols, p.name = nil, map[string]*scanCol{}
	defer func() { p.cols, p.name = save, saveName }()
	spec := pq.Spec
	cond := p.conds(p.paneFilters(pq))
	// Person properties are a join on PostHog: only when a breakdown
	// reads them.
	pp := "''"
	if slices.ContainsFunc(spec.Refs(), func(b datasource.BreakdownRef) bool { return b.Special == "" && b.Scope == datasource.ScopePerson }) {
		pp = personProps
	}
	scan := "SELECT timestamp, uuid, event, distinct_id, properties, " + pp + " AS pp, " + p.installKey() +
		" AS ik, toUnixTimestamp64Milli(timestamp) AS ms"
	for _, c := range p.cols {
		scan += ", " + c.String()
	}
	// All history: the earliest event may be from any time before the
	// range. The lower bound is the Unix epoch, so the statement is still
	// bounded as every statement ttmon sends.
	scan += " FROM events WHERE " + p.h.since(time.UnixMilli(0)) + " AND " + p.h.before(pq.Range.To) + " AND " + p.events(spec)
	first := "SELECT ik, argMin(tuple(distinct_id, ms, event, timestamp, properties, pp, uuid), tuple(timestamp, uuid)) AS e FROM (\n" +
		scan + ") WHERE " + cond + " GROUP BY ik"
	picked := "SELECT ik, tupleElement(e, 1) AS did, tupleElement(e, 2) AS ms, tupleElement(e, 3) AS fev, tupleElement(e, 4) AS fts, " +
		"tupleElement(e, 5) AS fprops, tupleElement(e, 6) AS fpp, tupleElement(e, 7) AS fuid FROM (\n" + first + ") WHERE tupleElement(e, 2) >= " +
		p.h.val(pq.Range.From.UnixMilli())
	src := source{event: "fev", ts: "fts", props: "fprops", person: "fpp"}
	g := [2]string{"''", "''"}
	for j, b := range spec.Refs() {
		g[j] = p.groupExpr(b, pq.Range, src)
	}
	ver := "NULL"
	if slices.Contains(spec.Columns, datasource.ColumnVersions) {
		ver = p.h.value(src.props, p.m.VersionProperty)
	}
	x := p.hit(i, pq, "true", "false", g[0], g[1], p.bucketExpr(pq.Range, "ms"))
	return "SELECT ik, did, ms, " + ver + " AS ver" + p.figNone() + ", " + x + " AS x FROM (\n" + picked + ")"
}
