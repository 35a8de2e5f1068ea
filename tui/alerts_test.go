package tui

import (
	"bytes"
	"context"
	"fmt"
	"github.com/charmbracelet/colorprofile"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// The fixture has 1,194 active installations, 0.102 errors per
// installation, 3.1% of installations on the newest version and 2,738
// timers.
var (
	ruleErrors   = alert.Rule{Name: "error rate", When: "errors.per_install > 0.08", Level: alert.Alert}
	ruleInstalls = alert.Rule{Name: "fleet shrank", When: "installs.active < 2000", Level: alert.Warn}
	ruleLatest   = alert.Rule{Name: "slow upgrades", When: "versions.latest_share<0.5", Level: alert.Warn}
	ruleQuiet    = alert.Rule{Name: "never", When: "timers.total > 1000000", Level: alert.Alert}
)

// TestGoldenAlerts: the panes of firing rules say WARN or ALERT beside
// their titles at every size, the status line names the worst alert, and
// without colour the breaking figures and borders are still marked
// (bold, underline, reverse), with the words.
func TestGoldenAlerts(t *testing.T) {
	rules := []alert.Rule{ruleInstalls, ruleErrors, ruleLatest, ruleQuiet}
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := goldenModel(t, Options{Alerts: rules}, sz.w, sz.h)
			requireView(t, m)
			v := ansi.Strip(screen(m))
			for _, want := range []string{"ALERT  ", "errors.per_install=0.1022 > 0.08 · +2 more", "WARN", "Error rate  ALERT"} {
				if !strings.Contains(v, want) {
					t.Errorf("no %q:\n%s", want, v)
				}
			}
		})
	}
	t.Run("mono-80x24", func(t *testing.T) {
		m := goldenModel(t, Options{Alerts: rules, NoColor: true, Profile: plainANSI}, 80, 24)
		golden.RequireEqualEscape(t, []byte(screen(m)), true)
	})
	t.Run("mono-120x40", func(t *testing.T) {
		m := goldenModel(t, Options{Alerts: rules, NoColor: true, Profile: plainANSI}, 120, 40)
		golden.RequireEqualEscape(t, []byte(screen(m)), true)
	})
}

// TestAlertColours: a firing rule colours its pane's border and the
// breaking figure in its level's colour; others stay as they were. The
// error rate takes the worse of the pane's thresholds and the rules.
func TestAlertColours(t *testing.T) {
	const warn, alarm = "38;5;214", "38;5;196"
	o := Options{Profile: ansi256, Alerts: []alert.Rule{ruleInstalls, ruleErrors}}
	m := goldenModel(t, o, 120, 40)
	d := dash(m)
	installs := strings.Split(d.panes[0].View(), "\n")
	if !strings.Contains(installs[0], warn) || !strings.Contains(installs[len(installs)-1], warn) {
		t.Errorf("installs border not in the warn colour:\n%q", installs[len(installs)-1])
	}
	if !strings.Contains(installs[1], warn+"m▀█") {
		t.Errorf("the active count is not in the warn colour: %q", installs[1])
	}
	versions := d.panes[1].View()
	if strings.Contains(versions, warn) || strings.Contains(versions, alarm) {
		t.Error("versions pane coloured without a rule on it")
	}
	errs := strings.Split(d.panes[2].View(), "\n")
	if !strings.Contains(errs[len(errs)-1], alarm) || !strings.Contains(errs[1], alarm+"m0.10") {
		t.Errorf("error pane: border or rate not in the alert colour (thresholds only warn):\n%q\n%q", errs[1], errs[len(errs)-1])
	}
	if strings.Contains(errs[1], warn+"m0.10") {
		t.Error("the rate kept the thresholds' warn colour under an alert rule")
	}
}

// TestNoAlertsNoChange: rules that do not fire change no byte of the
// screen, in colour or not.
func TestNoAlertsNoChange(t *testing.T) {
	for _, p := range []colorprofile.Profile{ansi256, plainANSI} {
		plain := goldenModel(t, Options{Profile: p, NoColor: p == plainANSI}, 120, 40)
		quiet := goldenModel(t, Options{Profile: p, NoColor: p == plainANSI, Alerts: []alert.Rule{ruleQuiet}}, 120, 40)
		if screen(plain) != screen(quiet) {
			t.Errorf("profile %v: a rule that does not fire changed the screen", p)
		}
	}
}

// TestAlertStatusLine: the worst alert first, the rest counted; transient
// messages win for their few seconds; the line goes when the alert clears.
func TestAlertStatusLine(t *testing.T) {
	m := goldenModel(t, Options{Alerts: []alert.Rule{ruleLatest, ruleErrors, ruleInstalls}}, 120, 40)
	foot := func() string { v := strings.Split(ansi.Strip(screen(m)), "\n"); return v[len(v)-1] }
	if want := "  ALERT  error rate: errors.per_install=0.1022 > 0.08 · +2 more │ ? help"; !strings.HasPrefix(foot(), want) {
		t.Fatalf("footer %q, want it to start %q", foot(), want)
	}
	press(m, "t")
	if !strings.Contains(foot(), "range 7d") || strings.Contains(foot(), "error rate") {
		t.Errorf("a transient message should show first: %q", foot())
	}
	m.Update(statusClearMsg{id: m.statusID})
	snap := fixture(m)
	snap.Errors.PerInstall, snap.Installs.Active = 0.01, 5000
	feed(m, snap)
	if want := "  WARN  slow upgrades: versions.latest_share=0.03099 < 0.5 │"; !strings.HasPrefix(foot(), want) {
		t.Errorf("footer %q, want it to start %q", foot(), want)
	}
	snap.Versions = nil
	snap.Versions = append(snap.Versions, fixture(m).Versions[0]) // only the newest: share 1
	snap.Versions[0].Share = 1
	feed(m, snap)
	if strings.Contains(foot(), "WARN") || strings.Contains(foot(), "ALERT") || len(m.firing) != 0 {
		t.Errorf("cleared alerts still shown: %q %v", foot(), m.firing)
	}
	m.Update(statusClearMsg{id: m.statusID})
	m.Update(statusClearMsg{id: m.statusID})
	m.width = 60
	m.firing = alert.Evaluate(m.rules, fixture(m))
	if f := foot(); !strings.HasPrefix(f, "  ALERT  error rate · +2 more │") {
		t.Errorf("60 columns: %q", f)
	}
}

// countWriter counts the bells written to it.
type countWriter struct{ bytes.Buffer }

func (c *countWriter) bells() int { return strings.Count(c.String(), "\a") }

// TestBellOncePerStart: the bell rings when an alert starts, not on every
// poll while it keeps firing, and again after it cleared and came back;
// two alerts starting together ring once; without --bell it never rings.
func TestBellOncePerStart(t *testing.T) {
	bell := &countWriter{}
	m := newTest(t, &tuitest.Source{}, Options{Alerts: []alert.Rule{ruleErrors, ruleInstalls}}, 120, 40)
	m.bell = bell
	good := fixture(m)
	good.Errors.PerInstall, good.Installs.Active = 0.01, 5000
	bad := fixture(m)
	for i, tc := range []struct {
		snap  string
		bells int
	}{
		{"good", 0}, {"bad", 1}, {"bad", 1}, {"bad", 1}, {"good", 1}, {"bad", 2}, {"bad", 2},
	} {
		s := map[string]*datasource.Snapshot{"good": good, "bad": bad}[tc.snap]
		collect(feed(m, s))
		if got := bell.bells(); got != tc.bells {
			t.Fatalf("poll %d (%s): %d bells, want %d", i, tc.snap, got, tc.bells)
		}
	}
	// One rule joining another that fires already rings again: it started.
	one := fixture(m)
	one.Installs.Active = 5000
	collect(feed(m, one))
	collect(feed(m, bad))
	if got := bell.bells(); got != 3 {
		t.Fatalf("a second rule starting: %d bells, want 3", got)
	}
}

// TestBellProgram runs the real program for a few polls: the bell reaches
// its output once, between frames (the output holds no other BEL), and
// only with Bell set.
func TestBellProgram(t *testing.T) {
	for _, on := range []bool{true, false} {
		var out bytes.Buffer
		o := Options{Interval: time.Second, TZ: "UTC", Theme: "dark", Clock: tuitest.Clock, Bell: on,
			Alerts: []alert.Rule{ruleErrors}, Profile: ansi256}
		ctx, cancel := context.WithCancel(context.Background())
		src := &tuitest.Source{}
		p, err := NewProgram(ctx, src, o, nil, &out, tea.WithoutSignalHandler(), tea.WithWindowSize(100, 30))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		// Polls run one at a time, so a third call means the first answer
		// (the one that starts the alert and its bell) was handled a whole
		// interval ago.
		deadline := time.Now().Add(10 * time.Second)
		for src.Calls() < 3 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		p.Quit()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		cancel()
		want := 0
		if on {
			want = 1
		}
		if n := strings.Count(out.String(), "\a"); n != want || src.Calls() < 3 {
			t.Errorf("bell %v: %d BEL in the output over %d polls, want %d", on, n, src.Calls(), want)
		}
	}
}

// TestAlertsFitEverySize: with every pane alarmed, every size still gives
// a screen of exactly that size.
func TestAlertsFitEverySize(t *testing.T) {
	m := goldenModel(t, Options{Alerts: []alert.Rule{ruleInstalls, ruleErrors, ruleLatest,
		{Name: "timers", When: "timers.total > 1", Level: alert.Alert}}}, 120, 40)
	for _, w := range []int{1, 10, 30, 31, 59, 60, 61, 79, 80, 99, 100, 101, 150, 200} {
		for _, h := range []int{1, 12, 16, 17, 24, 29, 30, 31, 60} {
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			checkScreen(t, screen(m), w, h)
		}
	}
}
