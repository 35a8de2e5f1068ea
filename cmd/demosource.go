package cmd

import (
	"fmt"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/simulate"
)

// source is what a demo's reader watches: the store itself once the
// backfill is in (a snapshot), or, live, the store as demoSource shows it
// while the history arrives.
func (d *demo) source(live bool) datasource.Source {
	if !live {
		return d.store
	}
	return demoSource{Wrapper: datasource.Wrap(d.store), progress: &d.progress}
}

// demoSource is a live demo's store while its simulated week arrives: a
// datasource.Filler until the backfill is over, so the monitor, open from
// the start, polls it every second and says in its header how much of
// the backfill the store holds.
type demoSource struct {
	datasource.Wrapper
	progress *simulate.Progress
}

var (
	_ datasource.Source = demoSource{}
	_ datasource.Filler = demoSource{}
)

// Filling says how much of the backfill the store holds (the collector
// acknowledges only what it committed); "" once it is over. A failed one
// says so (the log has the cause).
func (s demoSource) Filling() string {
	acked, total, over := s.progress.Backfill()
	switch {
	case s.progress.Err() != nil:
		return "demo backfill failed (--log FILE says why)"
	case over:
		return ""
	case total == 0:
		return "demo backfill starting"
	}
	return fmt.Sprintf("demo backfill %d%%", min(acked*100/total, 99))
}
