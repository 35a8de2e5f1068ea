package posthog

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Tags of the result sets in the snapshot query. Every set has the same
// columns, (tag, k, b, v1, v2, v3, v4), so one statement carries them all
// and one request answers all four panes.
const (
	tagTotals   = "tot"  // v1 events, v2 active installs, v3 errors, v4 timers
	tagPrevious = "prev" // v1 active installs in the previous window
	tagBucket   = "bkt"  // b bucket; v1 active installs, v2 errors, v3 timers
	tagHour     = "hour" // b local hour; v1 timers
	tagVersion  = "ver"  // k version (NULL: unknown); v1 installs
	tagErrVer   = "errv" // k version (NULL: unknown); v1 errors
)

// snapshotQuery builds the one statement of a Snapshot. fs are resolved
// filters; each family reads them as datasource.Mapping.FiltersFor says
// (totals as written). The figures follow datasource/embedded's package
// doc:
//   - an installation is a person (person_id, merges applied);
//   - a version is that of the person's latest heartbeat in range
//     (argMax over (timestamp, uuid); wrapped in a tuple because argMax
//     skips NULL values and a missing version must count as unknown);
//   - buckets and local hours are integer arithmetic on Unix time.
//
// It reads events once. HogQL inlines a CTE at every use, so the earlier
// form (a CTE of matching events, then one UNION ALL branch per result
// set) scanned the window six times. Here the scan flags each event
// (which families' filters it passes, bucket, hour), every event is
// repeated by arrayJoin once per result set it counts in, keyed by
// (tag, k, b), and one GROUP BY computes every set; versions are keyed by
// person first (latest heartbeat) and counted per version by the outer
// GROUP BY.
func (s *Source) snapshotQuery(q datasource.Query, loc *time.Location, fs []datasource.Filter) *hq {
	h := newHQ()
	m := s.o.mapping
	r := q.Range
	// Each distinct filter (families may read one filter differently) is
	// evaluated once, as a column f<i>, never NULL; a family's flag ANDs
	// the columns of its filters. Writing each family's conditions out in
	// full would multiply the statement, and PostHog's parser time grows
	// much faster than its length.
	var cols []string
	col := map[string]string{}
	flag := func(k datasource.EventKind) string {
		parts := []string{}
		if k != datasource.KindAny {
			parts = append(parts, h.family(m.Names(k)))
		}
		for _, f := range m.FiltersFor(k, fs).Apply {
			c := h.cond(f)
			if col[c] == "" {
				col[c] = "f" + strconv.Itoa(len(cols))
				cols = append(cols, "coalesce("+c+", false) AS "+col[c])
			}
			parts = append(parts, col[c])
		}
		if len(parts) == 0 {
			return "true"
		}
		return strings.Join(parts, " AND ")
	}
	flags := flag(datasource.KindAny) + " AS tot, " + flag(datasource.KindHeartbeat) + " AS hb, " +
		flag(datasource.KindError) + " AS er, " + flag(datasource.KindTimer) + " AS tm"
	// The previous window only counts heartbeats, so it need not read
	// other events (PostHog sorts events by day, then name).
	scan := "SELECT timestamp, uuid, person_id, event, " + h.since(r.From) + " AS cur, " +
		h.value(eventProps, m.VersionProperty) + " AS ver, " + h.bucket(r) + " AS bk, " + h.hour(loc, r.From, r.To) + " AS hr"
	if len(cols) > 0 {
		scan += ", " + strings.Join(cols, ", ")
	}
	scan += " FROM events WHERE " + h.where(r.Previous().From, r.To, nil) +
		" AND (" + h.since(r.From) + " OR " + h.family(m.Heartbeat) + ")"
	keys := []struct{ key, when string }{
		{"tuple('" + tagTotals + "', '', 0)", "cur AND (tot OR hb OR er OR tm)"},
		{"tuple('" + tagPrevious + "', '', 0)", "NOT cur AND hb"},
		{"tuple('" + tagBucket + "', '', bk)", "cur AND (hb OR er OR tm)"},
		{"tuple('" + tagHour + "', '', hr)", "cur AND tm"},
		{"tuple('" + tagErrVer + "', ver, 0)", "cur AND er"},
		{"tuple('" + tagVersion + "', toString(person_id), 0)", "cur AND hb"},
	}
	if r.Buckets() == 0 {
		keys = slices.Delete(keys, 2, 3)
	}
	var ks, ws []string
	for _, k := range keys {
		ks, ws = append(ks, k.key), append(ws, k.when)
	}
	expand := "SELECT timestamp, uuid, person_id, ver, tot, hb, er, tm, arrayJoin(arrayFilter((x, keep) -> keep, [" +
		strings.Join(ks, ", ") + "], [" + strings.Join(ws, ", ") + "])) AS g FROM (\n" +
		"SELECT timestamp, uuid, person_id, ver, bk, hr, cur, " + flags + " FROM (\n" + scan + "))"
	tag := "tupleElement(g, 1)"
	h.add("SELECT tag, k, b, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3, sum(v4) AS v4 FROM (\n",
		"SELECT ", tag, " AS tag,",
		" if(", tag, " = '", tagVersion, "', tupleElement(argMax(tuple(ver), tuple(timestamp, uuid)), 1), tupleElement(g, 2)) AS k,",
		" tupleElement(g, 3) AS b,",
		" multiIf(", tag, " = '", tagTotals, "', countIf(tot), ", tag, " IN ('", tagPrevious, "', '", tagBucket, "'), uniqExactIf(person_id, hb), ",
		tag, " = '", tagVersion, "', 1, count()) AS v1,",
		" multiIf(", tag, " = '", tagTotals, "', uniqExactIf(person_id, hb), ", tag, " = '", tagBucket, "', countIf(er), 0) AS v2,",
		" multiIf(", tag, " = '", tagTotals, "', countIf(er), ", tag, " = '", tagBucket, "', countIf(tm), 0) AS v3,",
		" if(", tag, " = '", tagTotals, "', countIf(tm), 0) AS v4\n",
		"FROM (", expand, ")\nGROUP BY g\n) GROUP BY tag, k, b LIMIT ", strconv.Itoa(maxRows))
	return h
}

// Snapshot computes every pane with one request.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	loc, err := q.Location()
	if err != nil {
		return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: err.Error()}
	}
	fs, err := s.resolve(ctx, q.Filters)
	if err != nil {
		return nil, err
	}
	t, err := s.query(ctx, "ttmon.snapshot", s.snapshotQuery(q, loc, fs))
	if err != nil {
		return nil, err
	}
	snap, err := assemble(t, q.Range)
	if err != nil {
		return nil, s.bad(err)
	}
	snap.NotNarrowed = s.o.mapping.NotNarrowed(fs)
	snap.Source = s.Info()
	snap.Query = q
	snap.GeneratedAt = s.o.now()
	snap.Took = time.Since(start)
	return snap, nil
}

// assemble turns the tagged rows into a Snapshot.
func assemble(t *table, r datasource.Range) (*datasource.Snapshot, error) {
	ix, err := t.need("tag", "k", "b", "v1", "v2", "v3", "v4")
	if err != nil {
		return nil, err
	}
	snap := &datasource.Snapshot{}
	snap.Installs.Series = r.EmptySeries()
	snap.Errors.Series = r.EmptySeries()
	snap.Timers.Series = r.EmptySeries()
	versions, errVersions := map[string]int64{}, map[string]int64{}
	for i, row := range t.rows {
		tag, _, err := str(row[ix[0]])
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		k, kok, err := str(row[ix[1]])
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		var n [5]int64 // b, v1..v4
		for j := range n {
			if n[j], err = num(row[ix[2+j]]); err != nil {
				return nil, fmt.Errorf("row %d: %w", i, err)
			}
		}
		b, v1, v2, v3, v4 := n[0], n[1], n[2], n[3], n[4]
		switch tag {
		case tagTotals:
			snap.Totals.Events, snap.Installs.Active, snap.Errors.Total, snap.Timers.Total = v1, v2, v3, v4
		case tagPrevious:
			snap.Installs.Previous = v1
		case tagBucket:
			if b >= 0 && int(b) < len(snap.Installs.Series) {
				snap.Installs.Series[b].V = float64(v1)
				snap.Errors.Series[b].V = float64(v2)
				snap.Timers.Series[b].V = float64(v3)
			}
		case tagHour:
			if b >= 0 && b < 24 {
				snap.Timers.ByHour[b] += v1
			}
		case tagVersion:
			versions[orUnknown(k, kok)] += v1
		case tagErrVer:
			errVersions[orUnknown(k, kok)] += v1
		default:
			return nil, fmt.Errorf("row %d: unknown result set %q", i, tag)
		}
	}
	if snap.Installs.Active > 0 {
		snap.Errors.PerInstall = float64(snap.Errors.Total) / float64(snap.Installs.Active)
	}
	snap.Versions = datasource.BuildVersions(versions)
	snap.Errors.ByVersion = datasource.ErrorsByVersion(errVersions)
	return snap, nil
}

func orUnknown(v string, ok bool) string {
	if !ok {
		return datasource.Unknown
	}
	return v
}
