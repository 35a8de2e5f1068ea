package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadReportsEveryProblem: a value of the wrong kind (a duration, a
// bool, an alert level) no longer hides the unknown keys after it.
func TestLoadReportsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(`version: 1
ui:
  interval: nonsense
  mouse: maybe
  rnage: 7d
alerts:
  - {name: x, when: errors.total > 1, level: loud}
bogus: 1
`), 0o600)
	c, _, err := Load(path)
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("Load: %v, want a *FileError", err)
	}
	want := []string{"line 3: \"nonsense\" is not a duration", "line 4: \"maybe\" should be true or false", "line 5: unknown setting rnage", "line 7: level \"loud\"", "line 8: unknown setting bogus"}
	if len(fe.Problems) != len(want) {
		t.Fatalf("%d problems, want %d:\n%s", len(fe.Problems), len(want), strings.Join(fe.Problems, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(fe.Problems[i], w) {
			t.Errorf("problem %d: %q, want it to start %q", i, fe.Problems[i], w)
		}
	}
	if c.Version != 1 || len(c.Alerts) != 1 {
		t.Errorf("what decoded is lost: %+v", c)
	}
}

func TestApplyEnvReportsEveryProblem(t *testing.T) {
	env := map[string]string{"TTMON_INTERVAL": "zz", "TTMON_SSH_MAX_SESSIONS": "many", "TTMON_NO_COLOR": "perhaps"}
	c := Default()
	err := c.ApplyEnv(func(k string) string { return env[k] })
	for _, name := range []string{"TTMON_INTERVAL", "TTMON_SSH_MAX_SESSIONS", "TTMON_NO_COLOR"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s not reported: %v", name, err)
		}
	}
	if c.UI.Interval != Default().UI.Interval || c.SSH.MaxSessions != Default().SSH.MaxSessions {
		t.Errorf("a bad variable changed the setting: %+v", c)
	}
}
