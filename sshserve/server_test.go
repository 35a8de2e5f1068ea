package sshserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestAuthorizedKeyGetsTheMonitor(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	c := h.open(100, 30, false)
	c.waitText(10*time.Second, titles...)
	if _, err := c.send("q"); err != nil {
		t.Fatal(err)
	}
	if err := c.wait(5 * time.Second); err != nil {
		t.Fatalf("quit: %v, want exit status 0", err)
	}
	if out := c.out.String(); !strings.Contains(out, "\x1b[?1049l") {
		t.Errorf("the client's terminal was not restored (no alternate-screen exit) in %q", tail(out))
	}
	if !strings.Contains(h.logs.String(), "session start") || !strings.Contains(h.logs.String(), "reason=quit") {
		t.Errorf("log lacks the session:\n%s", h.logs.String())
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	_, err := h.dial(gossh.PublicKeys(newSigner(t)))
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("unknown key: %v, want unable to authenticate", err)
	}
	if !strings.Contains(h.logs.String(), "ssh key refused") {
		t.Errorf("refusal not logged:\n%s", h.logs.String())
	}
}

func TestPasswordAndKeyboardInteractiveRefused(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	asked := false
	_, err := h.dial(
		gossh.Password("hunter2"),
		gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			asked = true
			return nil, nil
		}),
	)
	if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("password: %v, want unable to authenticate", err)
	}
	if asked {
		t.Error("the server offered keyboard-interactive authentication")
	}
	// The server names only publickey as a method that can continue.
	if !strings.Contains(err.Error(), "[none]") && !strings.Contains(err.Error(), "publickey") {
		t.Logf("error: %v", err)
	}
}

func TestNoTerminalGetsAMessage(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	conn, err := h.dial(gossh.PublicKeys(h.key))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.CombinedOutput("")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("no pty: %v, want exit status 1", err)
	}
	if !strings.Contains(string(out), "ttmon needs a terminal: ssh -t -p ") {
		t.Errorf("no pty: output %q", out)
	}
}

func TestSessionsOnOneViewShareOnePoller(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	a := h.open(100, 30, false)
	b := h.open(120, 40, false)
	a.waitText(10*time.Second, titles...)
	b.waitText(10*time.Second, titles...)
	// Both have had their first poll. Count polls, not seconds: a loaded
	// machine delays them, which must not fail the test.
	s0, a0, b0 := h.shared.Stats(), a.out.Len(), b.out.Len()
	const polls = 10
	waitFor(t, 60*time.Second, func() bool {
		s := h.shared.Stats()
		return s.Calls+s.Shared-s0.Calls-s0.Shared >= polls
	}, func() string { return "the sessions stopped polling" })
	s := h.shared.Stats()
	calls, sharedAnswers := s.Calls-s0.Calls, s.Shared-s0.Shared
	t.Logf("%d polls from 2 sessions: %d backend queries, %d shared answers", calls+sharedAnswers, calls, sharedAnswers)
	// Two sessions on the same view: about one query per interval serves
	// both, so at least about half the polls are answered without a query
	// of their own (2 for the boundaries), where two unshared pollers
	// would make a query for every poll.
	if calls > sharedAnswers+2 {
		t.Errorf("2 sessions on the same view made %d backend queries for %d polls (%d shared)", calls, calls+sharedAnswers, sharedAnswers)
	}
	if h.fake.Calls() < 2 {
		t.Errorf("only %d backend queries in all", h.fake.Calls())
	}
	if a.out.Len() == a0 || b.out.Len() == b0 {
		t.Errorf("a session drew nothing new while the data changed (a %d->%d, b %d->%d bytes)", a0, a.out.Len(), b0, b.out.Len())
	}
}

func TestStalledClientDoesNotBlockOthersAndShutdownEndsBoth(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *Options) { o.QuitGrace = time.Second })
	stalled := h.open(200, 60, true)
	waitFor(t, 5*time.Second, func() bool { return len(h.sessions()) == 1 }, func() string { return "no session" })
	ss := h.sessions()[0]
	reader := h.open(100, 30, false)
	reader.waitText(10*time.Second, titles...)

	// Every resize repaints the whole screen. Nobody reads the stalled
	// session, so its SSH window (2 MiB) runs out and the server's write
	// to it blocks.
	for i := 0; ss.out.blockedFor() < 500*time.Millisecond; i++ {
		if i > 5000 {
			t.Fatalf("the stalled session never blocked (%d bytes sent)", ss.out.n.Load())
		}
		stalled.sess.WindowChange(60+i%2, 200+i%3)
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("stalled session blocked after %d bytes", ss.out.n.Load())

	// The reading session keeps polling and drawing while the stalled
	// one's write stays blocked. Counted in polls, not seconds: a loaded
	// machine slows the polls, which must not fail the test.
	c0, r0 := h.fake.Calls(), reader.out.Len()
	waitFor(t, 60*time.Second, func() bool { return h.fake.Calls()-c0 >= 3 && reader.out.Len() > r0 },
		func() string {
			return fmt.Sprintf("the reading session polled %d times and drew %d bytes beside a stalled one", h.fake.Calls()-c0, reader.out.Len()-r0)
		})
	if ss.out.blockedFor() == 0 {
		t.Fatal("the stalled session's write finished: the test did not stall it")
	}

	// A session the stalled client held open would show as "sessions
	// still open at the deadline" (not timed: a loaded machine is slow).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown with a stalled client: %v", err)
	}
	if err := reader.wait(5 * time.Second); err != nil {
		t.Errorf("reading session at shutdown: %v, want exit status 0", err)
	}
	if !strings.Contains(reader.out.String(), "\x1b[?1049l") {
		t.Errorf("shutdown did not restore the reading client's terminal: %q", tail(reader.out.String()))
	}
	if !strings.Contains(reader.stderr.String(), "the server is shutting down") {
		t.Errorf("reading client not told why: %q", reader.stderr.String())
	}
	stalled.wait(5 * time.Second) // ended, one way or the other
	if err := <-h.served; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func TestIdleSessionClosed(t *testing.T) {
	t.Parallel()
	// The idle timer runs on a fake clock: the test moves time instead of
	// waiting for it, and the wall clock never gets near the timeout.
	const idle = 30 * time.Minute
	clk := newFakeClock()
	t0 := clk.Now()
	h := start(t, func(o *Options) { o.IdleTimeout, o.clock = idle, clk })
	c := h.open(80, 24, false)
	c.waitText(10*time.Second, titles...)
	clk.waitArmed(t, t0.Add(idle))

	// A key half way through puts the end off to half a timeout later.
	clk.Advance(idle / 2)
	if _, err := c.send("p"); err != nil {
		t.Fatal(err)
	}
	c.waitText(10*time.Second, "PAUSED") // the key was read
	clk.Advance(idle / 2)
	clk.waitArmed(t, t0.Add(idle+idle/2)) // re-armed, not ended
	select {
	case err := <-c.done:
		t.Fatalf("closed at the first timeout although a key came half way: %v", err)
	default:
	}

	clk.Advance(idle / 2)
	if err := c.wait(10 * time.Second); err != nil {
		t.Fatalf("idle session: %v, want exit status 0", err)
	}
	if !strings.Contains(c.stderr.String(), "closed after 30m0s without input") {
		t.Errorf("not told why: %q", c.stderr.String())
	}
	if !strings.Contains(c.out.String(), "\x1b[?1049l") {
		t.Errorf("terminal not restored at idle timeout: %q", tail(c.out.String()))
	}
}

func TestMaxSessions(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *Options) { o.MaxSessions = 1 })
	a := h.open(80, 24, false)
	a.waitText(10*time.Second, titles...)
	b := h.open(80, 24, false)
	var exit *gossh.ExitError
	if err := b.wait(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("session over the cap: %v, want exit status 1", err)
	}
	if !strings.Contains(b.stderr.String(), "maximum of 1 sessions") {
		t.Errorf("over the cap: %q", b.stderr.String())
	}
}

func TestConnectionsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *Options) { o.RateBurst, o.RateEvery = 2, time.Hour })
	for i := range 2 {
		c, err := h.dial(gossh.PublicKeys(h.key))
		if err != nil {
			t.Fatalf("connection %d within the burst: %v", i+1, err)
		}
		c.Close()
	}
	if _, err := h.dial(gossh.PublicKeys(h.key)); err == nil {
		t.Fatal("third connection within the hour was accepted")
	}
	if strings.Count(h.logs.String(), "connections rate-limited") != 1 {
		t.Errorf("want one rate-limit line:\n%s", h.logs.String())
	}
}

func TestColourFromTheClientsTerminal(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	colour := h.open(100, 30, false)
	mono := h.open(100, 30, false, "NO_COLOR", "1")
	colour.waitText(10*time.Second, titles...)
	mono.waitText(10*time.Second, titles...)
	// xterm-256color: 256-colour foregrounds. NO_COLOR from the client's
	// environment: no colour at all, whatever the server's terminal is.
	if !strings.Contains(colour.out.String(), "38;5;") {
		t.Errorf("xterm-256color session drew no 256-colour styles")
	}
	if s := mono.out.String(); strings.Contains(s, "38;5;") || strings.Contains(s, "38;2;") || strings.Contains(s, "[3") && hasSGRColour(s) {
		t.Errorf("NO_COLOR session drew colours")
	}
}

// hasSGRColour reports a basic foreground colour parameter (30-37, 90-97)
// in any SGR sequence of s.
func hasSGRColour(s string) bool {
	for _, seq := range strings.Split(s, "\x1b[")[1:] {
		end := strings.IndexByte(seq, 'm')
		if end < 0 || strings.ContainsAny(seq[:end], "?HJK") {
			continue
		}
		for _, p := range strings.Split(seq[:end], ";") {
			if (len(p) == 2 && (p[0] == '3' || p[0] == '9') && p[1] >= '0' && p[1] <= '7') || p == "38" {
				return true
			}
		}
	}
	return false
}

func TestHostKeyGeneratedPrivate(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	path := h.srv.HostKey().Path
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %04o, want 0600", info.Mode().Perm())
	}
	dir, _ := os.Stat(strings.TrimSuffix(path, "/ssh_host_ed25519"))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("host key directory mode %04o, want 0700", dir.Mode().Perm())
	}
	if !h.srv.HostKey().Created {
		t.Error("first start did not report a generated key")
	}
	// The client checked the server against this key in every dial; a
	// second start keeps it.
	again, err := EnsureHostKey(path)
	if err != nil || again.Created || again.Fingerprint() != h.srv.HostKey().Fingerprint() {
		t.Errorf("second start: %+v, %v; want the same key loaded", again, err)
	}
}

// send writes keys to the session's stdin.
func (c *client) send(keys string) (int, error) {
	if c.stdin == nil {
		return 0, errors.New("no stdin")
	}
	return c.stdin.Write([]byte(keys))
}

func tail(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

func TestClientNotAnsweringKeepalivesDisconnected(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *Options) { o.KeepAlive = 200 * time.Millisecond })
	raw, err := net.Dial("tcp", h.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cc, chans, _, err := gossh.NewClientConn(raw, h.addr, &gossh.ClientConfig{
		User: "ops", Auth: []gossh.AuthMethod{gossh.PublicKeys(h.key)},
		HostKeyCallback: gossh.FixedHostKey(h.srv.HostKey().Public),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The server's global requests (its keepalives) go to a channel that
	// nobody reads: a client process that hangs.
	conn := gossh.NewClient(cc, chans, make(chan *gossh.Request))
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a client that does not answer keepalives is still connected after 5 s")
	}
	waitFor(t, 2*time.Second, func() bool { return strings.Contains(h.logs.String(), "reason=keepalive") },
		func() string { return "session end not logged as keepalive" })
}
