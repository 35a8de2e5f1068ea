package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSnapshotCohort: --cohort takes a preset (resolved from the data) or
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
		{"docker users on latest", "deployment_method=docker current_version=4.9.1", 0},
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
