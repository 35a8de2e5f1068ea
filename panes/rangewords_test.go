package panes

import (
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

func TestRangeWords(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 4, 0, 0, time.UTC)
	live, _ := datasource.ParseRange("24h", now)
	pinned, _ := datasource.ParseRange("24h", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	for _, tt := range []struct {
		r    datasource.Range
		want string
	}{
		{live, "last 24h"},
		{pinned, "24h to 2026-12-01 00:00"},
	} {
		if got := rangeWords(tt.r, now, time.UTC); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.r, got, tt.want)
		}
	}
}
