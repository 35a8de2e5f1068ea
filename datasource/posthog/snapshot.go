package posthog

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Tags of the result sets in the snapshot query. Every set has the same
// columns, (tag, k, b, v1, v2, v3, v4), so one UNION ALL carries them all
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
// filters, applied once in the CTE m of matching events over the previous
// and the current window. The figures follow datasource/embedded's package
// doc:
//   - an installation is a person (person_id, merges applied);
//   - a version is that of the person's latest heartbeat in range
//     (argMax over (timestamp, uuid); wrapped in a tuple because argMax
//     skips NULL values and a missing version must count as unknown);
//   - buckets and local hours are integer arithmetic on Unix seconds.
func (s *Source) snapshotQuery(q datasource.Query, loc *time.Location, fs []datasource.Filter) *hq {
	h := newHQ()
	m := s.o.mapping
	r := q.Range
	prev := r.Previous()
	h.add("WITH m AS (SELECT timestamp, uuid, person_id, ", h.family(m.Heartbeat), " AS hb, ",
		h.family(m.Errors), " AS er, ", h.family(m.Timers), " AS tm, ", h.value(eventProps, m.VersionProperty),
		" AS ver FROM events WHERE ", h.where(prev.From, r.To, fs), ")\n")
	cur := "timestamp >= fromUnixTimestamp(" + h.val(r.From.Unix()) + ")"
	h.add("SELECT tag, k, b, v1, v2, v3, v4 FROM (\n")
	h.add("SELECT '", tagTotals, "' AS tag, '' AS k, 0 AS b, count() AS v1, uniqExactIf(person_id, hb) AS v2,",
		" countIf(er) AS v3, countIf(tm) AS v4 FROM m WHERE ", cur)
	h.add("\nUNION ALL\nSELECT '", tagPrevious, "' AS tag, '' AS k, 0 AS b, uniqExactIf(person_id, hb) AS v1,",
		" 0 AS v2, 0 AS v3, 0 AS v4 FROM m WHERE timestamp < fromUnixTimestamp(", h.val(r.From.Unix()), ")")
	if r.Buckets() > 0 {
		h.add("\nUNION ALL\nSELECT '", tagBucket, "' AS tag, '' AS k, ", h.bucket(r), " AS b, uniqExactIf(person_id, hb) AS v1,",
			" countIf(er) AS v2, countIf(tm) AS v3, 0 AS v4 FROM m WHERE ", cur, " GROUP BY b")
	}
	h.add("\nUNION ALL\nSELECT '", tagHour, "' AS tag, '' AS k, ", h.hour(loc, r.From, r.To),
		" AS b, count() AS v1, 0 AS v2, 0 AS v3, 0 AS v4 FROM m WHERE ", cur, " AND tm GROUP BY b")
	h.add("\nUNION ALL\nSELECT '", tagVersion, "' AS tag, tupleElement(lv, 1) AS k, 0 AS b, count() AS v1, 0 AS v2, 0 AS v3, 0 AS v4",
		" FROM (SELECT argMax(tuple(ver), tuple(timestamp, uuid)) AS lv FROM m WHERE ", cur, " AND hb GROUP BY person_id) GROUP BY k")
	h.add("\nUNION ALL\nSELECT '", tagErrVer, "' AS tag, ver AS k, 0 AS b, count() AS v1, 0 AS v2, 0 AS v3, 0 AS v4",
		" FROM m WHERE ", cur, " AND er GROUP BY k")
	h.add("\n) LIMIT ", strconv.Itoa(maxRows))
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
