package cmd

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/datasource"
)

// checkFailedOpen reports a source that did not even open (no store at
// the path, no API key) the way check reports every other problem: a FAIL
// line saying what to do, in text or JSON, and exit status 1.
func (a *app) checkFailedOpen(cmd *cobra.Command, openErr error) error {
	info := datasource.Info{Kind: a.cfg.Source}
	step := datasource.CheckStep{Name: "open", Detail: openErr.Error()}
	if a.cfg.Source == "embedded" {
		info.Location = a.cfg.Embedded.DB
		step.Name = "store"
	}
	rep := &datasource.CheckReport{Source: info, Steps: []datasource.CheckStep{step}}
	if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeCheckReport(a.stdout, rep)
	}
	return &exitError{code: 1}
}
