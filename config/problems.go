package config

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// problems is a list of things wrong with one file, each a line.
type problems []string

func (p problems) Error() string { return strings.Join(p, "; ") }

// FileError is a config file that did not decode cleanly: every problem
// found, each naming its line. Load still returns what did decode, so the
// caller can validate the rest and report everything in one pass.
type FileError struct {
	Path     string
	Problems []string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("config %s: %s", e.Path, strings.Join(e.Problems, "; "))
}

func newFileError(path string, err error) *FileError {
	var p problems
	if errors.As(err, &p) {
		return &FileError{Path: path, Problems: p}
	}
	return &FileError{Path: path, Problems: []string{err.Error()}}
}

// UnmarshalYAML reads a duration and, when it is not one, reports it as a
// type error: yaml.v3 then goes on decoding and reports it with the other
// problems of the file instead of stopping at the first.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if err := d.UnmarshalText([]byte(n.Value)); err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	return nil
}
