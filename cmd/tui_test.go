package cmd

import (
	"testing"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
)

// TestTUIOptionsAlerts: the config's alert rules reach the monitor
// compiled, so they fire; --bell exists wherever the monitor runs.
func TestTUIOptionsAlerts(t *testing.T) {
	a := &app{now: time.Now, cfg: config.Config{Alerts: []alert.Rule{
		{Name: "error rate", When: "errors.per_install > 0.05", Level: alert.Alert},
	}}}
	o := a.tuiOptions(nil)
	snap := &datasource.Snapshot{Errors: datasource.Errors{PerInstall: 0.08}}
	if fs := alert.Evaluate(o.Alerts, snap); len(fs) != 1 || fs[0].Rule.Name != "error rate" {
		t.Fatalf("rules from the config do not fire in the monitor: %+v", fs)
	}
	root := a.rootCmd()
	ssh, _, err := root.Find([]string{"ssh"})
	if err != nil {
		t.Fatal(err)
	}
	if root.Flags().Lookup("bell") == nil || ssh.Flags().Lookup("bell") == nil {
		t.Error("--bell missing from the monitor or from ssh")
	}
}
