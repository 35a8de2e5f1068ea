package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/tui/prompt"
)

// TestOverwriteKeysRemap: the overwrite question is answered with the
// yes/no bindings as remapped, and says which keys they are; the default
// y/n no longer answer it.
func TestOverwriteKeysRemap(t *testing.T) {
	var overwrites []bool
	save := func(c cohort.Cohort, overwrite bool) error {
		if len(overwrites) > 0 && !overwrite {
			return fmt.Errorf("%w: %q", cohort.ErrExists, c.Name)
		}
		overwrites = append(overwrites, overwrite)
		return nil
	}
	m, _ := started(t, Options{SaveCohort: save, ConfigPath: "/etc/ttmon.yaml",
		Keys: map[string][]string{"yes": {"o"}, "no": {"u"}}})
	hit(m, "/")
	typeText(m, "environment=docker")
	hit(m, "enter")
	ask := func() {
		t.Helper()
		hit(m, "S")
		typeText(m, "Docker")
		hit(m, "enter")
		if !m.prompt.Active() || m.prompt.Kind() != prompt.Overwrite {
			t.Fatalf("no overwrite question: %q", m.prompt.Value())
		}
	}
	hit(m, "S")
	typeText(m, "Docker")
	hit(m, "enter")
	ask()
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "overwrite it? o/u") {
		t.Fatalf("the question does not name the remapped keys:\n%s", v)
	}
	if foot := ansi.Strip(m.footer()); !strings.Contains(foot, "o overwrite") || !strings.Contains(foot, "u/esc keep it") {
		t.Fatalf("the footer does not name the remapped keys: %q", foot)
	}
	hit(m, "y")
	hit(m, "n")
	if !m.prompt.Active() || m.prompt.Kind() != prompt.Overwrite || len(overwrites) != 1 {
		t.Fatalf("y/n answered a question remapped to o/u: %q, %v", m.prompt.Value(), overwrites)
	}
	hit(m, "u")
	if !m.prompt.Active() || m.prompt.Kind() != prompt.Name {
		t.Fatal("no (u) goes back to the name")
	}
	hit(m, "esc")
	ask()
	hit(m, "o")
	if m.prompt.Active() || len(overwrites) != 2 || !overwrites[1] {
		t.Fatalf("yes (o) did not overwrite: %v", overwrites)
	}
}
