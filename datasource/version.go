package datasource

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// CompareVersions orders app versions the way people read them: by numeric
// release parts ("4.10.0" > "4.9.2"), a pre-release before its release
// ("4.2.0-rc1" < "4.2.0"), a leading "v" ignored. Strings that are not
// versions sort after every version, alphabetically, and Unknown (or "")
// sorts last of all. It returns -1, 0 or +1 like cmp.Compare.
func CompareVersions(a, b string) int {
	ka, kb := versionKey(a), versionKey(b)
	if c := cmp.Compare(ka.class, kb.class); c != 0 {
		return c
	}
	if ka.class != classVersion {
		return strings.Compare(a, b)
	}
	for i := 0; i < max(len(ka.nums), len(kb.nums)); i++ {
		var x, y uint64
		if i < len(ka.nums) {
			x = ka.nums[i]
		}
		if i < len(kb.nums) {
			y = kb.nums[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case ka.pre == kb.pre:
		return strings.Compare(a, b)
	case ka.pre == "":
		return 1
	case kb.pre == "":
		return -1
	}
	return comparePre(ka.pre, kb.pre)
}

const (
	classVersion = iota
	classOther
	classUnknown
)

type vkey struct {
	class int
	nums  []uint64
	pre   string
}

func versionKey(s string) vkey {
	if s == "" || s == Unknown {
		return vkey{class: classUnknown}
	}
	v := strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	v, _, _ = strings.Cut(v, "+")
	core, pre, _ := strings.Cut(v, "-")
	parts := strings.Split(core, ".")
	nums := make([]uint64, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return vkey{class: classOther}
		}
		nums = append(nums, n)
	}
	return vkey{class: classVersion, nums: nums, pre: pre}
}

// comparePre compares semver pre-release identifiers dot by dot, numbers
// numerically and below words.
func comparePre(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < min(len(as), len(bs)); i++ {
		x, ex := strconv.ParseUint(as[i], 10, 64)
		y, ey := strconv.ParseUint(bs[i], 10, 64)
		var c int
		switch {
		case ex == nil && ey == nil:
			c = cmp.Compare(x, y)
		case ex == nil:
			c = -1
		case ey == nil:
			c = 1
		default:
			c = strings.Compare(as[i], bs[i])
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// NewestVersion returns the highest real version among vs ("" if none).
func NewestVersion(vs []string) string {
	best := ""
	for _, v := range vs {
		if versionKey(v).class != classVersion {
			continue
		}
		if best == "" || CompareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}

// BuildVersions turns installations-per-version counts into the versions
// pane: newest first, Unknown last, shares of the total, and the latest
// version by DefaultLatestRule flagged (not merely the highest string: a
// stray event must not take the ★). The figures decorator re-flags it by
// the configured rule. Every adapter uses it so the panes agree.
func BuildVersions(counts map[string]int64) []VersionShare {
	var total int64
	out := make([]VersionShare, 0, len(counts))
	for v, n := range counts {
		if n <= 0 {
			continue
		}
		total += n
		out = append(out, VersionShare{Version: v, Installs: n})
	}
	slices.SortFunc(out, func(a, b VersionShare) int { return NewestFirst(a.Version, b.Version) })
	for i := range out {
		out[i].Share = float64(out[i].Installs) / float64(total)
	}
	MarkLatest(out, DefaultLatestRule().Pick(counts).Version)
	return out
}

// NewestFirst orders versions for display: real versions newest first,
// then non-version strings alphabetically, then Unknown.
func NewestFirst(a, b string) int {
	ka, kb := versionKey(a), versionKey(b)
	if c := cmp.Compare(ka.class, kb.class); c != 0 {
		return c
	}
	if ka.class == classVersion {
		return CompareVersions(b, a)
	}
	return strings.Compare(a, b)
}
