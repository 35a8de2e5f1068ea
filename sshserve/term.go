package sshserve

import (
	"log/slog"
	"strings"

	"github.com/charmbracelet/colorprofile"

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
func sessionOptions(ui tui.Options, environ []string, term string, log *slog.Logger) tui.Options {
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
	o.Profile = sessionProfile(sessionEnv(environ, term), term, o.NoColor)
	o.Logger = log
	// A viewer must not write the server's files: saving a cohort would
	// edit the config file of whoever runs `ttmon ssh`. Saved cohorts
	// stay listed and usable; S says why it does not save.
	o.SaveCohort = nil
	o.SaveCohortDisabled = "saving cohorts is disabled for SSH viewers"
	return o
}

// sessionEnv is the environment a session's program sees: what the
// client sent, with TERM from its pty request, the last assignment
// winning. It is how wish v2 hands a session to Bubble Tea.
func sessionEnv(environ []string, term string) []string {
	env := make([]string, 0, len(environ)+1)
	env = append(env, environ...)
	return append(env, "TERM="+term)
}

// sessionProfile is the colour profile of one client's terminal, from its
// TERM, COLORTERM and NO_COLOR as wish v2 finds it (colorprofile.Env),
// without asking the terminal. With noColor the profile drops to ASCII, as
// tui.DetectProfile does locally, so that bold and reverse still mark
// focus and badges; an empty or dumb TERM gets no styling at all.
func sessionProfile(env []string, term string, noColor bool) colorprofile.Profile {
	if term == "" || term == "dumb" {
		return colorprofile.NoTTY
	}
	p := colorprofile.Env(env)
	if noColor && p > colorprofile.ASCII {
		p = colorprofile.ASCII
	}
	return p
}

// sshEnv is a session's environment as the client sent it.
type sshEnv []string

// Getenv is the value of k; the last assignment wins, as in a shell.
func (e sshEnv) Getenv(k string) string {
	v := ""
	for _, kv := range e {
		if name, val, ok := strings.Cut(kv, "="); ok && name == k {
			v = val
		}
	}
	return v
}
