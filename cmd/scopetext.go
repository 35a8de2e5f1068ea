package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// writeNotNarrowed prints, under the filters, one line per group of panes
// that could not apply some of them (Snapshot.NotNarrowed) and why, so a
// figure the cohort did not narrow is never read as if it were.
func writeNotNarrowed(w io.Writer, n datasource.NotNarrowed) {
	for _, g := range []struct {
		panes, why string
		skipped    []string
	}{
		{"Active installations and Versions", "a user property", n.Installs},
		{"Error rate", "not on product events", n.Errors},
		{"Timer usage", "not on product events", n.Timers},
	} {
		if len(g.skipped) == 0 {
			continue
		}
		names := make([]string, len(g.skipped))
		for i, f := range g.skipped {
			names[i] = common.Printable(strings.TrimPrefix(f, "person."))
		}
		fmt.Fprintf(w, "         %s: not narrowed by %s (%s)\n", g.panes, strings.Join(names, ", "), g.why)
	}
}
