package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettingsProblemsInOnePass(t *testing.T) {
	env := isolated(t)
	env["TTMON_INTERVAL"] = "zz"
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("version: 1\nsource: nope\nui:\n  interval: nonsense\n  rnage: 7d\n"), 0o600)
	code, _, errs := run(t, env, "snapshot", "--config", cfg)
	for _, want := range []string{"line 4: \"nonsense\" is not a duration", "unknown setting rnage", "TTMON_INTERVAL", `source: "nope"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("missing %q in:\n%s", want, errs)
		}
	}
	if code == 0 || strings.Count(errs, "\n  - ") != 4 {
		t.Errorf("exit %d; want 4 problems listed:\n%s", code, errs)
	}
}
