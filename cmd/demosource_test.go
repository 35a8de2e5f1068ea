package cmd

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// TestLiveDemoOpensBeforeItsHistory: a live demo hands its store over at
// once, while the backfill is still being sent (the monitor's first
// frame must not wait for it), saying how far it is; once the backfill is
// in, it says nothing and the store holds all of it.
func TestLiveDemoOpensBeforeItsHistory(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a := &app{cfg: config.Default(), log: slog.New(slog.DiscardHandler)}
	o := demoOptions{live: true, sim: simulate.Config{Installs: 20, Users: 60, Backfill: 2 * 24 * time.Hour, Rate: 20, Seed: 1}}
	d, err := a.startDemo(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	src := d.source(true)
	f, ok := datasource.As[datasource.Filler](src)
	if !ok {
		t.Fatal("a live demo's source is no Filler")
	}
	// Run counts the backfill before it sends the first event, so the
	// store cannot hold all of it yet.
	if note := f.Filling(); !strings.HasPrefix(note, "demo backfill") {
		t.Fatalf("right after the start: Filling %q, want the backfill's progress", note)
	}
	limit := time.Now().Add(2 * time.Minute)
	for f.Filling() != "" {
		if time.Now().After(limit) {
			t.Fatalf("the backfill is not in after 2 minutes: %q", f.Filling())
		}
		time.Sleep(20 * time.Millisecond)
	}
	acked, total, _ := d.progress.Backfill()
	r, err := datasource.ParseRange("7d", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(context.Background(), datasource.Query{Range: r})
	if err != nil {
		t.Fatal(err)
	}
	if total == 0 || acked != total || snap.Totals.Events < total {
		t.Errorf("after the backfill: %d of %d acknowledged, the store counts %d events", acked, total, snap.Totals.Events)
	}
}
