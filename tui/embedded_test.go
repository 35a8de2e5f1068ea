package tui

import (
	tea "charm.land/bubbletea/v2"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// ingestSim writes the simulated fleet's events of [from, to) straight
// into the store, the way the collector would after decoding them.
func ingestSim(t testing.TB, st *embedded.Store, sim *simulate.Model, from, to time.Time) int {
	t.Helper()
	ctx := context.Background()
	batch := make([]embedded.Event, 0, 2000)
	n := 0
	flush := func() {
		if _, err := st.Ingest(ctx, batch); err != nil {
			t.Fatal(err)
		}
		n += len(batch)
		batch = batch[:0]
	}
	for e := range sim.Backfill(from, to) {
		batch = append(batch, embedded.Event{
			UUID: e.UUID.String(), Name: e.Name, DistinctID: e.DistinctID,
			Timestamp: e.Timestamp, Properties: e.PostHogProperties(),
		})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	return n
}

// TestEndToEndEmbedded runs the monitor on the real embedded store filled
// by the fleet simulator: the first poll shows the backfill, and after more
// traffic arrives a refresh shows it.
func TestEndToEndEmbedded(t *testing.T) {
	now := time.Now().UTC()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sim := simulate.NewModel(simulate.ModelConfig{Seed: 7, Now: now, Installs: 40, Users: 120})
	if n := ingestSim(t, st, sim, now.Add(-6*time.Hour), now.Add(-time.Hour)); n == 0 {
		t.Fatal("the simulator produced no events")
	}

	m, err := New(st, Options{Range: "24h", Interval: time.Hour, TZ: "UTC", Profile: noStyle, Theme: "dark", Dashboards: classic()})
	if err != nil {
		t.Fatal(err)
	}
	// The poll answers, seen in the event loop before Update: the test
	// must not read the model while the program runs.
	answers := make(chan int64, 16)
	watch := tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
		if a, ok := msg.(snapshotMsg); ok && a.snap != nil {
			select {
			case answers <- a.snap.Totals.Events:
			default:
			}
		}
		return msg
	})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40), teatest.WithProgramOptions(watch))
	waitFor(t, tm, "embedded", "● live", "installs ·", "started ·")
	first := <-answers

	ingestSim(t, st, sim, now.Add(-time.Hour), now)
	tm.Send(keyMsg("r"))
	timeout := time.After(5 * time.Second)
	for n := first; n == first; {
		select {
		case n = <-answers:
		case <-timeout:
			t.Fatalf("refresh did not show the new events (%d before)", first)
		}
	}
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	fm := tm.FinalModel(t).(*Model)
	s := fm.snap
	if s.Installs.Active == 0 || len(s.Versions) == 0 || s.Timers.Total == 0 {
		t.Fatalf("empty panes from the store: %+v", s.Totals)
	}
}
