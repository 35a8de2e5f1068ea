package cmd

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func (a *app) addTUIFlags(f *pflag.FlagSet) {
	f.Bool("demo", false, "monitor a simulated fleet in a throwaway store")
}

func (a *app) runTUI(cmd *cobra.Command, _ []string) error {
	return errors.New("the live monitor is not built yet: run `ttmon snapshot --demo`")
}
