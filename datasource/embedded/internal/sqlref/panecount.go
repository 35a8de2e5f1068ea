package sqlref

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// tally is one measure over a set of events, with every column.
type tally struct {
	n                 int64
	inst, users, den  map[string]bool
	firstTS, lastTS   int64
	versions          map[string]int64
	key               []string
	buckets           map[int]*tally
	hasFirst, hasLast bool
}

func newTally(key []string) *tally {
	return &tally{inst: map[string]bool{}, users: map[string]bool{}, den: map[string]bool{},
		versions: map[string]int64{}, key: key, buckets: map[int]*tally{}}
}

func (t *tally) add(ev paneEvent, hit bool) {
	if !hit {
		t.den[ev.ik] = true
		return
	}
	t.n++
	t.inst[ev.ik] = true
	t.users[ev.user] = true
	if !t.hasFirst || ev.ts < t.firstTS {
		t.firstTS, t.hasFirst = ev.ts, true
	}
	if !t.hasLast || ev.ts > t.lastTS {
		t.lastTS, t.hasLast = ev.ts, true
	}
	if ev.ver.Valid {
		t.versions[ev.ver.String]++
	}
}

func (t *tally) bucket(b int) *tally {
	if t.buckets[b] == nil {
		t.buckets[b] = newTally(nil)
	}
	return t.buckets[b]
}

func (t *tally) value(m datasource.Measure) float64 {
	switch m {
	case datasource.MeasureUsers:
		return float64(len(t.users))
	case datasource.MeasureInstallations:
		return float64(len(t.inst))
	case datasource.MeasurePerInstallation:
		if len(t.den) == 0 {
			return 0
		}
		return float64(t.n) / float64(len(t.den))
	}
	return float64(t.n)
}

func (t *tally) series(r datasource.Range, m datasource.Measure) []datasource.Point {
	s := r.EmptySeries()
	for b, bt := range t.buckets {
		s[b].V = bt.value(m)
	}
	return s
}

// countPane counts a pane's events as datasource/pane.go defines it.
func countPane(pq datasource.PaneQuery, skipped []datasource.Filter, evs []paneEvent) datasource.PaneFigures {
	spec, r := pq.Spec, pq.Range
	m := spec.EffectiveMeasure()
	total := newTally(nil)
	groups := map[string]*tally{}
	for _, ev := range evs {
		b := -1
		if r.Step > 0 {
			b = r.Bucket(time.UnixMilli(ev.ts))
		}
		for _, hit := range []bool{true, false} {
			if (hit && !ev.hit) || (!hit && !ev.den) {
				continue
			}
			targets := []*tally{total}
			if len(spec.Breakdown) > 0 {
				k := strings.Join(ev.key, "\x00")
				if groups[k] == nil {
					groups[k] = newTally(ev.key)
				}
				targets = append(targets, groups[k])
			}
			for _, t := range targets {
				t.add(ev, hit)
				if b >= 0 {
					t.bucket(b).add(ev, hit)
				}
			}
		}
	}
	out := datasource.PaneFigures{ID: spec.ID, Range: r, Total: total.value(m), Series: total.series(r, m)}
	if m == datasource.MeasurePerInstallation {
		out.Num, out.Den = total.n, int64(len(total.den))
	}
	if len(skipped) > 0 {
		out.NotNarrowed = datasource.FilterStrings(skipped)
	}
	if len(spec.Breakdown) == 0 {
		return out
	}
	if spec.Breakdown[0] == datasource.BreakdownHour {
		for h := range 24 {
			k := []string{time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format("15")}
			t := groups[k[0]]
			if t == nil {
				t = newTally(k)
			}
			out.Groups = append(out.Groups, groupOf(spec, r, t))
		}
		return out
	}
	topGroups(&out, spec, r, groups)
	return out
}

// topGroups puts the non-empty groups in out, largest first (ties by
// key), the first Limit as Groups and the rest summed into Other.
func topGroups(out *datasource.PaneFigures, spec datasource.PaneSpec, r datasource.Range, groups map[string]*tally) {
	m := spec.EffectiveMeasure()
	var all []*tally
	for _, t := range groups {
		if t.n > 0 {
			all = append(all, t)
		}
	}
	slices.SortFunc(all, func(a, b *tally) int {
		if c := cmp.Compare(b.value(m), a.value(m)); c != 0 {
			return c
		}
		return slices.Compare(a.key, b.key)
	})
	lim := spec.EffectiveLimit()
	for i, t := range all {
		if i < lim {
			out.Groups = append(out.Groups, groupOf(spec, r, t))
		}
	}
	if len(all) > lim {
		rest := newTally(nil)
		for _, t := range all[lim:] {
			rest.n += t.n
			for _, s := range [][2]map[string]bool{{rest.inst, t.inst}, {rest.users, t.users}, {rest.den, t.den}} {
				for k := range s[1] {
					s[0][k] = true
				}
			}
		}
		out.Other, out.OtherGroups = rest.value(m), len(all)-lim
	}
}

// groupOf is one group's answer.
func groupOf(spec datasource.PaneSpec, r datasource.Range, t *tally) datasource.Group {
	m := spec.EffectiveMeasure()
	g := datasource.Group{Key: t.key, Value: t.value(m)}
	if m == datasource.MeasurePerInstallation {
		g.Num, g.Den = t.n, int64(len(t.den))
	}
	if spec.EffectiveChart() == datasource.ChartLine {
		g.Series = t.series(r, m)
	}
	for _, c := range spec.Columns {
		switch c {
		case datasource.ColumnInstallations:
			g.Installations = int64(len(t.inst))
		case datasource.ColumnUsers:
			g.Users = int64(len(t.users))
		case datasource.ColumnFirstSeen:
			if t.hasFirst {
				g.FirstSeen = time.UnixMilli(t.firstTS).UTC()
			}
		case datasource.ColumnLastSeen:
			if t.hasLast {
				g.LastSeen = time.UnixMilli(t.lastTS).UTC()
			}
		case datasource.ColumnVersions:
			for v := range t.versions {
				g.Versions = append(g.Versions, v)
			}
			slices.SortFunc(g.Versions, func(a, b string) int {
				if c := cmp.Compare(t.versions[b], t.versions[a]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
		}
	}
	return g
}
