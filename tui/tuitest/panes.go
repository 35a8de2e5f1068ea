package tuitest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// paneValues are the fixed groups of each breakdown property, by size.
var paneValues = map[string][]datasource.ValueCount{
	"platform":          {{Value: "Linux", Count: 402}, {Value: "Windows", Count: 88}, {Value: "Darwin", Count: 22}},
	"deployment_method": {{Value: "docker", Count: 380}, {Value: "native", Count: 132}, {Value: datasource.Unknown, Count: 7}},
	"new_version":       {{Value: "4.3.0", Count: 30}, {Value: "4.2.1", Count: 12}, {Value: "4.10.0-rc1", Count: 2}},
	"old_version":       {{Value: "4.2.1", Count: 20}, {Value: "4.2.0", Count: 9}, {Value: "4.1.3", Count: 4}},
	"app_version":       {{Value: "4.2.1", Count: 61}, {Value: "4.2.0", Count: 24}, {Value: "4.3.0", Count: 9}, {Value: "3.9.2", Count: 1}},
	"$category": {{Value: "timer", Count: 5200}, {Value: "auth", Count: 1811}, {Value: "telemetry", Count: 1200},
		{Value: "project", Count: 840}, {Value: "export", Count: 629}, {Value: "error_occurred", Count: 94}},
	"auth_method":   {{Value: "local", Count: 1204}, {Value: "oidc", Count: 512}, {Value: "ldap", Count: 95}},
	"person.role":   {{Value: "user", Count: 640}, {Value: "admin", Count: 120}, {Value: datasource.Unknown, Count: 3}},
	"$event":        {{Value: "export.excel", Count: 362}, {Value: "export.csv", Count: 267}},
	"error_type":    {{Value: "OperationalError", Count: 41}, {Value: "KeyError", Count: 17}, {Value: "TimeoutError", Count: 9}},
	"error_message": {{Value: "database is locked", Count: 30}, {Value: "'project_id'", Count: 12}, {Value: "SMTP timed out", Count: 5}},
}

// installsBy are the active installations per version, the denominator
// of per-installation rates.
var installsBy = map[string]int64{"4.2.1": 512, "4.2.0": 301, "4.3.0": 37, "3.9.2": 41}

// paneFigures answers q.Panes: fixed groups per breakdown property,
// products of them for two, cut to the pane's limit, with series shaped
// like a working day and the columns a table asks for.
func paneFigures(q datasource.Query, props []datasource.Property) []datasource.PaneFigures {
	fs := datasource.ResolveScopes(q.Filters, props)
	m := datasource.DefaultMapping()
	out := make([]datasource.PaneFigures, 0, len(q.Panes))
	for _, pq := range q.Panes {
		f := paneFigure(pq)
		for _, s := range m.FiltersForPane(pq, fs).Skipped {
			f.NotNarrowed = append(f.NotNarrowed, s.String())
		}
		out = append(out, f)
	}
	return out
}

func paneFigure(pq datasource.PaneQuery) datasource.PaneFigures {
	spec := pq.Spec
	f := datasource.PaneFigures{ID: spec.ID, Range: pq.Range}
	groups := combine(spec.Breakdown)
	perInstall := spec.EffectiveMeasure() == datasource.MeasurePerInstallation
	var num, den int64
	for i := range groups {
		g := &groups[i]
		if perInstall {
			g.Num, g.Den = int64(g.Value), max(installsBy[g.Key[0]], 1)
			g.Value = float64(g.Num) / float64(g.Den)
			num, den = num+g.Num, den+g.Den
		}
		if spec.EffectiveChart() == datasource.ChartLine {
			g.Series = shape(pq.Range, float64(g.Num)+g.Value, i)
		}
		for _, c := range spec.Columns {
			switch c {
			case datasource.ColumnInstallations:
				g.Installations = int64(g.Value)/3 + 1
			case datasource.ColumnUsers:
				g.Users = int64(g.Value)/4 + 1
			case datasource.ColumnFirstSeen:
				g.FirstSeen = Now.Add(-time.Duration(i+2) * 5 * time.Hour)
			case datasource.ColumnLastSeen:
				g.LastSeen = Now.Add(-time.Duration(i+1) * 7 * time.Minute)
			case datasource.ColumnVersions:
				g.Versions = []string{"4.2.1", "4.2.0"}[:1+i%2]
			}
		}
	}
	slices.SortStableFunc(groups, func(a, b datasource.Group) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), slices.Compare(a.Key, b.Key))
	})
	var total float64
	for _, g := range groups {
		total += g.Value
	}
	if n := spec.EffectiveLimit(); len(groups) > n {
		for _, g := range groups[n:] {
			f.Other += g.Value
		}
		f.OtherGroups = len(groups) - n
		groups = groups[:n]
	}
	switch {
	case perInstall:
		f.Num, f.Den = num, den
		f.Total = float64(num) / float64(max(den, 1))
	case len(spec.Breakdown) == 0:
		total = 1187
	}
	if f.Total == 0 {
		f.Total = total
	}
	f.Series = shape(pq.Range, f.Total, 0)
	if len(spec.Breakdown) > 0 {
		f.Groups = groups
	}
	return f
}

// combine lists the groups of a breakdown: one per value, or one per pair
// of values for two properties, sized by both shares.
func combine(bd []string) []datasource.Group {
	if len(bd) == 0 {
		return nil
	}
	first := valuesOf(bd[0])
	var out []datasource.Group
	for _, a := range first {
		if len(bd) == 1 {
			out = append(out, datasource.Group{Key: []string{a.Value}, Value: float64(a.Count)})
			continue
		}
		second := valuesOf(bd[1])
		var sum int64
		for _, b := range second {
			sum += b.Count
		}
		for _, b := range second {
			v := math.Round(float64(a.Count) * float64(b.Count) / float64(max(sum, 1)))
			if v > 0 {
				out = append(out, datasource.Group{Key: []string{a.Value, b.Value}, Value: v})
			}
		}
	}
	return out
}

func valuesOf(prop string) []datasource.ValueCount {
	if prop == datasource.BreakdownHour {
		out := make([]datasource.ValueCount, 24)
		for h := range out {
			out[h] = datasource.ValueCount{Value: fmt.Sprintf("%02d", h), Count: int64(10 + 5*h)}
		}
		return out
	}
	if vs, ok := paneValues[prop]; ok {
		return vs
	}
	return []datasource.ValueCount{{Value: "a", Count: 3}, {Value: "b", Count: 1}}
}

// shape spreads total over the range's buckets like a working day, the
// phase moved per group so their lines differ.
func shape(r datasource.Range, total float64, phase int) []datasource.Point {
	s := r.EmptySeries()
	if len(s) == 0 {
		return s
	}
	w := make([]float64, len(s))
	var sum float64
	for i, p := range s {
		h := float64(p.T.Hour()) + float64(phase*3)
		w[i] = 1.2 + math.Sin((h-9)/24*2*math.Pi) + float64((i*31+phase*7)%5)/10
		sum += w[i]
	}
	for i := range s {
		s[i].V = math.Round(total * w[i] / sum)
	}
	return s
}
