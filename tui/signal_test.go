package tui

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// gateModel blocks its event loop in Update on a gateMsg until released.
type gateModel struct{ in, release chan struct{} }

type gateMsg struct{}

func (m gateModel) Init() tea.Cmd  { return nil }
func (m gateModel) View() tea.View { return tea.NewView("") }
func (m gateModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(gateMsg); ok {
		m.in <- struct{}{}
		<-m.release
	}
	return m, nil
}

// TestSignalWhileContextEnds: Run's program has Bubble Tea's SIGTERM
// handler and a context that ttmon ends on the same signal. When the
// context ends while the handler holds the signal, the program must still
// end: upstream's handler blocked forever sending QuitMsg to an event loop
// that had stopped, and shutdown waited for it (`kill` left `ttmon --demo`
// running). Which of the two the loop sees first is up to the scheduler,
// so the race is run 20 times; the old handler hangs in about half.
func TestSignalWhileContextEnds(t *testing.T) {
	// The test binary must not die of the SIGTERMs it sends itself.
	guard := make(chan os.Signal, 32)
	signal.Notify(guard, syscall.SIGTERM)
	defer signal.Stop(guard)
	for i := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		m := gateModel{in: make(chan struct{}), release: make(chan struct{})}
		p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard))
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		p.Send(gateMsg{})
		<-m.in // the event loop is busy in Update; the handler is installed
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		<-guard // delivered (to the program's handler too)
		cancel()
		close(m.release)
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a hang, not slowness
			t.Fatalf("run %d: the program did not end after SIGTERM and its context ending together", i)
		}
	}
}
