package embedded

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestPresetDetection: a store starts on the 4.x mapping, follows 5.x once
// it holds a record from service.name=timetracker (from the next Open on),
// and an explicit preset is never overridden.
func TestPresetDetection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Mapping().Preset; p != datasource.PresetTimeTracker4 {
		t.Fatalf("empty store preset %q", p)
	}
	_, err = s.Ingest(context.Background(), []Event{{Name: "base_telemetry.heartbeat", DistinctID: "i",
		Timestamp: time.Now(), Properties: map[string]any{"service.name": "timetracker", "deployment_type": "docker"}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := s.Mapping(); m.Preset != datasource.PresetTimeTracker5 || m.DeploymentProperty != "deployment_type" {
		t.Fatalf("detected mapping %+v", m)
	}
	s.Close()
	m := datasource.DefaultMapping()
	m.Preset = "timetracker4"
	s, err = Open(path, WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Mapping().Preset; p != datasource.PresetTimeTracker4 {
		t.Fatalf("explicit preset became %q", p)
	}
	rep, err := s.Check(context.Background(), s.Mapping())
	if err != nil {
		t.Fatal(err)
	}
	if st := rep.Steps[1]; st.Name != "mapping" || !st.Warn || !strings.Contains(st.Detail, "set events.preset to auto") {
		t.Fatalf("check step %+v", st)
	}
	s.Close()
	m.Preset = "tt6"
	if s, err := Open(path, WithMapping(m)); err == nil {
		s.Close()
		t.Fatal("unknown preset accepted")
	}
}
