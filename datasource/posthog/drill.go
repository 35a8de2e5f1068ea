package posthog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// propsWindow is how far back Properties looks for keys: PostHog has no
// cheap "all keys ever" over the query API, and a week of events covers
// every key an active fleet sends.
const propsWindow = 7 * 24 * time.Hour

// resolve settles unprefixed filters (datasource.ResolveScopes) against
// the property list, remembered for propsTTL so a poll costs one request,
// not two.
func (s *Source) resolve(ctx context.Context, fs []datasource.Filter) ([]datasource.Filter, error) {
	auto := slices.ContainsFunc(fs, func(f datasource.Filter) bool { return f.Scope == datasource.ScopeAuto })
	if !auto {
		return fs, nil
	}
	s.mu.Lock()
	props, ok := s.props, s.propsSet && s.o.now().Sub(s.propsAt) < s.o.propsTTL
	s.mu.Unlock()
	if !ok {
		var err error
		if props, err = s.Properties(ctx); err != nil {
			return nil, err
		}
	}
	return datasource.ResolveScopes(fs, props), nil
}

func (s *Source) resolveScope(ctx context.Context, scope datasource.Scope, key string) (datasource.Scope, error) {
	if scope != datasource.ScopeAuto {
		return scope, nil
	}
	fs, err := s.resolve(ctx, []datasource.Filter{{Key: key}})
	if err != nil {
		return scope, err
	}
	return fs[0].Scope, nil
}

// propertiesQuery lists the keys of person and event properties seen in
// [from, to).
func propertiesQuery(from, to time.Time) *hq {
	h := newHQ()
	w := h.where(from, to, nil)
	part := func(scope, src string) string {
		return "SELECT DISTINCT '" + scope + "' AS scope, arrayJoin(JSONExtractKeys(" + src + ")) AS k FROM events WHERE " + w
	}
	h.add("SELECT scope, k FROM (\n", part("person", personProps), "\nUNION ALL\n", part("event", eventProps),
		"\n) LIMIT ", strconv.Itoa(maxRows))
	return h
}

// Properties lists the person and event property keys seen in the last 7
// days, sorted by key then scope, without $set, $set_once and $unset.
func (s *Source) Properties(ctx context.Context) ([]datasource.Property, error) {
	to := s.o.now().Truncate(time.Hour).Add(time.Hour)
	t, err := s.query(ctx, "ttmon.properties", propertiesQuery(to.Add(-propsWindow), to))
	if err != nil {
		return nil, err
	}
	ix, err := t.need("scope", "k")
	if err != nil {
		return nil, s.bad(err)
	}
	out := []datasource.Property{}
	for _, row := range t.rows {
		scope, _, err1 := str(row[ix[0]])
		key, ok, err2 := str(row[ix[1]])
		if err1 != nil || err2 != nil {
			return nil, s.bad(fmt.Errorf("properties: %v %v", err1, err2))
		}
		if !ok || key == "$set" || key == "$set_once" || key == "$unset" {
			continue
		}
		p := datasource.Property{Key: key, Scope: datasource.ScopeEvent}
		if scope == "person" {
			p.Scope = datasource.ScopePerson
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b datasource.Property) int {
		if a.Key != b.Key {
			if a.Key < b.Key {
				return -1
			}
			return 1
		}
		return int(a.Scope) - int(b.Scope)
	})
	out = slices.Compact(out)
	s.mu.Lock()
	s.props, s.propsAt, s.propsSet = out, s.o.now(), true
	s.mu.Unlock()
	return slices.Clone(out), nil
}

// Values counts the values of one property: a person property per person
// that sent a matching event, an event property per matching event.
// Missing values are not listed. Count descending, then value; Limit
// defaults to 100.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	fs, err := s.resolve(ctx, q.Query.Filters)
	if err != nil {
		return nil, err
	}
	scope, err := s.resolveScope(ctx, q.Scope, q.Key)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	h := valuesQuery(q.Query.Range, fs, scope, q.Key, limit)
	t, err := s.query(ctx, "ttmon.values", h)
	if err != nil {
		return nil, err
	}
	out, err := s.counts(t, false)
	return datasource.SortCounts(out, limit, 100), err
}

func valuesQuery(r datasource.Range, fs []datasource.Filter, scope datasource.Scope, key string, limit int) *hq {
	h := newHQ()
	v := h.value(scopeColumn(scope), key)
	n := "count()"
	if scope != datasource.ScopeEvent {
		n = "uniqExact(person_id)"
	}
	h.add("SELECT ", v, " AS value, ", n, " AS n FROM events WHERE ", h.where(r.From, r.To, fs),
		" AND ", v, " IS NOT NULL GROUP BY value ORDER BY n DESC, value ASC LIMIT ", h.val(int64(limit)))
	return h
}

// counts reads (value, n) rows; a NULL value becomes Unknown when unknown
// is true and is skipped otherwise.
func (s *Source) counts(t *table, unknown bool) ([]datasource.ValueCount, error) {
	ix, err := t.need("value", "n")
	if err != nil {
		return nil, s.bad(err)
	}
	m := map[string]int64{}
	for _, row := range t.rows {
		v, ok, err := str(row[ix[0]])
		if err != nil {
			return nil, s.bad(err)
		}
		n, err := num(row[ix[1]])
		if err != nil {
			return nil, s.bad(err)
		}
		if !ok && !unknown {
			continue
		}
		m[orUnknown(v, ok)] += n
	}
	out := make([]datasource.ValueCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, datasource.ValueCount{Value: v, Count: n})
		}
	}
	return out, nil
}

// Events lists matching events of one family, newest first (timestamp,
// then uuid, descending), reading the filters as that family does in the
// snapshot (datasource.Mapping.FiltersFor). Limit defaults to 100.
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) ([]datasource.Event, error) {
	fs, err := s.resolve(ctx, q.Query.Filters)
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	fs = s.o.mapping.FiltersFor(q.Kind, fs).Apply
	loc, err := q.Query.Location()
	if err != nil {
		return nil, err
	}
	q.Limit = limit
	t, err := s.query(ctx, "ttmon.events", s.eventsQuery(q, loc, fs))
	if err != nil {
		return nil, err
	}
	ix, err := t.need("id", "ts", "event", "distinct_id", "properties")
	if err != nil {
		return nil, s.bad(err)
	}
	out := make([]datasource.Event, 0, len(t.rows))
	for _, row := range t.rows {
		var ev datasource.Event
		var props string
		var errs [5]error
		ev.UUID, _, errs[0] = str(row[ix[0]])
		ms, err := num(row[ix[1]])
		errs[1] = err
		ev.Name, _, errs[2] = str(row[ix[2]])
		ev.DistinctID, _, errs[3] = str(row[ix[3]])
		props, _, errs[4] = str(row[ix[4]])
		for _, e := range errs {
			if e != nil {
				return nil, s.bad(e)
			}
		}
		ev.Time = time.UnixMilli(ms).UTC()
		ev.Properties = map[string]any{}
		if props != "" {
			if err := json.Unmarshal([]byte(props), &ev.Properties); err != nil {
				return nil, s.bad(fmt.Errorf("event %s: properties are not a JSON object: %w", ev.UUID, err))
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// eventsQuery lists q's newest events: its range, the filters fs, its
// family, and its names, category and hours (loc is its zone).
func (s *Source) eventsQuery(q datasource.EventsQuery, loc *time.Location, fs []datasource.Filter) *hq {
	h := newHQ()
	r := q.Query.Range
	h.add("SELECT toString(uuid) AS id, toUnixTimestamp64Milli(timestamp) AS ts, event, distinct_id, properties",
		" FROM events WHERE ", h.where(r.From, r.To, fs))
	if q.Kind != datasource.KindAny {
		h.add(" AND ", h.family(s.o.mapping.Names(q.Kind)))
	}
	if q.Names != nil {
		h.add(" AND ", h.family(q.Names))
	}
	if q.Category != "" {
		h.add(" AND (event = ", h.val(q.Category), " OR startsWith(event, ", h.val(q.Category+"."), "))")
	}
	if q.Hours != nil {
		hours := make([]string, len(q.Hours))
		for i, hr := range q.Hours {
			hours[i] = h.val(int64(hr))
		}
		h.add(" AND ", h.hour(loc, r.From, r.To), " IN (", strings.Join(hours, ", "), ")")
	}
	h.add(" ORDER BY timestamp DESC, uuid DESC LIMIT ", h.val(int64(q.Limit)))
	return h
}
