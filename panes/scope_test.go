package panes

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// scopedPanes returns the four panes fed with the fixture whose
// NotNarrowed is nn.
func scopedPanes(nn datasource.NotNarrowed) []Pane {
	com := testCommon(noStyle, false)
	ps := []Pane{
		NewInstalls(com, KeyMap{}), NewVersions(com, KeyMap{}),
		NewErrors(com, KeyMap{}, DefaultThresholds()), NewTimers(com, KeyMap{}),
	}
	snap := tuitest.Snapshot(tuitest.Query("24h"))
	snap.NotNarrowed = nn
	snap.Errors.PerInstall = 0.01 // below the thresholds: the word would be "ok"
	for i, p := range ps {
		ps[i], _ = p.Update(DataMsg{Snapshot: snap})
	}
	return ps
}

// TestScopeNote: a pane whose figures a filter did not narrow says so on
// the pane, boxed (in its bottom edge) and compact (on its last row), and
// the error rate is never "ok" for a figure the filter left out.
func TestScopeNote(t *testing.T) {
	admin := datasource.NotNarrowed{Installs: []string{"person.is_admin=true"}}
	platform := datasource.NotNarrowed{Errors: []string{"person.current_platform=Linux"}, Timers: []string{"person.current_platform=Linux"}}
	cases := []struct {
		name  string
		nn    datasource.NotNarrowed
		notes [4]string // per pane: installs, versions, errors, timers
		word  string    // the error rate's level word
	}{
		{"all narrowed", datasource.NotNarrowed{}, [4]string{}, "ok"},
		{"user property", admin, [4]string{
			"not narrowed by is_admin=true (a user property)",
			"not narrowed by is_admin=true (a user property)",
			"rate: installs not narrowed by is_admin=true",
			"",
		}, "unscoped"},
		{"installation property", platform, [4]string{"", "",
			"not narrowed by current_platform=Linux (not on product events)",
			"not narrowed by current_platform=Linux (not on product events)",
		}, "unscoped"},
	}
	for _, c := range cases {
		for i, p := range scopedPanes(c.nn) {
			for _, size := range [][2]int{{100, 14}, {100, 6}} {
				p.SetSize(size[0], size[1])
				view := ansi.Strip(p.View())
				lines := strings.Split(view, "\n")
				last := lines[len(lines)-1]
				if c.notes[i] == "" {
					if strings.Contains(view, "narrowed") {
						t.Errorf("%s: %s at %v says it is not narrowed:\n%s", c.name, p.Title(), size, view)
					}
					continue
				}
				if !strings.Contains(last, c.notes[i]) {
					t.Errorf("%s: %s at %v: last line %q lacks %q", c.name, p.Title(), size, last, c.notes[i])
				}
			}
			if p.Title() == TitleErrors {
				p.SetSize(100, 14)
				top := strings.Split(ansi.Strip(p.View()), "\n")[0]
				if !strings.Contains(top, " "+c.word+" ") {
					t.Errorf("%s: error rate title %q, want the word %q", c.name, top, c.word)
				}
				if c.word != "ok" && strings.Contains(top, " ok ") {
					t.Errorf("%s: error rate says ok for a figure the filter left out: %q", c.name, top)
				}
			}
		}
	}
}

// TestScopeNoteFits: the note never breaks a pane's size, however narrow.
func TestScopeNoteFits(t *testing.T) {
	nn := datasource.NotNarrowed{
		Installs: []string{"person.is_admin=true", "person.role in (admin, owner)"},
		Errors:   []string{"person.current_platform=Linux"}, Timers: []string{"person.current_platform=Linux"},
	}
	for _, p := range scopedPanes(nn) {
		for _, w := range []int{0, 1, 5, 12, 20, 29, 30, 31, 40, 60, 100} {
			for _, h := range []int{0, 1, 2, 3, 7, 8, 12} {
				p.SetSize(w, h)
				checkBox(t, fmt.Sprintf("%s scoped", p.Title()), p.View(), w, h)
			}
		}
	}
}

// TestScopeNoteFollowsData: the note goes when the filter does, even if
// the pane's own figures did not change.
func TestScopeNoteFollowsData(t *testing.T) {
	p := scopedPanes(datasource.NotNarrowed{Installs: []string{"person.is_admin=true"}})[1]
	p.SetSize(80, 12)
	if !strings.Contains(ansi.Strip(p.View()), "not narrowed") {
		t.Fatal("versions pane lacks the note")
	}
	snap := tuitest.Snapshot(tuitest.Query("24h"))
	p, _ = p.Update(DataMsg{Snapshot: snap})
	if strings.Contains(ansi.Strip(p.View()), "not narrowed") {
		t.Fatal("the note stayed after the filter went")
	}
}

// TestScopeNoThresholdOnUnscopedRate: errors of every platform divided by
// the Linux installations is no rate to hold against a threshold: the
// pane says "unscoped", not ALERT.
func TestScopeNoThresholdOnUnscopedRate(t *testing.T) {
	com := testCommon(noStyle, false)
	p := NewErrors(com, KeyMap{}, DefaultThresholds())
	snap := tuitest.Snapshot(tuitest.Query("24h"))
	snap.Errors.PerInstall = 0.5 // over the alert threshold
	snap.NotNarrowed = datasource.NotNarrowed{Errors: []string{"person.current_platform=Linux"}}
	p.Update(DataMsg{Snapshot: snap})
	p.SetSize(100, 14)
	top := strings.Split(ansi.Strip(p.View()), "\n")[0]
	if !strings.Contains(top, "unscoped") || strings.Contains(top, "ALERT") {
		t.Fatalf("title %q: want unscoped, no ALERT", top)
	}
	snap.NotNarrowed = datasource.NotNarrowed{}
	p.Update(DataMsg{Snapshot: snap})
	if top := strings.Split(ansi.Strip(p.View()), "\n")[0]; !strings.Contains(top, "ALERT") {
		t.Fatalf("title %q: a narrowed rate over the threshold must say ALERT", top)
	}
}
