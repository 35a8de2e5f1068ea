package sshserve

import (
	"io"
	"log/slog"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/ttmon/ttmon/tui"
	"github.com/ttmon/ttmon/tui/common"
)

// sessionOptions is the server's UI template adapted to one client's
// terminal: colour profile from the TERM of its pty request (and
// COLORTERM if the client sent it), NO_COLOR and COLORFGBG from the
// environment it sent (ssh -o SetEnv=NO_COLOR=1, or SendEnv). Nothing is
// read from the server's own terminal, and nothing is asked of the
// client's: a terminal that does not answer a query would stall the first
// frame.
func sessionOptions(ui tui.Options, environ []string, term string, out io.Writer, log *slog.Logger) tui.Options {
	env := sshEnv(environ)
	o := ui
	o.NoColor = ui.NoColor || env.Getenv("NO_COLOR") != ""
	if env.Getenv("COLORFGBG") != "" || o.Theme == "" {
		// Set explicitly: an empty Theme would be guessed from the
		// server's environment.
		o.Theme = "light"
		if common.DarkFromEnv(env.Getenv) {
			o.Theme = "dark"
		}
	}
	o.Renderer = sessionRenderer(out, term, env, o.NoColor, o.Theme == "dark")
	o.Logger = log
	// A viewer must not write the server's files: saving a cohort would
	// edit the config file of whoever runs `ttmon ssh`. Saved cohorts
	// stay listed and usable; S says why it does not save.
	o.SaveCohort = nil
	o.SaveCohortDisabled = "saving cohorts is disabled for SSH viewers"
	return o
}

// sessionRenderer builds the lip gloss renderer for one client, like
// wish's MakeRenderer without its background-colour query. With NO_COLOR
// the profile drops to plain ANSI, as tui.NewRenderer does locally, so
// that bold and reverse video still mark focus and badges.
func sessionRenderer(out io.Writer, term string, env sshEnv, noColor, dark bool) *lipgloss.Renderer {
	if term == "" || term == "dumb" {
		r := lipgloss.NewRenderer(out, termenv.WithProfile(termenv.Ascii))
		r.SetHasDarkBackground(dark)
		return r
	}
	vars := make(sshEnv, 0, len(env)+1)
	for _, kv := range env {
		// NO_COLOR would make termenv drop to no styling at all; it is
		// handled through noColor instead. TERM comes from the pty.
		if !strings.HasPrefix(kv, "NO_COLOR=") && !strings.HasPrefix(kv, "TERM=") {
			vars = append(vars, kv)
		}
	}
	vars = append(vars, "TERM="+term)
	r := lipgloss.NewRenderer(out, termenv.WithEnvironment(vars), termenv.WithUnsafe(), termenv.WithColorCache(true))
	if noColor && r.ColorProfile() < termenv.ANSI {
		r.SetColorProfile(termenv.ANSI)
	}
	r.SetHasDarkBackground(dark)
	return r
}

// sshEnv is a session's environment as termenv reads it.
type sshEnv []string

// Environ implements termenv.Environ.
func (e sshEnv) Environ() []string { return e }

// Getenv implements termenv.Environ; the last assignment wins, as in a
// shell.
func (e sshEnv) Getenv(k string) string {
	v := ""
	for _, kv := range e {
		if name, val, ok := strings.Cut(kv, "="); ok && name == k {
			v = val
		}
	}
	return v
}
