// Package sqlref is the SQL reference engine: every figure of the
// embedded store computed with plain SQL over its tables (propsets seen as
// JSON objects through the propsets_json view). The tests hold the
// in-memory index to its answers on the same data; seconds per query at a
// million events, it is no production path, and only test files import
// this package, so the ttmon binary does not link it.
package sqlref

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/index"
)

// Engine answers with plain SQL over the tables. It is the reference the
// index is tested against, so it is written for clarity: each figure is
// one query over the CTE m of matching events, and filters are
// IN-subqueries evaluated once per person and once per propset.
type Engine struct {
	db *sql.DB
	m  datasource.Mapping
}

var _ index.Engine = (*Engine)(nil)

// New returns the engine over the store's reader pool db, for the
// Mapping the store resolved.
func New(db *sql.DB, m datasource.Mapping) *Engine {
	return &Engine{db: db, m: m}
}

// sqlq accumulates one statement and its arguments.
type sqlq struct {
	b    strings.Builder
	args []any
}

func (s *sqlq) add(text string, args ...any) *sqlq {
	s.b.WriteString(text)
	s.args = append(s.args, args...)
	return s
}

// list writes "(?, ?, ...)" for vs.
func (s *sqlq) list(vs []string) *sqlq {
	s.b.WriteString("(")
	for i, v := range vs {
		if i > 0 {
			s.b.WriteString(", ")
		}
		s.b.WriteString("?")
		s.args = append(s.args, v)
	}
	s.b.WriteString(")")
	return s
}

// cond writes the SQL form of f over the JSON column col, following
// datasource.Filter.Match: missing or null is "not set", and negative
// operators match unset values.
func (s *sqlq) cond(f datasource.Filter, col string) {
	v := "ttmon_value(" + col + ", ?)"
	switch f.Op {
	case datasource.OpEq:
		if len(f.Values) == 0 {
			s.add("0")
			return
		}
		s.add(v+" = ?", f.Key, f.Values[0])
	case datasource.OpNeq:
		if len(f.Values) == 0 {
			s.add("1")
			return
		}
		s.add("("+v+" IS NULL OR "+v+" <> ?)", f.Key, f.Key, f.Values[0])
	case datasource.OpIn:
		s.add(v+" IN ", f.Key).list(f.Values)
	case datasource.OpNotIn:
		s.add("("+v+" IS NULL OR "+v+" NOT IN ", f.Key, f.Key).list(f.Values).add(")")
	case datasource.OpIsSet:
		s.add(v+" IS NOT NULL", f.Key)
	case datasource.OpIsNotSet:
		s.add(v+" IS NULL", f.Key)
	default:
		s.add("0")
	}
}

// kindExpr is a 0/1 expression: is the event's name in names?
func (s *sqlq) kindExpr(names []string) {
	if len(names) == 0 {
		s.add("0")
		return
	}
	s.add("(e.name_id IN (SELECT id FROM event_names WHERE name IN ").list(names).add("))")
}

// matching writes "WITH m AS (...)": events in [from, to) with their person
// and, per family, whether the event counts for it: a (any event) passes
// the filters as written; hb, er and tm belong to the family and pass its
// filters (datasource.Mapping.FiltersFor).
func (e *Engine) matching(p *index.Plan, from, to int64) *sqlq {
	s := &sqlq{}
	s.add(`WITH m AS (SELECT e.id, e.ts, e.propset_id AS ps, e.did_id AS did, d.person_id AS pid, `)
	s.passExpr(p.Filters(datasource.KindAny))
	s.add(" AS a, ")
	s.kindExpr(e.m.Heartbeat)
	s.add(" AND ")
	s.passExpr(p.Filters(datasource.KindHeartbeat))
	s.add(" AS hb, ")
	s.kindExpr(e.m.Errors)
	s.add(" AND ")
	s.passExpr(p.Filters(datasource.KindError))
	s.add(" AS er, ")
	s.kindExpr(e.m.Timers)
	s.add(" AND ")
	s.passExpr(p.Filters(datasource.KindTimer))
	s.add(` AS tm FROM events e JOIN distinct_ids d ON d.id = e.did_id WHERE e.ts >= ? AND e.ts < ?) `, from, to)
	return s
}

// passExpr is a 0/1 expression: does the event pass ff?
func (s *sqlq) passExpr(ff *index.FamFilters) {
	s.add("(1")
	if len(ff.Person()) > 0 {
		s.add(` AND e.did_id IN (SELECT d2.id FROM distinct_ids d2 JOIN persons p ON p.id = d2.person_id WHERE `)
		for i, f := range ff.Person() {
			if i > 0 {
				s.add(" AND ")
			}
			s.cond(f, "p.properties")
		}
		s.add(")")
	}
	if len(ff.Event()) > 0 {
		s.add(` AND e.propset_id IN (SELECT id FROM propsets_json WHERE `)
		for i, f := range ff.Event() {
			if i > 0 {
				s.add(" AND ")
			}
			s.cond(f, "properties")
		}
		s.add(")")
	}
	s.add(")")
}

// kindCol names m's flag column for a family.
func kindCol(k datasource.EventKind) string {
	switch k {
	case datasource.KindHeartbeat:
		return "hb"
	case datasource.KindError:
		return "er"
	case datasource.KindTimer:
		return "tm"
	}
	return "a"
}

// eachRow runs a query and calls fn for every row.
func eachRow(ctx context.Context, q queryer, s *sqlq, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, s.b.String(), s.args...)
	if err != nil {
		return fmt.Errorf("embedded sql: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("embedded sql: %w", err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// valueCounts reads (value, count) rows; a NULL value becomes Unknown when
// unknown is true and is skipped otherwise.
func valueCounts(ctx context.Context, q queryer, s *sqlq, unknown bool) (map[string]int64, error) {
	out := map[string]int64{}
	err := eachRow(ctx, q, s, func(r *sql.Rows) error {
		var v sql.NullString
		var n int64
		if err := r.Scan(&v, &n); err != nil {
			return err
		}
		if !v.Valid && !unknown {
			return nil
		}
		out[index.OrUnknown(v.String, v.Valid)] += n
		return nil
	})
	return out, err
}

func (e *Engine) Properties(ctx context.Context) ([]datasource.Property, error) {
	s := &sqlq{}
	s.add(`SELECT key, scope FROM (
		SELECT DISTINCT j.key AS key, 1 AS scope FROM persons p, json_each(p.properties) j WHERE j.type <> 'null'
		UNION
		SELECT DISTINCT j.key, 2 FROM propsets_json p, json_each(p.properties) j WHERE j.type <> 'null')
		WHERE key NOT IN ('$set', '$set_once', '$unset') ORDER BY key, scope`)
	out := []datasource.Property{}
	err := eachRow(ctx, e.db, s, func(r *sql.Rows) error {
		var p datasource.Property
		var sc int
		if err := r.Scan(&p.Key, &sc); err != nil {
			return err
		}
		p.Scope = datasource.Scope(sc)
		out = append(out, p)
		return nil
	})
	return out, err
}
