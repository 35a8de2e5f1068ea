package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// TestSnapshotCohort: --cohort takes a preset (resolved per query) or
// a cohort saved in the config, with the monitor's catalog; an unknown
// name lists the known ones.
func TestSnapshotCohort(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("version: 1\ncohorts:\n  - name: Docker fleet\n    filters: [deployment_method=docker]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Filters  []string `json:"filters"`
		Installs struct {
			Active int64 `json:"active"`
		} `json:"installs"`
	}
	for _, tc := range []struct {
		name    string
		filters string
		active  int64
	}{
		{"Docker fleet", "deployment_method=docker", 2},
		{"docker users on latest", "deployment_method=docker current_version is latest", 0},
	} {
		code, out, errs := run(t, env, "snapshot", "--config", cfg, "--db", db, "--range", "1h", "--json", "--cohort", tc.name)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errs)
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(doc.Filters, " "); got != tc.filters || doc.Installs.Active != tc.active {
			t.Errorf("%s: filters %q active %d", tc.name, got, doc.Installs.Active)
		}
	}
	code, _, errs := run(t, env, "snapshot", "--config", cfg, "--db", db, "--cohort", "nope")
	if code != 1 || !strings.Contains(errs, `cohort "nope"`) || !strings.Contains(errs, `"Docker fleet"`) || !strings.Contains(errs, `"Admins using OIDC"`) {
		t.Fatalf("unknown cohort: exit %d: %s", code, errs)
	}
}

// TestSnapshotCohortOldStore: on a store whose data is two months old,
// "Docker users on latest" over those dates finds the docker installations
// on the release they ran (it failed with "no app_version seen in the last
// 30 days"), and one event claiming 5.0.0 does not take "latest" over.
func TestSnapshotCohortOldStore(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	day := time.Now().UTC().Add(-60 * 24 * time.Hour).Truncate(24 * time.Hour)
	st, err := embedded.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	var evs []embedded.Event
	hb := func(id, version, deploy string, at time.Time) embedded.Event {
		return embedded.Event{Name: "telemetry.health", DistinctID: id, Timestamp: at, Properties: map[string]any{
			"app_version": version, "deployment_method": deploy,
			"$set": map[string]any{"current_version": version, "deployment_method": deploy}}}
	}
	for i, deploy := range []string{"docker", "docker", "docker", "docker", "native", "native"} {
		evs = append(evs, hb(fmt.Sprintf("i%d", i), "4.9.1", deploy, day.Add(time.Duration(i+1)*time.Hour)))
	}
	evs = append(evs, hb("stray", "5.0.0", "docker", day.Add(12*time.Hour)))
	if _, err := st.Ingest(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rng := day.Format("2006-01-02") + ".." + day.Add(24*time.Hour).Format("2006-01-02")
	code, out, errs := run(t, env, "snapshot", "--db", db, "--range", rng, "--json", "--cohort", "Docker users on latest")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Installs struct {
			Active int64 `json:"active"`
		} `json:"installs"`
		Latest struct {
			Version string `json:"version"`
			Rule    string `json:"rule"`
		} `json:"latest"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Installs.Active != 4 || doc.Latest.Version != "4.9.1" || doc.Latest.Rule != "threshold" {
		t.Errorf("docker on latest over %s: %d active, latest %+v; want 4 on 4.9.1", rng, doc.Installs.Active, doc.Latest)
	}
}
