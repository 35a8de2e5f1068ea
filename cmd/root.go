// Package cmd is ttmon's command line: it parses flags and config, builds the
// Source, runs the chosen command and returns its error. Only main exits.
package cmd

import (
	"fmt"
	"os"
)

// Execute runs the command line and returns the process exit code.
func Execute() int {
	fmt.Fprintln(os.Stderr, "ttmon: not built yet")
	return 1
}
