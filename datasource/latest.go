package datasource

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// LatestRule decides which version counts as "latest": the ★ of the
// versions pane, the version `is latest` filters compare with, and the
// one versions.latest_share measures. The newest version string alone is
// not enough: one event from a developer's build or a forged 9.9.9 would
// take it over. So a version must be reported by enough installations
// first, or the config pins it.
type LatestRule struct {
	// MinInstalls is how many installations must run a version before it
	// can be the latest.
	MinInstalls int64 `yaml:"min_installs" json:"min_installs"`
	// MinShare is the share of the installations reporting a version
	// (0.01 = 1 %) that a version needs as well.
	MinShare float64 `yaml:"min_share" json:"min_share"`
	// Pin, when set, is the latest version whatever the data says.
	Pin string `yaml:"pin,omitempty" json:"pin,omitempty"`
}

// DefaultLatestRule asks for 3 installations and 1 % of them: a stray
// event is one installation, while a real release is on a few within
// hours of coming out.
func DefaultLatestRule() LatestRule { return LatestRule{MinInstalls: 3, MinShare: 0.01} }

// Validate says what to change in a rule that cannot work.
func (r LatestRule) Validate() error {
	var errs []error
	if r.MinInstalls < 1 {
		errs = append(errs, fmt.Errorf("min_installs: %d; use 1 or more (3 ignores a stray event)", r.MinInstalls))
	}
	if r.MinShare < 0 || r.MinShare >= 1 || math.IsNaN(r.MinShare) {
		errs = append(errs, fmt.Errorf("min_share: %g; use a fraction from 0 to below 1, such as 0.01 for 1%%", r.MinShare))
	}
	if r.Pin != "" && versionKey(r.Pin).class != classVersion {
		errs = append(errs, fmt.Errorf("pin: %q is not a version; write it as the data does, such as 4.9.1", r.Pin))
	}
	return errors.Join(errs...)
}

// How a Latest was chosen (Latest.Rule).
const (
	LatestPinned        = "pinned"
	LatestThreshold     = "threshold"
	LatestMostInstalled = "most_installed"
	LatestNone          = "none"
)

// Latest is the version that counts as the newest release, and why.
type Latest struct {
	// Version is "" when no installation reported a version.
	Version string `json:"version"`
	// Rule is LatestPinned, LatestThreshold, LatestMostInstalled or
	// LatestNone.
	Rule string `json:"rule"`
	// Reason says the rule in words, for people.
	Reason string `json:"reason"`
	// Short is Reason in a few cells, for the versions pane.
	Short string `json:"-"`
}

// Pick applies the rule to installations per version: the pinned version;
// else the highest real version with at least MinInstalls installations
// and MinShare of them all; else, when no version has that many (a young
// or tiny fleet), the most installed one.
func (r LatestRule) Pick(counts map[string]int64) Latest {
	if r.Pin != "" {
		return Latest{Version: r.Pin, Rule: LatestPinned, Reason: "pinned in the config (ui.latest.pin)", Short: "pinned"}
	}
	var total int64
	for _, n := range counts {
		total += max(n, 0)
	}
	best, most := "", ""
	for v, n := range counts {
		if n <= 0 || versionKey(v).class != classVersion {
			continue
		}
		if most == "" || n > counts[most] || (n == counts[most] && CompareVersions(v, most) > 0) {
			most = v
		}
		if n >= r.MinInstalls && float64(n) >= r.MinShare*float64(total)-1e-9 && (best == "" || CompareVersions(v, best) > 0) {
			best = v
		}
	}
	need := fmt.Sprintf("≥%d installs and ≥%s", r.MinInstalls, sharePct(r.MinShare))
	switch {
	case best != "":
		return Latest{Version: best, Rule: LatestThreshold, Short: fmt.Sprintf("≥%d installs, ≥%s", r.MinInstalls, sharePct(r.MinShare)),
			Reason: "the highest version on " + need + " of the installations reporting one"}
	case most != "":
		return Latest{Version: most, Rule: LatestMostInstalled, Short: "most installed",
			Reason: "no version is on " + need + " of the installations: the most installed one"}
	}
	return Latest{Rule: LatestNone, Reason: "no installation reported a version", Short: "none"}
}

func sharePct(f float64) string { return strconv.FormatFloat(100*f, 'f', -1, 64) + "%" }

// VersionCounts reads installations per version back from a versions pane.
func VersionCounts(vs []VersionShare) map[string]int64 {
	m := make(map[string]int64, len(vs))
	for _, v := range vs {
		m[v.Version] += v.Installs
	}
	return m
}

// MarkLatest flags the row of version (and only it) as the latest, in
// place.
func MarkLatest(vs []VersionShare, version string) {
	for i := range vs {
		vs[i].Latest = version != "" && vs[i].Version == version
	}
}

// HasLatest reports whether any filter is `is latest` / `is not latest`.
func HasLatest(fs []Filter) bool {
	for _, f := range fs {
		if f.Op == OpLatest || f.Op == OpNotLatest {
			return true
		}
	}
	return false
}

// ResolveLatest returns fs with `KEY is latest` turned into KEY=version
// and `KEY is not latest` into KEY!=version; fs is not changed. With no
// version (none reported in range) `is latest` matches nothing and `is
// not latest` everything.
func ResolveLatest(fs []Filter, version string) []Filter {
	out := make([]Filter, len(fs))
	for i, f := range fs {
		switch f.Op {
		case OpLatest, OpNotLatest:
			op := OpEq
			if f.Op == OpNotLatest {
				op = OpNeq
			}
			f = Filter{Scope: f.Scope, Key: f.Key, Op: op}
			if version != "" {
				f.Values = []string{version}
			}
		}
		out[i] = f
	}
	return out
}
