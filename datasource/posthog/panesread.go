package posthog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// resolvePanes settles the scopes of the query's filters and of every
// pane's Where with one property lookup at most.
func (s *Source) resolvePanes(ctx context.Context, q datasource.Query) ([]datasource.Filter, []datasource.PaneQuery, error) {
	all := slices.Clone(q.Filters)
	for _, pq := range q.Panes {
		all = append(all, pq.Where...)
	}
	all, err := s.resolve(ctx, all)
	if err != nil {
		return nil, nil, err
	}
	fs := all[:len(q.Filters):len(q.Filters)]
	panes := slices.Clone(q.Panes)
	at := len(q.Filters)
	for i := range panes {
		n := len(panes[i].Where)
		panes[i].Where = slices.Clone(all[at : at+n])
		at += n
	}
	return fs, panes, nil
}

// paneRow is one decoded pane row.
type paneRow struct {
	pane, kind   int
	g            [2]string
	b            int64
	n, inst, usr int64
	den          int64
	first, last  int64
	versions     []string
}

// assemblePanes turns the pane rows into one PaneFigures per pane.
func (s *Source) assemblePanes(t *table, fs []datasource.Filter, panes []datasource.PaneQuery) ([]datasource.PaneFigures, error) {
	ix, err := t.need("tag", "k", "k2", "b", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "vk", "vn")
	if err != nil {
		return nil, err
	}
	rows := make([][]paneRow, len(panes))
	for i, row := range t.rows {
		if tag, _, err := str(row[ix[0]]); err != nil || tag != tagPane {
			continue
		}
		r, err := readPaneRow(row, ix)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		if r.pane < 0 || r.pane >= len(panes) {
			return nil, fmt.Errorf("row %d: pane %d of %d", i, r.pane, len(panes))
		}
		rows[r.pane] = append(rows[r.pane], r)
	}
	out := make([]datasource.PaneFigures, len(panes))
	for i, pq := range panes {
		out[i] = paneFigures(pq, rows[i])
		if sk := s.o.mapping.FiltersForPane(pq, fs).Skipped; len(sk) > 0 {
			out[i].NotNarrowed = datasource.FilterStrings(sk)
		}
	}
	return out, nil
}

func readPaneRow(row []json.RawMessage, ix []int) (paneRow, error) {
	var r paneRow
	var err error
	for j := range r.g {
		if r.g[j], _, err = str(row[ix[1+j]]); err != nil {
			return r, err
		}
	}
	var n [10]int64 // b, v1..v8
	for j := range 9 {
		if n[j], err = num(row[ix[3+j]]); err != nil {
			return r, err
		}
	}
	r.b, r.pane, r.kind = n[0], int(n[1]), int(n[2])
	r.n, r.inst, r.usr, r.den, r.first, r.last = n[3], n[4], n[5], n[6], n[7], n[8]
	var keys []string
	var counts []json.RawMessage
	if err := json.Unmarshal(row[ix[12]], &keys); err != nil {
		return r, fmt.Errorf("versions %s: %w", row[ix[12]], err)
	}
	if err := json.Unmarshal(row[ix[13]], &counts); err != nil || len(counts) != len(keys) {
		return r, fmt.Errorf("version counts %s do not match %d versions", row[ix[13]], len(keys))
	}
	if len(keys) == 0 {
		return r, nil
	}
	c := make(map[string]int64, len(keys))
	for j, k := range keys {
		if c[k], err = num(counts[j]); err != nil {
			return r, err
		}
	}
	// Most events first, then by value: the order datasource.Group's
	// Versions documents.
	r.versions = keys
	slices.SortFunc(r.versions, func(a, b string) int {
		if d := cmp.Compare(c[b], c[a]); d != 0 {
			return d
		}
		return cmp.Compare(a, b)
	})
	return r, nil
}

// value is a pane's measure from a row's counts.
func value(m datasource.Measure, n, inst, users, den int64) float64 {
	switch m {
	case datasource.MeasureUsers:
		return float64(users)
	case datasource.MeasureInstallations:
		return float64(inst)
	case datasource.MeasurePerInstallation:
		if den == 0 {
			return 0
		}
		return float64(n) / float64(den)
	}
	return float64(n)
}

// paneFigures builds one pane's figures from its rows.
func paneFigures(pq datasource.PaneQuery, rows []paneRow) datasource.PaneFigures {
	spec := pq.Spec
	m := spec.EffectiveMeasure()
	rate := m == datasource.MeasurePerInstallation
	f := datasource.PaneFigures{ID: spec.ID, Range: pq.Range, Series: pq.Range.EmptySeries()}
	line := spec.EffectiveChart() == datasource.ChartLine
	hour := slices.Contains(spec.Breakdown, datasource.BreakdownHour)
	groups := map[[2]string]*datasource.Group{}
	group := func(g [2]string) *datasource.Group {
		if gr, ok := groups[g]; ok {
			return gr
		}
		key := slices.Clone(g[:len(spec.Breakdown)])
		if hour {
			h, _ := strconv.Atoi(key[0])
			key[0] = fmt.Sprintf("%02d", h)
		}
		gr := &datasource.Group{Key: key}
		if line {
			gr.Series = pq.Range.EmptySeries()
		}
		groups[g] = gr
		return gr
	}
	for _, r := range rows {
		v := value(m, r.n, r.inst, r.usr, r.den)
		switch r.kind {
		case rowTotal:
			f.Total = v
			if rate {
				f.Num, f.Den = r.n, r.den
			}
		case rowSeries:
			if r.b >= 0 && int(r.b) < len(f.Series) {
				f.Series[r.b].V = v
			}
		case rowGroup:
			if r.n == 0 {
				continue // a rate's denominator without events: no group
			}
			gr := group(r.g)
			gr.Value = v
			if rate {
				gr.Num, gr.Den = r.n, r.den
			}
			columns(gr, spec.Columns, r)
		case rowGroupSeries:
			if gr := group(r.g); r.b >= 0 && int(r.b) < len(gr.Series) {
				gr.Series[r.b].V = v
			}
		case rowOther:
			f.OtherGroups = int(r.usr)
			if f.OtherGroups > 0 {
				f.Other = value(m, r.n, r.inst, r.inst, r.den)
			}
		}
	}
	if len(spec.Breakdown) == 0 {
		return f
	}
	if hour {
		for h := range 24 {
			f.Groups = append(f.Groups, *group([2]string{strconv.Itoa(h)}))
		}
		return f
	}
	for _, gr := range groups {
		f.Groups = append(f.Groups, *gr)
	}
	slices.SortFunc(f.Groups, func(a, b datasource.Group) int {
		if c := cmp.Compare(b.Value, a.Value); c != 0 {
			return c
		}
		return slices.Compare(a.Key, b.Key)
	})
	return f
}

// columns sets the table columns the spec asks for.
func columns(gr *datasource.Group, cols []string, r paneRow) {
	for _, c := range cols {
		switch c {
		case datasource.ColumnInstallations:
			gr.Installations = r.inst
		case datasource.ColumnUsers:
			gr.Users = r.usr
		case datasource.ColumnFirstSeen:
			gr.FirstSeen = time.UnixMilli(r.first).UTC()
		case datasource.ColumnLastSeen:
			gr.LastSeen = time.UnixMilli(r.last).UTC()
		case datasource.ColumnVersions:
			gr.Versions = r.versions
		}
	}
}
