package main

import (
	"testing"

	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
)

// TestPersonsMergeAndSet: an alias joins two distinct ids into one person
// whose values win, $set overwrites, $set_once only fills in.
func TestPersonsMergeAndSet(t *testing.T) {
	p := newPersons()
	ev := func(name, did string, props map[string]any) fleetgen.Event {
		return fleetgen.Event{Name: name, DistinctID: did, Properties: props}
	}
	p.apply(ev("$identify", "install-uuid", map[string]any{"$set": map[string]any{"current_version": "4.9.0", "tz": "UTC"}}))
	p.apply(ev("$create_alias", "fingerprint", map[string]any{"alias": "install-uuid"}))
	p.apply(ev("$identify", "fingerprint", map[string]any{
		"$set": map[string]any{"current_version": "4.9.1"}, "$set_once": map[string]any{"tz": "Europe/Berlin", "first": "4.9.0"}}))
	if p.root("install-uuid") != p.root("fingerprint") {
		t.Fatal("the alias did not merge the two ids")
	}
	got := p.props[p.root("install-uuid")]
	if got["current_version"] != "4.9.1" || got["tz"] != "UTC" || got["first"] != "4.9.0" {
		t.Errorf("person properties %v", got)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1M": 1_000_000, "300k": 300_000, "2.5M": 2_500_000, "1234": 1234} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := parseSize("lots"); err == nil {
		t.Error("parseSize(lots) did not refuse")
	}
}
