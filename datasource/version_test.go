package datasource

import (
	"slices"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"4.10.0", "4.9.2", 1},
		{"4.2.0", "4.2.0", 0},
		{"v4.2.0", "4.2.0", 1}, // same release: a stable tie-break by text
		{"4.2", "4.2.0", -1},   // equal numerically, tie broken by text
		{"4.2.0-rc1", "4.2.0", -1},
		{"4.2.0-rc.2", "4.2.0-rc.10", -1},
		{"4.2.0-alpha", "4.2.0-1", 1},
		{"4.2.0+build5", "4.1.9", 1},
		{"nightly", "1.0.0", 1},
		{"unknown", "nightly", 1},
		{"", "0.0.1", 1},
	}
	for _, tt := range tests {
		if got := CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareVersions(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d (antisymmetry)", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestNewestFirst(t *testing.T) {
	vs := []string{"unknown", "4.9.2", "dev", "4.10.0", "4.10.0-rc1", "beta"}
	slices.SortFunc(vs, NewestFirst)
	want := []string{"4.10.0", "4.10.0-rc1", "4.9.2", "beta", "dev", "unknown"}
	if !slices.Equal(vs, want) {
		t.Fatalf("sorted = %v, want %v", vs, want)
	}
	if got := NewestVersion([]string{"unknown", "dev", "4.9.2", "4.10.0-rc1"}); got != "4.10.0-rc1" {
		t.Errorf("NewestVersion = %q", got)
	}
	if got := NewestVersion([]string{"unknown", "dev"}); got != "" {
		t.Errorf("NewestVersion without versions = %q, want empty", got)
	}
}

func TestBuildVersions(t *testing.T) {
	got := BuildVersions(map[string]int64{"4.9.0": 30, "4.10.1": 10, "unknown": 10, "4.8.0": 0})
	want := []VersionShare{
		{Version: "4.10.1", Installs: 10, Share: 0.2, Latest: true},
		{Version: "4.9.0", Installs: 30, Share: 0.6},
		{Version: "unknown", Installs: 10, Share: 0.2},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("BuildVersions = %+v\nwant %+v", got, want)
	}
	if got := BuildVersions(nil); len(got) != 0 {
		t.Fatalf("BuildVersions(nil) = %v", got)
	}
}
