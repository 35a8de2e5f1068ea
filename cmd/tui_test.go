package cmd

import (
	"os"
	"path/filepath"
	"strings"
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

// TestDemoChecksEverythingFirst: `ttmon --demo` refuses a bad setting
// before it starts any work: no demo store is made and no backfill is
// sent (both took seconds before the message came).
func TestDemoChecksEverythingFirst(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("version: 1\nui:\n  keys:\n    launch: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--interval", "0s"}, "ui.interval: 0s is too short"},
		{[]string{"--source", "mysql"}, `source: "mysql" is not a source`},
		{[]string{"--range", "bogus"}, `range "bogus"`},
		{[]string{"--tz", "Mars/Base"}, `"Mars/Base" is unknown`},
		{[]string{"--cohort", "nosuch"}, `cohort "nosuch"`},
		{[]string{"--filter", "version=="}, `filter "version=="`},
		{[]string{"--config", cfgFile}, `ui.keys: "launch" is not an action`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			env := isolated(t)
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp) // where the demo's store would go
			code, _, stderr := run(t, env, append([]string{"--demo"}, c.args...)...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want a failure naming %q", code, stderr, c.want)
			}
			if strings.Contains(stderr, "backfill") || strings.Contains(stderr, "simulate") {
				t.Errorf("the demo started before the setting was checked: %q", stderr)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("the demo made %s before the setting was checked", left[0].Name())
			}
		})
	}
}

// TestMonitorChecksKeysFirst: a bad ui.keys stops the monitor before its
// source is opened (a PostHog source would be queried first otherwise).
func TestMonitorChecksKeysFirst(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("version: 1\nui:\n  keys:\n    quit: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "events.db")
	code, _, stderr := run(t, env, "--config", cfgFile, "--db", db)
	if code == 0 || !strings.Contains(stderr, "ui.keys.quit: list at least one key") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("the store was opened (and created) before the keys were checked")
	}
}
