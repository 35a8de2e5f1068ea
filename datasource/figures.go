package datasource

import (
	"cmp"
	"slices"
	"time"
)

// FillingHour is the hour of day, in the query's zone, holding the
// snapshot's unfinished bucket: the Timers.ByHour entry still filling up.
// It is -1 when every bucket had ended.
func FillingHour(s *Snapshot) int {
	for _, ps := range [][]Point{s.Timers.Series, s.Installs.Series, s.Errors.Series} {
		if len(ps) > 0 && ps[len(ps)-1].Partial {
			loc, err := s.Query.Location()
			if err != nil {
				loc = time.UTC
			}
			return s.GeneratedAt.In(loc).Hour()
		}
	}
	return -1
}

// MarkPartial flags the buckets of s's series (installations, errors,
// timers) that had not ended at s.GeneratedAt: the one still filling up,
// and any wholly in the future. A Query never reads the clock, so the
// time the snapshot was made is what says which bucket is unfinished; the
// figures decorator calls this for every backend, and a consumer holding
// a snapshot from elsewhere may call it again (it only sets the flags).
func MarkPartial(s *Snapshot) {
	if s == nil || s.GeneratedAt.IsZero() || s.Query.Range.Step <= 0 {
		return
	}
	step := s.Query.Range.Step
	mark := func(ps []Point, step time.Duration) {
		for i := range ps {
			ps[i].Partial = ps[i].T.Add(step).After(s.GeneratedAt)
		}
	}
	for _, ps := range [][]Point{s.Installs.Series, s.Errors.Series, s.Timers.Series} {
		mark(ps, step)
	}
	for _, p := range s.Panes {
		if p.Range.Step <= 0 {
			continue
		}
		mark(p.Series, p.Range.Step)
		for _, g := range p.Groups {
			mark(g.Series, p.Range.Step)
		}
	}
}

// MaxErrorVersions is how many versions Errors.ByVersion lists at most: a
// fleet sending thousands of distinct version strings must not make every
// snapshot (and `ttmon snapshot`'s text) that long.
const MaxErrorVersions = 50

// ErrorsByVersion builds Errors.ByVersion from error counts per version:
// most errors first, ties newest version first, zero counts left out, at
// most MaxErrorVersions. Adapters use it (like BuildVersions) so every
// backend orders and cuts the same.
func ErrorsByVersion(m map[string]int64) []VersionCount {
	out := make([]VersionCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, VersionCount{Version: v, Errors: n})
		}
	}
	slices.SortFunc(out, func(a, b VersionCount) int {
		if c := cmp.Compare(b.Errors, a.Errors); c != 0 {
			return c
		}
		return NewestFirst(a.Version, b.Version)
	})
	if len(out) > MaxErrorVersions {
		out = out[:MaxErrorVersions]
	}
	return out
}

// SortCounts orders value counts the way every Source returns them: count
// descending, then value ascending; and cuts the list to limit (def when
// limit <= 0).
func SortCounts(vs []ValueCount, limit, def int) []ValueCount {
	slices.SortFunc(vs, func(a, b ValueCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	if limit <= 0 {
		limit = def
	}
	if len(vs) > limit {
		vs = vs[:limit]
	}
	return vs
}
