package sqlref

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// The panes (datasource/pane.go): SQL picks each pane's events (names,
// filters, range) and reads what the measure and breakdown need of each
// (installation key, user, group values, version); Go counts them with
// maps, the plainest form of "distinct over the range". Nothing here is
// shared with the index's pane code.

// paneEvent is one event a pane reads: hit when it counts, den when it is
// a heartbeat of a rate's denominator.
type paneEvent struct {
	id, ts   int64
	name     string
	ik, user string
	key      []string
	ver      sql.NullString
	hit, den bool
}

// panes computes every pane of p inside tx.
func (e *Engine) panes(ctx context.Context, tx *sql.Tx, p *index.Plan) ([]datasource.PaneFigures, error) {
	var out []datasource.PaneFigures
	for i, pq := range p.Panes() {
		evs, err := e.paneEvents(ctx, tx, p, i)
		if err != nil {
			return nil, err
		}
		if pq.Spec.EffectiveMeasure() == datasource.MeasureNewInstallations {
			evs = firstPerInstallation(evs, pq.Range.From.UnixMilli())
		}
		out = append(out, countPane(pq, p.PaneFilters(i).Skipped, evs))
	}
	return out, nil
}

// paneEvents reads pane i's events: in its range, or for new
// installations every event before its end.
func (e *Engine) paneEvents(ctx context.Context, tx *sql.Tx, p *index.Plan, i int) ([]paneEvent, error) {
	pq := p.Panes()[i]
	spec := pq.Spec
	s := &sqlq{}
	s.add(`SELECT e.id, e.ts, n.name, d.person_id, e.did_id, ttmon_value(ps.properties, ?), ttmon_value(ps.properties, ?)`,
		datasource.InstallKeyProperty, e.m.VersionProperty)
	for _, b := range spec.Refs() {
		s.add(", ")
		e.groupExpr(s, p, b)
	}
	s.add(", (")
	if names := e.m.EventNames(spec); names != nil {
		s.add("n.name IN ").list(names).add(" AND ")
	}
	ff := index.NewFamFilters(p.PaneFilters(i).Apply)
	s.passExpr(&ff)
	s.add(") AS hit, ")
	if spec.EffectiveMeasure() == datasource.MeasurePerInstallation {
		hf := index.NewFamFilters(p.HeartbeatFilters())
		s.add("(n.name IN ").list(e.m.Heartbeat).add(" AND ")
		s.passExpr(&hf)
		s.add(")")
	} else {
		s.add("0")
	}
	s.add(` AS den FROM events e JOIN distinct_ids d ON d.id = e.did_id JOIN event_names n ON n.id = e.name_id
		JOIN propsets_json ps ON ps.id = e.propset_id LEFT JOIN persons p ON p.id = d.person_id WHERE e.ts < ?`,
		pq.Range.To.UnixMilli())
	if spec.EffectiveMeasure() != datasource.MeasureNewInstallations {
		s.add(" AND e.ts >= ?", pq.Range.From.UnixMilli())
	}
	var out []paneEvent
	nk := len(spec.Breakdown)
	err := eachRow(ctx, tx, s, func(r *sql.Rows) error {
		var ev paneEvent
		var pid, did int64
		var iid sql.NullString
		keys := make([]sql.NullString, nk)
		dest := []any{&ev.id, &ev.ts, &ev.name, &pid, &did, &iid, &ev.ver}
		for k := range keys {
			dest = append(dest, &keys[k])
		}
		dest = append(dest, &ev.hit, &ev.den)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		if !ev.hit && !ev.den {
			return nil
		}
		ev.ik = "p:" + strconv.FormatInt(pid, 10)
		if iid.Valid && iid.String != "" {
			ev.ik = "i:" + iid.String
		}
		ev.user = ev.ik + "\x00" + strconv.FormatInt(did, 10)
		for _, k := range keys {
			ev.key = append(ev.key, index.OrUnknown(k.String, k.Valid))
		}
		out = append(out, ev)
		return nil
	})
	return out, err
}

// groupExpr writes a breakdown entry's value (NULL: Unknown).
func (e *Engine) groupExpr(s *sqlq, p *index.Plan, b datasource.BreakdownRef) {
	switch {
	case b.Special == datasource.BreakdownEvent:
		s.add("n.name")
	case b.Special == datasource.BreakdownCategory:
		s.add("CASE WHEN instr(n.name, '.') > 1 THEN substr(n.name, 1, instr(n.name, '.') - 1) ELSE n.name END")
	case b.Special == datasource.BreakdownHour:
		s.add("printf('%02d', ttmon_hour(e.ts, ?))", p.Query().TZ)
	case b.Scope == datasource.ScopePerson:
		s.add("ttmon_value(p.properties, ?)", b.Key)
	default:
		s.add("ttmon_value(ps.properties, ?)", b.Key)
	}
}

// firstPerInstallation keeps each installation's earliest counted event
// (ties: the lower id) when it is at or after from.
func firstPerInstallation(evs []paneEvent, from int64) []paneEvent {
	first := map[string]paneEvent{}
	for _, ev := range evs {
		if !ev.hit {
			continue
		}
		if f, ok := first[ev.ik]; !ok || ev.ts < f.ts || (ev.ts == f.ts && ev.id < f.id) {
			first[ev.ik] = ev
		}
	}
	var out []paneEvent
	for _, ev := range first {
		if ev.ts >= from {
			out = append(out, ev)
		}
	}
	return out
}
