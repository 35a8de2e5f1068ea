package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/datasource"
)

func (a *app) checkCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "check",
		Short: "Verify the configured source and say what to fix",
		Long: `check connects to the configured source and verifies it step by step.

For PostHog: the host is reachable, the personal API key is accepted and has
the query:read scope, the project exists, and the project holds events with
the configured event names in the last 7 days (listing the names it does see,
so events.heartbeat, events.errors and events.timers can be fixed). Listing
cohorts needs cohort:read; without it check warns but passes.

For the embedded store: the file opens, and it holds the configured events.

For PostHog it also says which query budget ttmon paces to and why:
configured (posthog.query_budget), assumed (auto, the default: 120/h until
PostHog shows more) or learned from PostHog's answers.

The exit code is 0 when every step passed, 1 otherwise.`,
		Example: `  TTMON_POSTHOG_API_KEY=phx_... ttmon check --source posthog --posthog-host eu --project 12345
  ttmon check --db ./events.db --json`,
		Args: cobra.NoArgs,
		RunE: a.runCheck,
	}
	c.Flags().Bool("json", false, "print the report as JSON")
	return c
}

func (a *app) runCheck(cmd *cobra.Command, _ []string) error {
	if err := a.setup(cmd, true); err != nil {
		return err
	}
	src, closeSrc, err := a.openSource(cmd.Context())
	if err != nil {
		return a.checkFailedOpen(cmd, err)
	}
	defer closeSrc()
	ch, ok := datasource.As[datasource.Checker](src)
	if !ok {
		return fmt.Errorf("%s cannot check its setup", src.Info())
	}
	rep, err := ch.Check(cmd.Context(), a.cfg.Events)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if p := pacerOf(src); p != nil {
		rep.Add("query budget", true, budgetStatement(p.Assumption()))
	}
	if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeCheckReport(a.stdout, rep)
	}
	if !rep.OK() {
		return &exitError{code: 1}
	}
	return nil
}

// checkNames is how many event names the text report lists: a TimeTracker
// fleet sends about 35 (telemetry, timers, exports, projects, tasks, ...),
// and the rare ones (telemetry.install) are what a new user looks for.
const checkNames = 50

// writeCheckReport prints one line per step, then the event names seen.
func writeCheckReport(w io.Writer, r *datasource.CheckReport) {
	fmt.Fprintf(w, "ttmon check: %s\n", r.Source)
	width := 0
	for _, s := range r.Steps {
		width = max(width, len(s.Name))
	}
	for _, s := range r.Steps {
		mark := "ok  "
		switch {
		case s.Warn:
			mark = "warn"
		case !s.OK:
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-*s  %s\n", mark, width, s.Name, s.Detail)
	}
	if len(r.Seen) > 0 {
		fmt.Fprintln(w, "events seen in the last 7 days:")
		nw := 0
		for _, v := range r.Seen {
			nw = max(nw, len(strconv.FormatInt(v.Count, 10)))
		}
		for i, v := range r.Seen {
			if i == checkNames {
				fmt.Fprintf(w, "  ... and %d more (--json lists all)\n", len(r.Seen)-checkNames)
				break
			}
			fmt.Fprintf(w, "  %*d  %s\n", nw, v.Count, v.Value)
		}
	}
	if r.OK() {
		fmt.Fprintln(w, "all checks passed")
	} else {
		fmt.Fprintln(w, strings.TrimSpace("some checks failed: fix the lines marked FAIL"))
	}
}
