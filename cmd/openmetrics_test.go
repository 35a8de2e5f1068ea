package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ttmon/ttmon/datasource"
)

func parseProm(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, text)
	}
	return fams
}

func gaugeOf(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no %s", name)
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		return m.Gauge.GetValue()
	}
	t.Fatalf("%s has no series %v", name, labels)
	return 0
}

func TestSnapshotPrometheusFormat(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	code, out, errs := run(t, env, "snapshot", "--db", db, "--range", "1h", "--format", "prometheus", "--filter", "deployment_method=docker")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fams := parseProm(t, out)
	l := map[string]string{"range": "1h", "filters": "deployment_method=docker"}
	if v := gaugeOf(t, fams, "ttmon_installs_active", l); v != 2 {
		t.Errorf("installs active %v, want 2", v)
	}
	if v := gaugeOf(t, fams, "ttmon_version_installs", map[string]string{"version": "4.9.1"}); v != 1 {
		t.Errorf("4.9.1 installs %v", v)
	}
	if v := gaugeOf(t, fams, "ttmon_errors_in_range", l); v != 1 {
		t.Errorf("errors %v, want 1", v)
	}

	code, out, errs = run(t, env, "snapshot", "--db", db, "--range", "1h", "--format", "openmetrics")
	if code != 0 || !strings.HasSuffix(out, "# EOF\n") {
		t.Fatalf("openmetrics: exit %d %s\n%s", code, errs, out)
	}
	if v := gaugeOf(t, parseProm(t, out), "ttmon_installs_active", nil); v != 3 {
		t.Errorf("openmetrics installs %v, want 3", v)
	}
	if code, _, errs = run(t, env, "snapshot", "--db", db, "--format", "xml"); code == 0 || !strings.Contains(errs, "openmetrics") {
		t.Errorf("--format xml: exit %d %s", code, errs)
	}
}

func TestSnapshotMetricsBoundAndSafe(t *testing.T) {
	s := &datasource.Snapshot{Query: datasource.Query{Range: datasource.CustomRange(time.Unix(0, 0), time.Unix(3600, 0))}}
	for i := range 80 {
		s.Versions = append(s.Versions, datasource.VersionShare{Version: fmt.Sprintf("1.%d", i), Installs: 1, Share: 1.0 / 80})
	}
	s.Versions[0].Version = "bad\xff\"quote\nline"
	var b bytes.Buffer
	if err := writeSnapshotMetrics(&b, s, nil, false); err != nil {
		t.Fatal(err)
	}
	fams := parseProm(t, b.String())
	if n := len(fams["ttmon_version_installs"].Metric); n != maxVersionSeries+1 {
		t.Errorf("%d version series, want %d", n, maxVersionSeries+1)
	}
	if v := gaugeOf(t, fams, "ttmon_version_installs", map[string]string{"version": "other"}); v != 30 {
		t.Errorf("other = %v, want 30", v)
	}
	gaugeOf(t, fams, "ttmon_version_installs", map[string]string{"version": "bad\uFFFD\"quote line"})
}

func TestSnapshotJSONSchema(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	seedStore(t, db, time.Now())
	_, out, _ := run(t, env, "snapshot", "--db", db, "--json")
	var doc struct{ Schema int }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Schema != 1 {
		t.Fatalf("schema %d %v", doc.Schema, err)
	}
	if !strings.HasPrefix(out, "{\n  \"schema\": 1,") {
		t.Errorf("schema is not the first field:\n%.80s", out)
	}
}
