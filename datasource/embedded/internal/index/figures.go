package index

import (
	"cmp"
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// CountsOf turns a value->count map into a slice (unsorted).
func CountsOf(m map[string]int64) []datasource.ValueCount {
	out := make([]datasource.ValueCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, datasource.ValueCount{Value: v, Count: n})
		}
	}
	return out
}

// errorsByVersion builds Errors.ByVersion: errors desc, ties newest first.
func errorsByVersion(m map[string]int64) []datasource.VersionCount {
	out := make([]datasource.VersionCount, 0, len(m))
	for v, n := range m {
		if n > 0 {
			out = append(out, datasource.VersionCount{Version: v, Errors: n})
		}
	}
	slices.SortFunc(out, func(a, b datasource.VersionCount) int {
		if c := cmp.Compare(b.Errors, a.Errors); c != 0 {
			return c
		}
		return datasource.NewestFirst(a.Version, b.Version)
	})
	return out
}

// Finish fills the derived parts of a snapshot both engines share.
func Finish(snap *datasource.Snapshot, versions, errVersions map[string]int64) {
	if snap.Installs.Active > 0 {
		snap.Errors.PerInstall = float64(snap.Errors.Total) / float64(snap.Installs.Active)
	}
	snap.Versions = datasource.BuildVersions(versions)
	snap.Errors.ByVersion = errorsByVersion(errVersions)
}

func OrUnknown(v string, ok bool) string {
	if !ok {
		return datasource.Unknown
	}
	return v
}
