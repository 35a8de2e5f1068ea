package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"

	"github.com/ttmon/ttmon/datasource"
)

// Run shows the monitor on in/out until the user quits or ctx ends, and
// restores the terminal either way. Locally in and out are os.Stdin and
// os.Stdout; an SSH server passes the session (and its renderer in
// o.Renderer, with colour profile and background settled for that client).
//
// Nothing here asks the terminal anything: the colour profile comes from the
// environment (TERM, COLORTERM) and o.NoColor, the background from
// COLORFGBG or o.Theme, because a terminal that never answers an OSC 11
// query would hold the first frame for five seconds. (Upstream Bubble Tea
// v1.3.10 sends one from its package init; third_party/bubbletea drops
// it, see its TTMON.md and the first-frame benchmark in pty_test.go.)
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
// themselves: an SSH server returns it from wish's program handler (which
// sends window sizes, since a session is not a terminal Bubble Tea can
// ask), passing the session as in and out, its renderer in o.Renderer, and
// wish's options in extra. ctx ends the program and every poll.
func NewProgram(ctx context.Context, src datasource.Source, o Options, in io.Reader, out io.Writer, extra ...tea.ProgramOption) (*tea.Program, error) {
	if o.Renderer == nil {
		o.Renderer = NewRenderer(out, o.NoColor)
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

// ProgramOptions are the Bubble Tea options the monitor needs: the
// alternate screen, a frame rate that caps bursts (see DefaultFPS), and
// mouse reporting only when asked for, so that the terminal's own text
// selection keeps working.
func ProgramOptions(o Options) []tea.ProgramOption {
	fps := o.FPS
	if fps <= 0 {
		fps = DefaultFPS
	}
	opts := []tea.ProgramOption{tea.WithAltScreen(), tea.WithFPS(fps)}
	if o.Mouse {
		opts = append(opts, tea.WithMouseCellMotion())
	}
	return opts
}

// NewRenderer makes a lip gloss renderer for out that never queries the
// terminal. The colour profile comes from TERM and COLORTERM (an out that
// is not a terminal gets none). NO_COLOR in this process's environment is
// hidden from it: colour is off only when noColor says so (cmd folds
// NO_COLOR into it), and then a terminal keeps the plain ANSI profile, so
// that New draws with no colours while bold, underline and reverse video
// still mark focus, warnings and badges.
func NewRenderer(out io.Writer, noColor bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out, termenv.WithEnvironment(ownEnv{}))
	if noColor {
		if f, ok := out.(interface{ Fd() uintptr }); ok && term.IsTerminal(f.Fd()) {
			r.SetColorProfile(termenv.ANSI)
		}
	}
	// Settled here so nothing ever falls back to asking the terminal; the
	// palette itself is chosen by theme() from COLORFGBG or Options.Theme.
	r.SetHasDarkBackground(true)
	return r
}

// ownEnv is this process's environment as termenv reads it, without
// NO_COLOR: termenv would otherwise turn every style off, bold and
// reverse too, behind Options.NoColor's back.
type ownEnv struct{}

// Environ implements termenv.Environ.
func (ownEnv) Environ() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "NO_COLOR=") })
}

// Getenv implements termenv.Environ.
func (ownEnv) Getenv(k string) string {
	if k == "NO_COLOR" {
		return ""
	}
	return os.Getenv(k)
}
