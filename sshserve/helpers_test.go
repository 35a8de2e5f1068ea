package sshserve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ttmon/ttmon/datasource/shared"
	"github.com/ttmon/ttmon/tui"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// The titles every session must show: the default dashboard's name and
// its first panes (the rest scroll into view at small sizes).
var titles = []string{"Installation health", "Active installations", "Versions", "Platforms"}

// harness is a running server on loopback with a counting fake backend
// behind the shared decorator, as `ttmon ssh` wires it.
type harness struct {
	t      *testing.T
	dir    string
	srv    *Server
	addr   string
	fake   *tuitest.Source
	shared *shared.Source
	key    gossh.Signer // authorized
	logs   *syncBuffer
	served chan error
}

// interval is the poll interval of every test session (the tui minimum).
const interval = time.Second

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func start(t *testing.T, edit func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), fake: &tuitest.Source{Drift: true}, key: newSigner(t), logs: &syncBuffer{}}
	h.shared = shared.New(h.fake, interval)
	ak := filepath.Join(h.dir, "authorized_keys")
	if err := os.WriteFile(ak, gossh.MarshalAuthorizedKey(h.key.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{
		HostKeyPath:        filepath.Join(h.dir, "state", "ttmon", "ssh_host_ed25519"),
		AuthorizedKeysPath: ak,
		RateBurst:          100,
		UI:                 tui.Options{Interval: interval, Clock: tuitest.Clock, FPS: 60, TZ: "UTC"},
		Logger:             slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&o)
	}
	srv, err := New(h.shared, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.srv, h.addr, h.served = srv, ln.Addr().String(), make(chan error, 1)
	go func() { h.served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if t.Failed() {
			t.Logf("server log:\n%s", h.logs.String())
		}
	})
	return h
}

func (h *harness) dial(auth ...gossh.AuthMethod) (*gossh.Client, error) {
	return gossh.Dial("tcp", h.addr, &gossh.ClientConfig{
		User:            "ops",
		Auth:            auth,
		HostKeyCallback: gossh.FixedHostKey(h.srv.HostKey().Public),
		Timeout:         5 * time.Second,
	})
}

// client is one SSH session with a pty, its output collected unless it
// was opened stalled (then nothing ever reads its stdout).
type client struct {
	t      *testing.T
	conn   *gossh.Client
	sess   *gossh.Session
	stdin  io.WriteCloser
	out    *syncBuffer
	stderr *syncBuffer
	done   chan error // the session's Wait
}

func (h *harness) open(w, ht int, stalled bool, env ...string) *client {
	h.t.Helper()
	conn, err := h.dial(gossh.PublicKeys(h.key))
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	c := &client{t: h.t, conn: conn, out: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	h.t.Cleanup(func() { conn.Close() })
	if c.sess, err = conn.NewSession(); err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(env); i += 2 {
		if err := c.sess.Setenv(env[i], env[i+1]); err != nil {
			h.t.Fatal(err)
		}
	}
	stdout, err := c.sess.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	c.sess.Stderr = c.stderr
	if c.stdin, err = c.sess.StdinPipe(); err != nil {
		h.t.Fatal(err)
	}
	if err := c.sess.RequestPty("xterm-256color", ht, w, gossh.TerminalModes{}); err != nil {
		h.t.Fatal(err)
	}
	if err := c.sess.Shell(); err != nil {
		h.t.Fatal(err)
	}
	copied := make(chan struct{}) // the output has been read to its end
	if stalled {
		close(copied)
	} else {
		go func() { io.Copy(c.out, stdout); close(copied) }()
	}
	// The session's end is reported once its output is all in c.out, so
	// that a test may look for the last bytes (the terminal restored).
	go func() {
		err := c.sess.Wait()
		<-copied
		c.done <- err
	}()
	return c
}

// text is the output so far without escape sequences.
func (c *client) text() string { return ansi.Strip(c.out.String()) }

// waitText waits until the output holds every string.
func (c *client) waitText(timeout time.Duration, want ...string) {
	c.t.Helper()
	waitFor(c.t, timeout, func() bool {
		s := c.text()
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, func() string { return "output lacks one of " + strings.Join(want, ", ") + ":\n" + c.text() })
}

// wait returns the session's end, failing after timeout.
func (c *client) wait(timeout time.Duration) error {
	c.t.Helper()
	select {
	case err := <-c.done:
		return err
	case <-time.After(timeout):
		c.t.Fatalf("session still open after %s", timeout)
		return nil
	}
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, msg())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sessions returns the server's running sessions, oldest first.
func (h *harness) sessions() []*session {
	h.srv.mu.Lock()
	defer h.srv.mu.Unlock()
	var out []*session
	for id := int64(1); id <= h.srv.nextID.Load(); id++ {
		if s, ok := h.srv.sessions[id]; ok {
			out = append(out, s)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}
