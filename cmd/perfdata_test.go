package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

func TestPerfdataThresholds(t *testing.T) {
	rules, err := alert.Compile([]alert.Rule{
		{Name: "err warn", When: "errors.per_install > 0.05", Level: alert.Warn},
		{Name: "err crit", When: "errors.per_install >= 0.2", Level: alert.Alert},
		{Name: "shrank", When: "installs.change < -0.2", Level: alert.Warn},
		{Name: "exact", When: "versions.count == 5", Level: alert.Alert},
		{Name: "not", When: "timers.total != 0", Level: alert.Warn},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &datasource.Snapshot{
		Installs: datasource.Installs{Active: 90, Previous: 100},
		Errors:   datasource.Errors{PerInstall: 0.125},
		Timers:   datasource.Timers{Total: 7},
	}
	want := "'errors.per_install'=0.125;~:0.05;~:0.2 'installs.change'=-0.1;-0.2:; 'versions.count'=0;;@5:5 'timers.total'=7;0:0;"
	if got := perfdata(rules, s); got != want {
		t.Errorf("perfdata:\n got %s\nwant %s", got, want)
	}
	if got := perfdata(nil, s); got != "" {
		t.Errorf("no rules: %q", got)
	}
}

func TestFilterSyntaxSaidOnce(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	for _, bad := range []string{"foo", "foo="} {
		code, _, errs := run(t, env, "snapshot", "--db", db, "--filter", bad)
		if code == 0 || strings.Count(errs, datasource.FilterSyntax) != 1 {
			t.Errorf("--filter %q: exit %d, the syntax %d times in:\n%s", bad, code, strings.Count(errs, datasource.FilterSyntax), errs)
		}
	}
}

func TestCheckWithoutStoreSaysFail(t *testing.T) {
	env := isolated(t)
	missing := filepath.Join(t.TempDir(), "none.db")
	code, out, errs := run(t, env, "check", "--db", missing)
	if code != 1 || !strings.Contains(out, "FAIL  store") || !strings.Contains(out, "ttmon collect --token") || errs != "" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errs)
	}
	code, out, _ = run(t, env, "check", "--db", missing, "--json")
	var rep datasource.CheckReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.OK() || rep.Steps[0].Name != "store" {
		t.Fatalf("--json: exit %d %v %+v", code, err, rep)
	}
}

func TestSnapshotAtKeepsRelativeBuckets(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	for _, tt := range []struct {
		rng, at    string
		from, to   string
		step       int64
		wantEvents bool
	}{
		{"24h", "2026-11-03", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", 3600, false},
		{"7d", "2026-11-03T15:04", "2026-10-27T18:00:00Z", "2026-11-03T18:00:00Z", 6 * 3600, false},
		// Pinned to now-ish, the seeded events are inside.
		{"1h", time.Now().UTC().Format(time.RFC3339), "", "", 60, true},
	} {
		code, out, errs := run(t, env, "snapshot", "--db", db, "--range", tt.rng, "--at", tt.at, "--json")
		if code != 0 {
			t.Fatalf("%s at %s: exit %d %s", tt.rng, tt.at, code, errs)
		}
		var doc struct {
			From, To    time.Time
			StepSeconds int64 `json:"step_seconds"`
			Totals      struct{ Events int64 }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.StepSeconds != tt.step {
			t.Errorf("%s at %s: step %ds, want %ds", tt.rng, tt.at, doc.StepSeconds, tt.step)
		}
		if tt.from != "" && (doc.From.Format(time.RFC3339) != tt.from || doc.To.Format(time.RFC3339) != tt.to) {
			t.Errorf("%s at %s: %s..%s, want %s..%s", tt.rng, tt.at, doc.From.Format(time.RFC3339), doc.To.Format(time.RFC3339), tt.from, tt.to)
		}
		if (doc.Totals.Events > 0) != tt.wantEvents {
			t.Errorf("%s at %s: %d events", tt.rng, tt.at, doc.Totals.Events)
		}
	}
	if code, _, errs := run(t, env, "snapshot", "--db", db, "--at", "yesterday"); code == 0 || !strings.Contains(errs, "--at") {
		t.Errorf("--at yesterday: exit %d %s", code, errs)
	}
}
