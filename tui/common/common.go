// Package common holds what the root model and every pane share: the Common
// struct (styles, clock, logger, zone, modes), the Styles built from a theme,
// and the pure number and time formatting the panes and chrome print with.
//
// It sits below both tui and panes so that neither imports the other's
// internals: tui builds one Common and hands panes a pointer to it.
package common

import (
	"log/slog"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// Common is the state every component reads and none owns. It is built once
// by tui.New and passed by pointer to constructors; nothing in it changes
// while the program runs, so components never need to watch it.
type Common struct {
	// Styles are the lip gloss styles of the running theme, built from the
	// renderer of the terminal (or SSH session) being drawn on.
	Styles *Styles
	// Clock is the only source of "now": goldens pin it.
	Clock func() time.Time
	// Logger writes to --log or nowhere; never to the terminal.
	Logger *slog.Logger
	// Loc is the zone for hour-of-day figures and time labels.
	Loc *time.Location
	// Basic draws no braille and no partial blocks: plain bars and numbers,
	// for slow links and fonts without braille.
	Basic bool
	// Mapping names the events and properties the drill views ask about
	// (the version, platform and deployment properties).
	Mapping datasource.Mapping
}

// Now returns the clock's time in the display zone.
func (c *Common) Now() time.Time {
	return c.Clock().In(c.Loc)
}
