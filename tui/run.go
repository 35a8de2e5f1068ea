package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/ttmon/ttmon/datasource"
)

// Run shows the monitor on in/out until the user quits or ctx ends, and
// restores the terminal either way. Locally in and out are os.Stdin and
// os.Stdout; an SSH server uses NewProgram instead.
//
// Nothing here waits for the terminal to answer anything: the colour
// profile comes from the environment (see DetectProfile) and o.NoColor,
// the background from COLORFGBG or o.Theme, because a terminal that never
// answers an OSC 11 query would hold the first frame (Bubble Tea v1 sent
// one from its package init and waited 5 s; see pty_test.go). Bubble Tea
// v2 asks only whether synchronized output is supported, and does not wait
// for the reply.
func Run(ctx context.Context, src datasource.Source, o Options, in io.Reader, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	p, err := NewProgram(ctx, src, o, in, out)
	if err != nil {
		return err
	}
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // the caller ended the session
	}
	return err
}

// NewProgram builds the program Run runs, for callers that drive it
// themselves: an SSH server passes the session as in and out, the
// client's colour profile in o.Profile, and its environment, window size
// and other options in extra (it also forwards window changes, since a
// session is not a terminal Bubble Tea can ask). ctx ends the program and
// every poll.
func NewProgram(ctx context.Context, src datasource.Source, o Options, in io.Reader, out io.Writer, extra ...tea.ProgramOption) (*tea.Program, error) {
	if o.Profile == colorprofile.Unknown {
		o.Profile = DetectProfile(out, os.Environ(), o.NoColor)
	}
	m, err := New(src, o)
	if err != nil {
		return nil, err
	}
	m.poll.ctx = ctx
	out = lockOutput(out)
	if o.Bell {
		m.bell = out
	}
	opts := append(ProgramOptions(o), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	return tea.NewProgram(m, append(opts, extra...)...), nil
}

// ProgramOptions are the Bubble Tea options the monitor needs: a frame
// rate that caps bursts (see DefaultFPS) and the colour profile to bring
// the styles down to (Options.Profile; unset, Bubble Tea detects it). The
// alternate screen and mouse reporting (only when asked for, so that the
// terminal's own text selection keeps working) are set by Model.View.
func ProgramOptions(o Options) []tea.ProgramOption {
	fps := o.FPS
	if fps <= 0 {
		fps = DefaultFPS
	}
	opts := []tea.ProgramOption{tea.WithFPS(fps)}
	if o.Profile != colorprofile.Unknown {
		opts = append(opts, tea.WithColorProfile(o.Profile))
	}
	return opts
}

// DetectProfile is the colour profile for out from environ (TERM,
// COLORTERM, CLICOLOR_FORCE and the terminfo entry TERM names); nothing is
// asked of the terminal. An out that is not a terminal gets NoTTY, which
// writes no styling at all. NO_COLOR in environ is ignored: colour is off
// only when noColor says so (cmd folds NO_COLOR and --no-color into it;
// over SSH this process's environment is the server's, not the viewer's).
// noColor lowers a terminal to ASCII: no colours, while bold, underline
// and reverse video still mark focus, warnings and badges.
func DetectProfile(out io.Writer, environ []string, noColor bool) colorprofile.Profile {
	environ = slices.DeleteFunc(slices.Clone(environ), func(kv string) bool { return strings.HasPrefix(kv, "NO_COLOR=") })
	p := colorprofile.Detect(out, environ)
	if noColor && p > colorprofile.ASCII {
		p = colorprofile.ASCII
	}
	return p
}
