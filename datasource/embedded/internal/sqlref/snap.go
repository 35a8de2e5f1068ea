package sqlref

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// snapshot runs each figure's query inside one read transaction, so all
// figures describe the same moment of the file.
func (e *Engine) Snapshot(ctx context.Context, p *index.Plan) (*datasource.Snapshot, error) {
	tx, err := e.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("embedded sql: %w", err)
	}
	defer tx.Rollback()
	snap := &datasource.Snapshot{}
	if !p.Query().PanesOnly {
		if snap, err = e.builtin(ctx, tx, p); err != nil {
			return nil, err
		}
	}
	if snap.Panes, err = e.panes(ctx, tx, p); err != nil {
		return nil, err
	}
	return snap, nil
}

// builtin computes the four built-in figures.
func (e *Engine) builtin(ctx context.Context, tx *sql.Tx, p *index.Plan) (*datasource.Snapshot, error) {
	snap := &datasource.Snapshot{}
	r := p.Query().Range
	snap.Installs.Series = r.EmptySeries()
	snap.Errors.Series = r.EmptySeries()
	snap.Timers.Series = r.EmptySeries()

	s := e.matching(p, p.From(), p.To()).add(`SELECT COALESCE(sum(a), 0), count(DISTINCT CASE WHEN hb THEN pid END),
		COALESCE(sum(er), 0), COALESCE(sum(tm), 0) FROM m`)
	if err := tx.QueryRowContext(ctx, s.b.String(), s.args...).Scan(&snap.Totals.Events,
		&snap.Installs.Active, &snap.Errors.Total, &snap.Timers.Total); err != nil {
		return nil, fmt.Errorf("embedded sql: %w", err)
	}
	s = e.matching(p, p.PrevFrom(), p.From()).add(`SELECT count(DISTINCT pid) FROM m WHERE hb`)
	if err := tx.QueryRowContext(ctx, s.b.String(), s.args...).Scan(&snap.Installs.Previous); err != nil {
		return nil, fmt.Errorf("embedded sql: %w", err)
	}
	if p.Step() > 0 {
		s = e.matching(p, p.From(), p.To()).add(`SELECT (ts - ?) / ? AS b, count(DISTINCT CASE WHEN hb THEN pid END),
			COALESCE(sum(er), 0), COALESCE(sum(tm), 0) FROM m GROUP BY b`, p.From(), p.Step())
		err := eachRow(ctx, tx, s, func(rows *sql.Rows) error {
			var b int
			var act, er, tm float64
			if err := rows.Scan(&b, &act, &er, &tm); err != nil {
				return err
			}
			if b >= 0 && b < p.Buckets() {
				snap.Installs.Series[b].V = act
				snap.Errors.Series[b].V = er
				snap.Timers.Series[b].V = tm
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	s = e.matching(p, p.From(), p.To()).add(`SELECT ttmon_hour(ts, ?), count(*) FROM m WHERE tm GROUP BY 1`, p.Query().TZ)
	err := eachRow(ctx, tx, s, func(rows *sql.Rows) error {
		var h int
		var n int64
		if err := rows.Scan(&h, &n); err != nil {
			return err
		}
		snap.Timers.ByHour[h] += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	versions, err := valueCounts(ctx, tx, e.latestHeartbeats(p, p.From(), p.To(), false).add(
		`SELECT ttmon_value(ps.properties, ?), count(*) FROM l JOIN propsets_json ps ON ps.id = l.ps
		 WHERE l.rn = 1 GROUP BY 1`, e.m.VersionProperty), true)
	if err != nil {
		return nil, err
	}
	s = e.matching(p, p.From(), p.To()).add(`SELECT ttmon_value(ps.properties, ?), count(*) FROM m
		JOIN propsets_json ps ON ps.id = m.ps WHERE er GROUP BY 1`, e.m.VersionProperty)
	errVersions, err := valueCounts(ctx, tx, s, true)
	if err != nil {
		return nil, err
	}
	index.Finish(snap, versions, errVersions)
	return snap, nil
}

// latestHeartbeats adds CTE l: every heartbeat in range ranked per person,
// rn = 1 being the latest (ties: higher id), n the person's heartbeat count.
// hour >= 0 keeps only heartbeats in that local hour.
func (e *Engine) latestHeartbeats(p *index.Plan, from, to int64, hourFilter bool, hour ...int) *sqlq {
	s := e.matching(p, from, to)
	s.add(`, l AS (SELECT pid, did, ps, ts,
		row_number() OVER (PARTITION BY pid ORDER BY ts DESC, id DESC) AS rn,
		count(*) OVER (PARTITION BY pid) AS n FROM m WHERE hb`)
	if hourFilter {
		s.add(` AND ttmon_hour(ts, ?) = ?`, p.Query().TZ, hour[0])
	}
	s.add(") ")
	return s
}

func (e *Engine) Values(ctx context.Context, p *index.Plan, scope datasource.Scope, key string) ([]datasource.ValueCount, error) {
	s := e.matching(p, p.From(), p.To())
	if scope == datasource.ScopeEvent {
		s.add(`SELECT ttmon_value(ps.properties, ?), count(*) FROM m JOIN propsets_json ps ON ps.id = m.ps WHERE a GROUP BY 1`, key)
	} else {
		s.add(`SELECT ttmon_value(p.properties, ?), count(*) FROM (SELECT DISTINCT pid FROM m WHERE a) x
			JOIN persons p ON p.id = x.pid GROUP BY 1`, key)
	}
	m, err := valueCounts(ctx, e.db, s, false)
	return index.CountsOf(m), err
}

// EventIDs lists the family's matching events newest first, and keeps
// the first q.Limit that have q's names, category and hours (checked in
// Go on each event's name and ttmon_hour).
func (e *Engine) EventIDs(ctx context.Context, p *index.Plan, q datasource.EventsQuery) ([]int64, error) {
	s := e.matching(p, p.From(), p.To()).add(`SELECT m.id, n.name, ttmon_hour(m.ts, ?) FROM m
		JOIN events ev ON ev.id = m.id JOIN event_names n ON n.id = ev.name_id WHERE `+kindCol(q.Kind)+
		` ORDER BY m.ts DESC, m.id DESC`, p.Query().TZ)
	var ids []int64
	err := eachRow(ctx, e.db, s, func(r *sql.Rows) error {
		var id int64
		var name string
		var hour int
		if err := r.Scan(&id, &name, &hour); err != nil {
			return err
		}
		if len(ids) < q.Limit && q.Keeps(name, hour) {
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

func (e *Engine) Installations(ctx context.Context, p *index.Plan) ([]datasource.Installation, error) {
	s := e.latestHeartbeats(p, p.From(), p.To(), false).add(`SELECT d.distinct_id,
		ttmon_value(ps.properties, ?), ttmon_value(ps.properties, ?), ttmon_value(ps.properties, ?), l.ts, l.n
		FROM l JOIN distinct_ids d ON d.id = l.did JOIN propsets_json ps ON ps.id = l.ps WHERE l.rn = 1`,
		e.m.VersionProperty, e.m.PlatformProperty, e.m.DeploymentProperty)
	out := []datasource.Installation{}
	err := eachRow(ctx, e.db, s, func(r *sql.Rows) error {
		var in datasource.Installation
		var ver, plat, dep sql.NullString
		var ts int64
		if err := r.Scan(&in.ID, &ver, &plat, &dep, &ts, &in.Heartbeats); err != nil {
			return err
		}
		in.Version = index.OrUnknown(ver.String, ver.Valid)
		in.Platform = index.OrUnknown(plat.String, plat.Valid)
		in.Deployment = index.OrUnknown(dep.String, dep.Valid)
		in.LastSeen = time.UnixMilli(ts).UTC()
		out = append(out, in)
		return nil
	})
	return out, err
}

func (e *Engine) Breakdown(ctx context.Context, p *index.Plan, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	hourOK := q.Hour >= 0
	var s *sqlq
	switch {
	case q.Kind == datasource.KindHeartbeat && q.Scope == datasource.ScopeEvent:
		s = e.latestHeartbeats(p, p.From(), p.To(), hourOK, q.Hour).add(`SELECT ttmon_value(ps.properties, ?), count(*)
			FROM l JOIN propsets_json ps ON ps.id = l.ps WHERE l.rn = 1 GROUP BY 1`, q.Key)
	case q.Kind == datasource.KindHeartbeat:
		s = e.matching(p, p.From(), p.To()).add(`SELECT ttmon_value(p.properties, ?), count(*) FROM
			(SELECT DISTINCT pid FROM m WHERE hb`, q.Key)
		if hourOK {
			s.add(` AND ttmon_hour(ts, ?) = ?`, p.Query().TZ, q.Hour)
		}
		s.add(`) x JOIN persons p ON p.id = x.pid GROUP BY 1`)
	default:
		s = e.matching(p, p.From(), p.To())
		if q.Scope == datasource.ScopeEvent {
			s.add(`SELECT ttmon_value(ps.properties, ?), count(*) FROM m JOIN propsets_json ps ON ps.id = m.ps`, q.Key)
		} else {
			s.add(`SELECT ttmon_value(p.properties, ?), count(*) FROM m JOIN persons p ON p.id = m.pid`, q.Key)
		}
		s.add(` WHERE ` + kindCol(q.Kind))
		if hourOK {
			s.add(` AND ttmon_hour(m.ts, ?) = ?`, p.Query().TZ, q.Hour)
		}
		s.add(` GROUP BY 1`)
	}
	m, err := valueCounts(ctx, e.db, s, true)
	return index.CountsOf(m), err
}
