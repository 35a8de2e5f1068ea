package datasource

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// fleet is 472 installations on 4.9.1 and 4.9.0, plus extra.
func fleet(extra map[string]int64) map[string]int64 {
	m := map[string]int64{"4.9.1": 400, "4.9.0": 60, Unknown: 12}
	for v, n := range extra {
		m[v] = n
	}
	return m
}

func TestLatestIgnoresAStray(t *testing.T) {
	rule := DefaultLatestRule()
	for _, stray := range []map[string]int64{
		{"5.0.0": 1},                // one event from anywhere
		{"5.0.0": 2},                // below min_installs
		{"99.0.0-dev": 1},           // a developer's build
		{"5.0.0": 1, "nightly": 40}, // not a version at all
	} {
		got := rule.Pick(fleet(stray))
		if got.Version != "4.9.1" || got.Rule != LatestThreshold {
			t.Errorf("%v: latest = %+v, want 4.9.1 by threshold", stray, got)
		}
	}
	vs := BuildVersions(fleet(map[string]int64{"5.0.0": 1}))
	for _, v := range vs {
		if v.Latest != (v.Version == "4.9.1") {
			t.Errorf("BuildVersions flags %s latest=%v", v.Version, v.Latest)
		}
	}
}

// TestLatestFollowsARollout: a new release takes over once enough
// installations run it, not before.
func TestLatestFollowsARollout(t *testing.T) {
	rule := LatestRule{MinInstalls: 3, MinShare: 0.01}
	for _, tc := range []struct {
		on   int64
		want string
	}{{0, "4.9.1"}, {1, "4.9.1"}, {3, "4.9.1"}, {4, "4.9.1"}, {5, "5.0.0"}, {40, "5.0.0"}, {300, "5.0.0"}} {
		// 477 installations with 5.0.0: 1 % is 4.77.
		got := rule.Pick(fleet(map[string]int64{"5.0.0": tc.on}))
		if tc.on == 0 {
			got = rule.Pick(fleet(nil))
		}
		if got.Version != tc.want {
			t.Errorf("%d on 5.0.0: latest %q (%s), want %q", tc.on, got.Version, got.Reason, tc.want)
		}
	}
}

func TestLatestRules(t *testing.T) {
	pinned := LatestRule{MinInstalls: 3, MinShare: 0.01, Pin: "4.9.0"}.Pick(fleet(map[string]int64{"5.0.0": 100}))
	if pinned.Version != "4.9.0" || pinned.Rule != LatestPinned || !strings.Contains(pinned.Reason, "ui.latest.pin") {
		t.Errorf("pinned: %+v", pinned)
	}
	tiny := DefaultLatestRule().Pick(map[string]int64{"4.9.1": 2, "5.0.0": 1, Unknown: 4})
	if tiny.Version != "4.9.1" || tiny.Rule != LatestMostInstalled {
		t.Errorf("tiny fleet: %+v", tiny)
	}
	tie := DefaultLatestRule().Pick(map[string]int64{"4.9.1": 1, "5.0.0": 1})
	if tie.Version != "5.0.0" {
		t.Errorf("tie: %+v", tie)
	}
	none := DefaultLatestRule().Pick(map[string]int64{Unknown: 4, "dev": 3})
	if none.Version != "" || none.Rule != LatestNone {
		t.Errorf("none: %+v", none)
	}
	th := DefaultLatestRule().Pick(fleet(nil))
	if th.Short != "≥3 installs, ≥1%" || !strings.Contains(th.Reason, "≥3 installs and ≥1%") {
		t.Errorf("threshold wording: %+v", th)
	}
}

func TestLatestRuleValidate(t *testing.T) {
	if err := DefaultLatestRule().Validate(); err != nil {
		t.Fatal(err)
	}
	err := LatestRule{MinInstalls: 0, MinShare: 1.5, Pin: "latest"}.Validate()
	for _, want := range []string{"min_installs: 0", "min_share: 1.5", `pin: "latest"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestResolveLatest(t *testing.T) {
	fs := []Filter{
		{Key: "deployment_method", Op: OpEq, Values: []string{"docker"}},
		{Key: "current_version", Op: OpLatest},
		{Scope: ScopeEvent, Key: "app_version", Op: OpNotLatest},
	}
	if !HasLatest(fs) || HasLatest(fs[:1]) {
		t.Fatal("HasLatest")
	}
	got := FilterStrings(ResolveLatest(fs, "4.9.1"))
	want := []string{"deployment_method=docker", "current_version=4.9.1", "event.app_version!=4.9.1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resolved %q, want %q", got, want)
	}
	if fs[1].Op != OpLatest {
		t.Error("ResolveLatest changed its input")
	}
	none := ResolveLatest(fs, "")
	if none[1].Match("4.9.1", true) || !none[2].Match("4.9.1", true) {
		t.Errorf("without a version: is latest must match nothing, is not latest everything: %+v", none)
	}
	if (Filter{Key: "current_version", Op: OpLatest}).Match("4.9.1", true) {
		t.Error("an unresolved is latest matched")
	}
}

// TestMarkPartial: the bucket holding GeneratedAt (and any after it) is
// partial in every series; a range that ended before it has none.
func TestMarkPartial(t *testing.T) {
	now := time.Date(2026, 3, 3, 14, 7, 30, 0, time.UTC)
	r, _ := ParseRange("24h", now)
	snap := &Snapshot{Query: Query{Range: r}, GeneratedAt: now,
		Installs: Installs{Series: r.EmptySeries()}, Errors: Errors{Series: r.EmptySeries()}, Timers: Timers{Series: r.EmptySeries()}}
	MarkPartial(snap)
	for name, ps := range map[string][]Point{"installs": snap.Installs.Series, "errors": snap.Errors.Series, "timers": snap.Timers.Series} {
		for i, p := range ps {
			if want := i == len(ps)-1; p.Partial != want {
				t.Errorf("%s[%d] (%s) partial=%v", name, i, p.T.Format("15:04"), p.Partial)
			}
		}
	}
	snap.Query.TZ = "Asia/Kolkata" // +05:30: 14:07 UTC is 19:37 there
	if h := FillingHour(snap); h != 19 {
		t.Errorf("FillingHour = %d, want 19", h)
	}
	// Exactly at a bucket's end the bucket is complete.
	snap.GeneratedAt = r.To
	MarkPartial(snap)
	if snap.Installs.Series[len(snap.Installs.Series)-1].Partial || FillingHour(snap) != -1 {
		t.Error("a bucket that ended is partial")
	}
	MarkPartial(nil)
	MarkPartial(&Snapshot{})
}
