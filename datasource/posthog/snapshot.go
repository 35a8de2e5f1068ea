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
// set) scanned the window six times. Here one scan flags each event (which
// families' filters it passes, bucket, hour) and groups it by person:
// counts, the latest heartbeat, and the buckets, hours and versions of the
// person's events as arrays. One more aggregate folds the persons into a
// single row of totals and per-key sums (sumMap), and arrayJoin spreads
// that row into the tagged rows assemble reads.
func (s *Source) snapshotQuery(q datasource.Query, loc *time.Location, fs []datasource.Filter) *hq {
	h := newHQ()
	r := q.Range
	buckets := r.Buckets() > 0
	h.add("SELECT tag, k, b, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3, sum(v4) AS v4 FROM (\n",
		"SELECT tupleElement(o, 1) AS tag, tupleElement(o, 2) AS k, tupleElement(o, 3) AS b, tupleElement(o, 4) AS v1,",
		" tupleElement(o, 5) AS v2, tupleElement(o, 6) AS v3, tupleElement(o, 7) AS v4 FROM (\n",
		"SELECT arrayJoin(arrayConcat([tuple('", tagTotals, "', '', 0, tot_n, act, er_n, tm_n), tuple('", tagPrevious, "', '', 0, prev_act, 0, 0, 0)],")
	if buckets {
		h.add(" arrayMap((x, n) -> tuple('", tagBucket, "', '', x, n, 0, 0, 0), tupleElement(hb_by_b, 1), tupleElement(hb_by_b, 2)),",
			" arrayMap((x, n) -> tuple('", tagBucket, "', '', x, 0, n, 0, 0), tupleElement(er_by_b, 1), tupleElement(er_by_b, 2)),",
			" arrayMap((x, n) -> tuple('", tagBucket, "', '', x, 0, 0, n, 0), tupleElement(tm_by_b, 1), tupleElement(tm_by_b, 2)),")
	}
	h.add(" arrayMap((x, n) -> tuple('", tagHour, "', '', x, n, 0, 0, 0), tupleElement(tm_by_h, 1), tupleElement(tm_by_h, 2)),",
		" arrayMap(x -> tuple('", tagVersion, "', tupleElement(x, 1), 0, 1, 0, 0, 0), lvs),",
		" arrayMap(x -> tuple('", tagErrVer, "', tupleElement(x, 1), 0, 1, 0, 0, 0), errvs))) AS o FROM (\n",
		"SELECT sum(n_tot) AS tot_n, countIf(hb_cur) AS act, sum(n_er) AS er_n, sum(n_tm) AS tm_n, countIf(hb_prev) AS prev_act,")
	if buckets {
		h.add(" sumMap(hb_b, arrayMap(x -> 1, hb_b)) AS hb_by_b, sumMap(er_b, arrayMap(x -> 1, er_b)) AS er_by_b,",
			" sumMap(tm_b, arrayMap(x -> 1, tm_b)) AS tm_by_b,")
	}
	h.add(" sumMap(tm_h, arrayMap(x -> 1, tm_h)) AS tm_by_h, groupArrayIf(lv, hb_cur) AS lvs, arrayFlatten(groupArray(er_v)) AS errvs FROM (\n",
		"SELECT countIf(tot AND cur) AS n_tot, countIf(er AND cur) AS n_er, countIf(tm AND cur) AS n_tm,",
		" countIf(hb AND cur) > 0 AS hb_cur, countIf(hb AND NOT cur) > 0 AS hb_prev,",
		" argMaxIf(tuple(ver), tuple(timestamp, uuid), hb AND cur) AS lv,")
	if buckets {
		h.add(" groupUniqArrayIf(bk, hb AND cur) AS hb_b, groupArrayIf(bk, er AND cur) AS er_b, groupArrayIf(bk, tm AND cur) AS tm_b,")
	}
	h.add(" groupArrayIf(hr, tm AND cur) AS tm_h, groupArrayIf(tuple(ver), er AND cur) AS er_v FROM (\n",
		s.flagged(h, r, loc, fs), ") GROUP BY person_id)))\n) GROUP BY tag, k, b LIMIT ", strconv.Itoa(maxRows))
	return h
}

// flagged is the snapshot's one scan of events: the previous window's
// heartbeats and the window's events, each with cur (in the window), the
// family flags tot, hb, er, tm (the event is of that family and passes its
// filters; tot: any event passing the filters as written), ver (the
// version of heartbeats and errors), bk (bucket) and hr (local hour).
func (s *Source) flagged(h *hq, r datasource.Range, loc *time.Location, fs []datasource.Filter) string {
	m := s.o.mapping
	kinds := []datasource.EventKind{datasource.KindAny, datasource.KindHeartbeat, datasource.KindError, datasource.KindTimer}
	// A filter every family applies alike (event filters, cohorts, most
	// person filters) goes in WHERE, so ClickHouse drops what fails it
	// first. Each other distinct condition is evaluated once, as a column
	// f<i>, never NULL, and a family's flag ANDs the columns of its own.
	// Writing each family's conditions out in full would multiply the
	// statement, and PostHog's parser time grows much faster than its
	// length.
	conds := make([][]string, len(kinds))
	uses := map[string]int{}
	var common []string
	for i, k := range kinds {
		for _, f := range m.FiltersFor(k, fs).Apply {
			c := h.cond(f)
			if slices.Contains(conds[i], c) { // a filter given twice counts once
				continue
			}
			conds[i] = append(conds[i], c)
			if uses[c]++; uses[c] == len(kinds) {
				common = append(common, c)
			}
		}
	}
	var cols []string
	col := map[string]string{}
	flag := func(i int) string {
		var parts []string
		if kinds[i] != datasource.KindAny {
			parts = append(parts, h.family(m.Names(kinds[i])))
		}
		for _, c := range conds[i] {
			if slices.Contains(common, c) {
				continue
			}
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
	flags := flag(0) + " AS tot, " + flag(1) + " AS hb, " + flag(2) + " AS er, " + flag(3) + " AS tm"
	bk := "0"
	if r.Buckets() > 0 {
		bk = h.bucket(r)
	}
	// Only the window's heartbeats and errors need their version: other
	// events do not pay for parsing it out of their JSON (it was most of
	// the statement's time on chdb).
	scan := "SELECT timestamp, uuid, person_id, event, " + h.since(r.From) + " AS cur, if(" + h.since(r.From) + " AND " +
		h.family(slices.Concat(m.Heartbeat, m.Errors)) + ", " + h.value(eventProps, m.VersionProperty) + ", NULL) AS ver, " +
		bk + " AS bk, " + h.hour(loc, r.From, r.To) + " AS hr"
	if len(cols) > 0 {
		scan += ", " + strings.Join(cols, ", ")
	}
	// The previous window only counts heartbeats, so it need not read
	// other events (PostHog sorts events by day, then name).
	scan += " FROM events WHERE " + h.where(r.Previous().From, r.To, nil) +
		" AND (" + h.since(r.From) + " OR " + h.family(m.Heartbeat) + ")"
	for _, c := range common {
		scan += " AND " + c
	}
	return "SELECT person_id, timestamp, uuid, ver, bk, hr, cur, " + flags + " FROM (\n" + scan + ")"
}

// Snapshot computes every pane with one request.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	start := time.Now()
	loc, err := q.Location()
	if err != nil {
		return nil, &datasource.Error{Kind: datasource.ErrQuery, Message: err.Error()}
	}
	fs, panes, err := s.resolvePanes(ctx, q)
	if err != nil {
		return nil, err
	}
	snap := &datasource.Snapshot{}
	if !q.PanesOnly || len(panes) > 0 {
		t, err := s.query(ctx, "ttmon.snapshot", s.statement(q, loc, fs, panes))
		if err != nil {
			return nil, err
		}
		if !q.PanesOnly {
			if snap, err = assemble(t, q.Range); err != nil {
				return nil, s.bad(err)
			}
		}
		if len(panes) > 0 {
			if snap.Panes, err = s.assemblePanes(t, fs, panes); err != nil {
				return nil, s.bad(err)
			}
		}
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
		if tag == tagPane {
			continue // assemblePanes reads them
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
