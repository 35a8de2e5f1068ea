package cmd

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/datasource"
)

// atFlagHelp is the --at flag's help, the same for snapshot and the monitor.
const atFlagHelp = "pin the moment ranges end at (2026-11-03, 2026-11-03T15:04 UTC, or RFC 3339): --range 24h --at 2026-11-03 is 2026-11-02 in 24 hourly buckets"

// readAt parses --at when the command has it and it was given.
func (a *app) readAt(cmd *cobra.Command) error {
	f := cmd.Flags().Lookup("at")
	if f == nil || !f.Changed {
		return nil
	}
	t, err := datasource.ParseInstant(f.Value.String())
	if err != nil {
		return fmt.Errorf("--at: %w", err)
	}
	a.at = t
	return nil
}

// rangeNow is the moment ranges are resolved against: --at, or now.
func (a *app) rangeNow() time.Time {
	if !a.at.IsZero() {
		return a.at
	}
	return a.now()
}
