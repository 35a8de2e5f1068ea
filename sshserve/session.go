package sshserve

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ttmon/ttmon/tui"
)

// session is one client's monitor.
type session struct {
	id        int64
	sess      ssh.Session
	log       *slog.Logger
	out       meter
	clock     clock
	lastInput atomic.Int64           // unix nanoseconds of the last key or resize
	reason    atomic.Pointer[string] // why the server ended it; nil if it did not
}

// Why a session ended, for the log and the client.
const (
	endQuit         = "quit"
	endIdle         = "idle"
	endShutdown     = "shutdown"
	endKeepalive    = "keepalive"
	endDisconnected = "disconnected"
	endError        = "error"
)

func (ss *session) touch() { ss.lastInput.Store(ss.clock.Now().UnixNano()) }

func (ss *session) idleFor() time.Duration {
	return ss.clock.Now().Sub(time.Unix(0, ss.lastInput.Load()))
}

// end records why the server is ending the session; the first reason wins.
func (ss *session) end(why string) { ss.reason.CompareAndSwap(nil, &why) }

// closeConn drops the client's connection: the last resort for a client
// that does not take its session's end (it stopped reading, or vanished).
func (ss *session) closeConn() {
	if c, ok := ss.sess.Context().Value(ssh.ContextKeyConn).(io.Closer); ok {
		c.Close()
	}
	ss.sess.Close()
}

// handle is the wish middleware that runs the monitor in each session. It
// hands the program what wish v2's bubbletea middleware would (the
// session's environment with the pty's TERM, its window size, window
// changes as they come), and adds what that middleware has no hooks for:
// metered input and output, the idle, shutdown and keepalive endings, and
// logging through the server's logger instead of charm's.
func (s *Server) handle(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.serve(sess)
		next(sess)
	}
}

func (s *Server) serve(sess ssh.Session) {
	addr := remoteAddr(sess.RemoteAddr()).String()
	pty, winCh, ok := sess.Pty()
	if !ok {
		s.log.Info("session refused: no terminal", "addr", addr, "user", sess.User())
		wish.Errorf(sess, "ttmon needs a terminal: ssh -t -p %s <host>\r\n", s.port)
		sess.Exit(1)
		return
	}
	ss := &session{sess: sess, clock: s.o.clock, out: meter{w: sess}}
	if !s.track(ss) {
		s.log.Warn("session refused: too many sessions", "addr", addr, "user", sess.User(), "max", s.o.MaxSessions)
		wish.Errorf(sess, "ttmon: this server already has its maximum of %d sessions open; try again later\r\n", s.o.MaxSessions)
		sess.Exit(1)
		return
	}
	defer s.untrack(ss)
	key := ""
	if pk := sess.PublicKey(); pk != nil {
		key = gossh.FingerprintSHA256(pk)
	}
	ss.log = s.log.With("session", ss.id, "addr", addr, "user", sess.User())
	ss.log.Info("session start", "key", key, "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
	start := time.Now()
	why, code := s.run(ss, pty, winCh)
	ss.log.Info("session end", "reason", why, "duration", time.Since(start).Round(time.Millisecond), "bytes_out", ss.out.n.Load())
	sess.Exit(code)
}

// run shows the monitor until the user quits or the server ends the
// session, then tells the client why (after the program restored its
// terminal) and returns the reason and the exit status.
func (s *Server) run(ss *session, pty ssh.Pty, winCh <-chan ssh.Window) (string, int) {
	sess := ss.sess
	ctx, cancel := context.WithCancel(sess.Context()) // ends with the connection
	defer cancel()
	o := sessionOptions(s.o.UI, sess.Environ(), pty.Term, ss.log)
	ss.touch()
	in := inputMeter{r: sess, touch: ss.touch}
	p, err := tui.NewProgram(ctx, s.src, o, in, &ss.out, tea.WithoutSignalHandler(),
		tea.WithEnvironment(sessionEnv(sess.Environ(), pty.Term)),
		tea.WithWindowSize(pty.Window.Width, pty.Window.Height))
	if err != nil {
		ss.log.Error("session: monitor", "err", err)
		wish.Errorf(sess, "ttmon: %v\r\n", err)
		return endError, 1
	}
	finished := make(chan struct{})
	defer close(finished)
	go forwardWindows(ctx, p, winCh, ss.touch)
	go s.watch(ss, p, finished)

	_, err = p.Run()
	why := endQuit
	if r := ss.reason.Load(); r != nil {
		why = *r
	} else if sess.Context().Err() != nil {
		why = endDisconnected
	} else if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		ss.log.Error("session: monitor failed", "err", err)
		wish.Errorf(sess, "ttmon: %v\r\n", err)
		return endError, 1
	}
	switch why {
	case endIdle:
		wish.Errorf(sess, "ttmon: closed after %s without input\r\n", s.o.IdleTimeout)
	case endShutdown:
		wish.Errorf(sess, "ttmon: the server is shutting down\r\n")
	}
	return why, 0
}

// watch ends the session when its user has been idle too long, the server
// shuts down, or the client stops answering keepalives. It asks the
// program to quit, which restores the client's terminal, and drops the
// connection if the session has not finished after the grace period.
func (s *Server) watch(ss *session, p *tea.Program, finished <-chan struct{}) {
	idle := ss.clock.NewTimer(s.o.IdleTimeout)
	defer idle.Stop()
	dead := make(chan struct{})
	if s.o.KeepAlive > 0 {
		go keepAlive(ss.sess, s.o.KeepAlive, dead, finished)
	}
	for ss.reason.Load() == nil {
		select {
		case <-finished:
			return
		case <-s.quit:
			ss.end(endShutdown)
		case <-dead:
			ss.end(endKeepalive)
			ss.log.Warn("session: client stopped answering keepalives; disconnecting")
			ss.closeConn()
			return
		case <-idle.C():
			if d := ss.idleFor(); d < s.o.IdleTimeout {
				idle.Reset(s.o.IdleTimeout - d)
				continue
			}
			ss.end(endIdle)
		}
	}
	// Send blocks while the program is stuck writing to a client that
	// does not read; the grace period below covers that case.
	go p.Quit()
	select {
	case <-finished:
	case <-time.After(s.o.QuitGrace):
		ss.log.Warn("session: did not quit in time (client not reading?); disconnecting", "grace", s.o.QuitGrace)
		ss.closeConn()
	}
}

// keepAlive asks the client every interval whether it is there, and closes
// dead when an answer has not come within three intervals.
func keepAlive(sess ssh.Session, every time.Duration, dead chan<- struct{}, finished <-chan struct{}) {
	conn, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn)
	if !ok {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-finished:
			return
		case <-t.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case err := <-reply:
			if err != nil {
				return // the connection is gone; the program sees that itself
			}
		case <-time.After(3 * every):
			close(dead)
			return
		case <-finished:
			return
		}
	}
}

// forwardWindows turns the client's window changes into WindowSizeMsgs.
// It drains winCh promptly even while the program is busy (the session's
// request loop would otherwise wait on it), keeping only the latest size.
func forwardWindows(ctx context.Context, p *tea.Program, winCh <-chan ssh.Window, touch func()) {
	latest := make(chan ssh.Window, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case w := <-latest:
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	for w := range winCh { // closed when the session's channel closes
		touch()
		select {
		case <-latest: // replaced by the newer size
		default:
		}
		latest <- w // never blocks: this goroutine is the only sender
	}
}

// inputMeter notes the time of every read that brought input.
type inputMeter struct {
	r     io.Reader
	touch func()
}

func (m inputMeter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if n > 0 {
		m.touch()
	}
	return n, err
}

// meter counts what a session was sent and notes when a write has been
// pending since, so a stalled client shows in the log and in tests.
type meter struct {
	w       io.Writer
	n       atomic.Int64
	pending atomic.Int64 // unix nanoseconds when the write in progress began; 0 if none
}

func (m *meter) Write(p []byte) (int, error) {
	m.pending.Store(time.Now().UnixNano())
	n, err := m.w.Write(p)
	m.pending.Store(0)
	m.n.Add(int64(n))
	return n, err
}

// blockedFor is how long the write in progress has waited; 0 if none.
func (m *meter) blockedFor() time.Duration {
	if t := m.pending.Load(); t != 0 {
		return time.Since(time.Unix(0, t))
	}
	return 0
}
