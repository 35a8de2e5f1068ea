package panes

import (
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// rangeWords is how a pane names its range: "last 24h" while the range
// ends with the bucket holding now, "24h to 2026-12-01 00:00" when it was
// pinned earlier (--at), since those are not the last 24 hours.
func rangeWords(r datasource.Range, now time.Time, loc *time.Location) string {
	if r.Step <= 0 || !r.To.Before(now.Add(-r.Step)) {
		return "last " + r.Label()
	}
	if loc == nil {
		loc = time.UTC
	}
	return r.Label() + " to " + r.To.In(loc).Format("2006-01-02 15:04")
}
