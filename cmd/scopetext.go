package cmd

import (
	"fmt"
	"io"
	"strings"

	"github.com/ttmon/ttmon/tui/common"
)

// writeNotNarrowed prints, under a pane's title, the filters that pane
// could not apply (Snapshot.NotNarrowed) and why, so a figure the cohort
// did not narrow is never read as if it were.
func writeNotNarrowed(w io.Writer, skipped []string, why string) {
	if len(skipped) == 0 {
		return
	}
	names := make([]string, len(skipped))
	for i, f := range skipped {
		names[i] = common.Printable(strings.TrimPrefix(f, "person."))
	}
	fmt.Fprintf(w, "  not narrowed by %s (%s)\n", strings.Join(names, ", "), why)
}
