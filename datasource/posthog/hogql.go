package posthog

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// hq accumulates one HogQL statement and the values of its placeholders.
// Every value that comes from a user, the config or the data (filter
// values, property keys, cohort ids, event names, times) goes through val
// and reaches PostHog in "values", never in the SQL text; the text holds
// only what this file writes.
type hq struct {
	b      strings.Builder
	values map[string]any
	names  map[string]string // value identity -> placeholder, so repeats share one
}

func newHQ() *hq { return &hq{values: map[string]any{}, names: map[string]string{}} }

// val registers v and returns its placeholder, "{pN}". v is a string or an
// int64, the two JSON types PostHog turns into HogQL constants we rely on.
func (h *hq) val(v any) string {
	id := fmt.Sprintf("%T:%v", v, v)
	if name, ok := h.names[id]; ok {
		return "{" + name + "}"
	}
	name := "p" + strconv.Itoa(len(h.values))
	h.values[name] = v
	h.names[id] = name
	return "{" + name + "}"
}

func (h *hq) add(parts ...string) *hq {
	for _, p := range parts {
		h.b.WriteString(p)
	}
	return h
}

func (h *hq) String() string { return h.b.String() }

// Columns holding JSON property objects.
const (
	eventProps  = "properties"
	personProps = "person.properties"
)

// value is the HogQL for the canonical string of one JSON property, the
// form datasource.ValueString gives and filters compare: strings as
// themselves (unescaped), numbers as numbers print (1.0 is 1), booleans,
// objects and arrays as their JSON text (true/false for booleans), and
// NULL for a missing or null value ("not set"). Numbers from 1e21 up and
// under 1e-6 print with an exponent here ("1e21") and in plain digits in
// Go; see doc.go (spelling the exponent out in HogQL made the statements
// 2.6 times longer and PostHog's parser over 10 times slower on them). It
// reads the JSON directly instead of using properties.key
// because PostHog retypes properties.key by its property definitions
// (Numeric becomes a float, DateTime a date), which would change the
// string a filter compares.
func (h *hq) value(src, key string) string {
	k := h.val(key)
	t := "JSONType(" + src + ", " + k + ")"
	return "multiIf(" +
		t + " = 'String', JSONExtractString(" + src + ", " + k + "), " +
		t + " IN ('Int64', 'UInt64', 'Double'), toString(JSONExtractFloat(" + src + ", " + k + ")), " +
		"nullIf(nullIf(JSONExtractRaw(" + src + ", " + k + "), ''), 'null'))"
}

// scopeColumn is the JSON column a resolved scope reads.
func scopeColumn(s datasource.Scope) string {
	if s == datasource.ScopeEvent {
		return eventProps
	}
	return personProps
}

// cond is the HogQL for one resolved filter, following Filter.Match:
// negative operators also match a property that is not set.
func (h *hq) cond(f datasource.Filter) string {
	if f.Scope == datasource.ScopeCohort {
		not := ""
		if f.Op == datasource.OpNeq {
			not = "NOT "
		}
		return "(person_id " + not + "IN COHORT " + h.val(cohortValue(f.Key)) + ")"
	}
	v := h.value(scopeColumn(f.Scope), f.Key)
	switch f.Op {
	case datasource.OpEq:
		if len(f.Values) == 0 {
			return "false"
		}
		return "(" + v + " = " + h.val(f.Values[0]) + ")"
	case datasource.OpNeq:
		if len(f.Values) == 0 {
			return "true"
		}
		return "(" + v + " IS NULL OR " + v + " != " + h.val(f.Values[0]) + ")"
	case datasource.OpIn:
		if len(f.Values) == 0 {
			return "false"
		}
		return "(" + v + " IN " + h.list(f.Values) + ")"
	case datasource.OpNotIn:
		if len(f.Values) == 0 {
			return "true"
		}
		return "(" + v + " IS NULL OR " + v + " NOT IN " + h.list(f.Values) + ")"
	case datasource.OpIsSet:
		return "(" + v + " IS NOT NULL)"
	case datasource.OpIsNotSet:
		return "(" + v + " IS NULL)"
	}
	return "false"
}

// cohortValue sends a numeric id as a number (PostHog's cohort id) and
// anything else as a string, which IN COHORT reads as a cohort name.
func cohortValue(key string) any {
	if n, err := strconv.ParseInt(strings.TrimSpace(key), 10, 64); err == nil {
		return n
	}
	return key
}

// list writes "({p1}, {p2})".
func (h *hq) list(vs []string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = h.val(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// family is true for events whose name is one of names ("false" for none).
func (h *hq) family(names []string) string {
	if len(names) == 0 {
		return "false"
	}
	return "(event IN " + h.list(names) + ")"
}

// where bounds timestamp to [from, to) and adds every filter. Every query
// ttmon sends has this bound: PostHog partitions events by time.
func (h *hq) where(from, to time.Time, fs []datasource.Filter) string {
	w := h.since(from) + " AND " + h.before(to)
	for _, f := range fs {
		w += " AND " + h.cond(f)
	}
	return w
}

// since and before are the two halves of a time bound, to the millisecond
// as the embedded store reads them: fromUnixTimestamp(seconds) moves an
// edge that is not on a whole second, and a seconds bound was reported
// (issue 11) to drop an event at 23:59:59.999 before an edge on one
// ClickHouse; chdb 26.7 compares both forms exactly.
func (h *hq) since(t time.Time) string {
	return "timestamp >= fromUnixTimestamp64Milli(" + h.val(t.UnixMilli()) + ")"
}

func (h *hq) before(t time.Time) string {
	return "timestamp < fromUnixTimestamp64Milli(" + h.val(t.UnixMilli()) + ")"
}

// bucket is the series index of an event, the integer arithmetic every
// backend uses: (ts - From) / Step in whole milliseconds.
func (h *hq) bucket(r datasource.Range) string {
	return "intDiv(toUnixTimestamp64Milli(timestamp) - " + h.val(r.From.UnixMilli()) + ", " +
		h.val(r.Step.Milliseconds()) + ")"
}

// hour is the local hour of day of an event in loc over [from, to). The
// zone's UTC offsets for the range come from Go's zone database, as in the
// embedded store, so both backends put an event in the same hour, and any
// zone works (including "Local", which has no IANA name to send).
func (h *hq) hour(loc *time.Location, from, to time.Time) string {
	return h.hourOf("timestamp", loc, from, to)
}

// hourOf is hour for the time in column ts.
func (h *hq) hourOf(ts string, loc *time.Location, from, to time.Time) string {
	ps := zonePeriods(loc, from, to)
	off := h.val(int64(ps[len(ps)-1].off))
	if len(ps) > 1 {
		var b strings.Builder
		b.WriteString("multiIf(")
		for _, p := range ps[:len(ps)-1] {
			b.WriteString("toUnixTimestamp(" + ts + ") < " + h.val(p.end) + ", " + h.val(int64(p.off)) + ", ")
		}
		b.WriteString(off + ")")
		off = b.String()
	}
	return "intDiv((toUnixTimestamp(" + ts + ") + " + off + ") % 86400, 3600)"
}

// period is a stretch of constant UTC offset ending (exclusive) at end,
// a Unix time; the last period of a range has end 0.
type period struct {
	end int64
	off int
}

// zonePeriods lists loc's offsets over [from, to), oldest first.
func zonePeriods(loc *time.Location, from, to time.Time) []period {
	var out []period
	t := from
	for range 10000 { // a range has a handful of transitions; guard anyway
		lt := t.In(loc)
		_, off := lt.Zone()
		_, end := lt.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			return append(out, period{off: off})
		}
		out = append(out, period{end: end.Unix(), off: off})
		t = end
	}
	return append(out, period{off: 0})
}
