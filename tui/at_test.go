package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// TestAtPinsTheRange: with Options.At every poll asks for the range ending
// there, in the preset's buckets, whatever the clock says; t still cycles
// the presets around the pinned moment.
func TestAtPinsTheRange(t *testing.T) {
	at := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	m, _ := started(t, Options{At: at, Range: "24h"})
	q := m.query()
	if !q.Range.To.Equal(at) || !q.Range.From.Equal(at.Add(-24*time.Hour)) || q.Range.Step != time.Hour {
		t.Fatalf("24h at %s: %s..%s step %s", at, q.Range.From, q.Range.To, q.Range.Step)
	}
	if h := ansi.Strip(m.header()); !strings.Contains(h, "24h to 2026-11-03 00:00") {
		t.Errorf("header does not say the range is pinned: %q", h)
	}
	press(m, "t") // 7d
	if q := m.query(); !q.Range.To.Equal(at) || q.Range.Span() != 7*24*time.Hour {
		t.Fatalf("7d at %s: %s..%s", at, q.Range.From, q.Range.To)
	}
}
