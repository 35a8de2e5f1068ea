package posthog

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Installations lists one row per person with a heartbeat in range,
// described by its latest heartbeat (id: that heartbeat's distinct_id);
// most recently seen first, then by id. Filters are read as heartbeats
// read them (datasource.Mapping.FiltersFor). Limit defaults to 1000.
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) ([]datasource.Installation, error) {
	fs, err := s.resolve(ctx, q.Query.Filters)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	fs = s.o.mapping.FiltersFor(datasource.KindHeartbeat, fs).Apply
	t, err := s.query(ctx, "ttmon.installations", s.installationsQuery(q.Query.Range, fs, limit))
	if err != nil {
		return nil, err
	}
	ix, err := t.need("iid", "ver", "plat", "dep", "seen_ms", "n")
	if err != nil {
		return nil, s.bad(err)
	}
	out := make([]datasource.Installation, 0, len(t.rows))
	for _, row := range t.rows {
		var in datasource.Installation
		var ok [3]bool
		var errs [6]error
		in.ID, _, errs[0] = str(row[ix[0]])
		in.Version, ok[0], errs[1] = str(row[ix[1]])
		in.Platform, ok[1], errs[2] = str(row[ix[2]])
		in.Deployment, ok[2], errs[3] = str(row[ix[3]])
		var ms int64
		ms, errs[4] = num(row[ix[4]])
		in.Heartbeats, errs[5] = num(row[ix[5]])
		for _, e := range errs {
			if e != nil {
				return nil, s.bad(e)
			}
		}
		in.Version = orUnknown(in.Version, ok[0])
		in.Platform = orUnknown(in.Platform, ok[1])
		in.Deployment = orUnknown(in.Deployment, ok[2])
		in.LastSeen = time.UnixMilli(ms).UTC()
		out = append(out, in)
	}
	// PostHog sorted already; sorting again pins the order to the port's
	// definition whatever the server's collation.
	slices.SortStableFunc(out, func(a, b datasource.Installation) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *Source) installationsQuery(r datasource.Range, fs []datasource.Filter, limit int) *hq {
	h := newHQ()
	m := s.o.mapping
	latest := "tuple(distinct_id, " + h.value(eventProps, m.VersionProperty) + ", " +
		h.value(eventProps, m.PlatformProperty) + ", " + h.value(eventProps, m.DeploymentProperty) + ")"
	h.add("SELECT tupleElement(l, 1) AS iid, tupleElement(l, 2) AS ver, tupleElement(l, 3) AS plat,",
		" tupleElement(l, 4) AS dep, toUnixTimestamp64Milli(seen) AS seen_ms, n FROM (",
		"SELECT argMax(", latest, ", tuple(timestamp, uuid)) AS l, max(timestamp) AS seen, count() AS n",
		" FROM events WHERE ", h.where(r.From, r.To, fs), " AND ", h.family(m.Heartbeat), " GROUP BY person_id",
		") ORDER BY seen_ms DESC, iid ASC LIMIT ", h.val(int64(limit)))
	return h
}

// Breakdown groups one family by a property, as the embedded store does:
// heartbeats count distinct persons (by their latest heartbeat's value for
// an event property, by the person's value for a person property), other
// families count events. The family reads the filters as it does in the
// snapshot (datasource.Mapping.FiltersFor). Missing values count as
// Unknown. Hour >= 0 keeps only events in that local hour. Count
// descending, then value; Limit defaults to 100.
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	loc, err := q.Query.Location()
	if err != nil {
		return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: err.Error()}
	}
	fs, err := s.resolve(ctx, q.Query.Filters)
	if err != nil {
		return nil, err
	}
	if q.Scope, err = s.resolveScope(ctx, q.Scope, q.Key); err != nil {
		return nil, err
	}
	fs = s.o.mapping.FiltersFor(q.Kind, fs).Apply
	t, err := s.query(ctx, "ttmon.breakdown", s.breakdownQuery(q, loc, fs))
	if err != nil {
		return nil, err
	}
	out, err := s.counts(t, true)
	return datasource.SortCounts(out, q.Limit, 100), err
}

func (s *Source) breakdownQuery(q datasource.BreakdownQuery, loc *time.Location, fs []datasource.Filter) *hq {
	h := newHQ()
	r := q.Query.Range
	cond := h.where(r.From, r.To, fs)
	if q.Kind != datasource.KindAny {
		cond += " AND " + h.family(s.o.mapping.Names(q.Kind))
	}
	if q.Hour >= 0 {
		cond += " AND " + h.hour(loc, r.From, r.To) + " = " + h.val(int64(q.Hour))
	}
	v := h.value(scopeColumn(q.Scope), q.Key)
	switch {
	case q.Kind == datasource.KindHeartbeat && q.Scope == datasource.ScopeEvent:
		h.add("SELECT tupleElement(lv, 1) AS value, count() AS n FROM (SELECT argMax(tuple(", v,
			"), tuple(timestamp, uuid)) AS lv FROM events WHERE ", cond, " GROUP BY person_id) GROUP BY value")
	case q.Kind == datasource.KindHeartbeat:
		h.add("SELECT ", v, " AS value, uniqExact(person_id) AS n FROM events WHERE ", cond, " GROUP BY value")
	default:
		h.add("SELECT ", v, " AS value, count() AS n FROM events WHERE ", cond, " GROUP BY value")
	}
	// Unknown merges with a literal "unknown" value after the fact, so the
	// limit is applied here, not by PostHog.
	h.add(" LIMIT ", strconv.Itoa(maxRows))
	return h
}
