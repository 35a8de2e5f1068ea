package cmd

import (
	"errors"
	"fmt"

	"github.com/ttmon/ttmon/config"
)

// settingsProblems lists every problem with the settings at once: the
// config file's (each with its line), the environment's, and Validate's on
// what did load, so a user fixes them in one go rather than one per run.
// Validate runs only when the command validates, or when the file had
// problems anyway.
func settingsProblems(fileErr *config.FileError, envErr error, cfg config.Config, validate bool) error {
	var errs []error
	if fileErr != nil {
		for _, p := range fileErr.Problems {
			errs = append(errs, fmt.Errorf("config %s: %s", fileErr.Path, p))
		}
	}
	if envErr != nil {
		errs = append(errs, envErr)
	}
	if validate || len(errs) > 0 {
		if err := cfg.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid settings:\n%w", indent(errors.Join(errs...)))
}
