// Package sshserve serves ttmon's monitor to SSH clients: every session
// gets its own Bubble Tea program (its own window size, colours, range,
// filters and drill state) drawn on the client's terminal, while all
// sessions read one datasource.Source, which the caller wraps in
// datasource/shared so that viewers of the same view share one backend
// query per interval.
//
// Only public keys listed in an authorized_keys file get in; there is no
// password or keyboard-interactive authentication. Connections are
// rate-limited per address before the handshake, sessions are capped,
// closed after a time without input, and a client that stops reading
// stalls its own session only: nothing shared is held while writing to a
// client. Everything is logged to the given slog.Logger, never to the
// server's terminal.
package sshserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui"
)

// Defaults of Options' zero values.
const (
	DefaultIdleTimeout      = 30 * time.Minute
	DefaultMaxSessions      = 32
	DefaultRateBurst        = 10
	DefaultRateEvery        = 6 * time.Second
	DefaultHandshakeTimeout = 30 * time.Second
	DefaultKeepAlive        = 30 * time.Second
	// DefaultQuitGrace is how long a session has to quit cleanly (leave
	// the alternate screen, show the cursor) at shutdown or idle timeout
	// before its connection is cut.
	DefaultQuitGrace = 2 * time.Second
)

// Options configures a Server.
type Options struct {
	// HostKeyPath is the private host key; generated if missing.
	HostKeyPath string
	// AuthorizedKeysPath lists the public keys that may connect.
	AuthorizedKeysPath string
	// IdleTimeout closes a session after this long without input from
	// its user (keys or resizes). 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxSessions caps sessions open at once. 0 means DefaultMaxSessions.
	MaxSessions int
	// RateBurst connections are accepted from one address at once, then
	// one per RateEvery. 0 means the defaults.
	RateBurst int
	RateEvery time.Duration
	// HandshakeTimeout drops a connection that has not authenticated in
	// time. 0 means DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// KeepAlive is how often a client is asked whether it is still there;
	// one that does not answer within three intervals is disconnected.
	// 0 means DefaultKeepAlive, less than 0 turns it off.
	KeepAlive time.Duration
	// QuitGrace: see DefaultQuitGrace. 0 means the default.
	QuitGrace time.Duration
	// UI is every session's starting point. Profile, NoColor and Theme
	// are set per session from the client's terminal.
	UI tui.Options
	// Logger receives connection and session events; nil discards.
	Logger *slog.Logger

	clock clock // the idle timer's; nil means the wall clock (tests set one)
}

func (o Options) withDefaults() Options {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
	if o.RateEvery <= 0 {
		o.RateEvery = DefaultRateEvery
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.QuitGrace <= 0 {
		o.QuitGrace = DefaultQuitGrace
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.clock == nil {
		o.clock = wallClock{}
	}
	return o
}

// Server is the SSH server. Create it with New, run it with Serve, stop it
// with Shutdown.
type Server struct {
	src     datasource.Source
	o       Options
	log     *slog.Logger
	ssh     *ssh.Server
	hostKey HostKey
	keys    *authorizedKeys
	limit   *limiter
	port    string // for the "ssh -t -p PORT" hint

	quit     chan struct{} // closed by Shutdown: sessions quit
	quitOnce sync.Once
	active   sync.WaitGroup // tracked sessions running; Add under mu
	nextID   atomic.Int64

	mu       sync.Mutex
	sessions map[int64]*session
	serving  chan struct{} // closed when Serve returns; nil before Serve; under mu
	ln       net.Listener  // Serve's listener; under mu
}

// New checks the host key (generating it if missing) and the authorized
// keys file, and builds the server. It does not listen yet.
func New(src datasource.Source, o Options) (*Server, error) {
	o = o.withDefaults()
	hk, err := EnsureHostKey(o.HostKeyPath)
	if err != nil {
		return nil, err
	}
	keys, err := loadAuthorizedKeys(o.AuthorizedKeysPath, o.Logger)
	if err != nil {
		return nil, err
	}
	s := &Server{
		src: src, o: o, log: o.Logger, hostKey: hk, keys: keys,
		limit: newLimiter(o.RateBurst, o.RateEvery, time.Now),
		quit:  make(chan struct{}), sessions: map[int64]*session{},
	}
	s.ssh, err = wish.NewServer(
		wish.WithHostKeyPath(o.HostKeyPath),
		wish.WithVersion("ttmon"),
		// No password or keyboard-interactive handler: with a public key
		// handler set, those methods are simply not offered.
		wish.WithPublicKeyAuth(s.authorize),
		// The connection-level deadline catches a peer that vanished
		// without a word; the session's own idle timer, on input only,
		// closes it politely first.
		wish.WithIdleTimeout(o.IdleTimeout+time.Minute),
		wish.WithMiddleware(s.handle),
		func(srv *ssh.Server) error {
			srv.ConnCallback = s.admit
			srv.ConnectionFailedCallback = s.connFailed
			return nil
		},
	)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// HostKey is the server's key, for the startup message and known_hosts.
func (s *Server) HostKey() HostKey { return s.hostKey }

// Serve accepts connections on ln until Shutdown; it then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	if _, port, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		s.port = port
	}
	// Shutdown closes ln itself and waits for Serve to return before it
	// shuts the ssh server down: the ssh server counts its listeners in a
	// WaitGroup that must not be added to while Shutdown waits on it.
	s.mu.Lock()
	select {
	case <-s.quit:
		s.mu.Unlock()
		ln.Close()
		return nil
	default:
	}
	done := make(chan struct{})
	s.ln, s.serving = ln, done
	s.mu.Unlock()
	defer close(done)

	s.log.Info("ssh listening", "addr", ln.Addr().String(), "host_key", s.hostKey.Fingerprint())
	err := s.ssh.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	select {
	case <-s.quit:
		return nil // the listener was closed by Shutdown
	default:
		return err
	}
}

// Shutdown stops accepting connections, asks every session to quit (each
// program leaves the alternate screen and restores the client's
// terminal, and the client is told why), waits for them within ctx, and
// then closes every connection still open.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock() // after this no session can register (see track), and Serve cannot start
	s.quitOnce.Do(func() { close(s.quit) })
	ln, serving := s.ln, s.serving
	s.mu.Unlock()
	if ln != nil {
		ln.Close() // no new connections; the ones open carry on
		select {
		case <-serving:
		case <-ctx.Done():
		}
	}
	done := make(chan struct{})
	go func() { s.active.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("sessions still open at the deadline: %w", ctx.Err())
	}
	// Clients hang up once their session has ended; give them a moment,
	// so that ssh reports a normal close rather than "closed by remote
	// host", then close the listener and whatever is still connected.
	hctx, hcancel := context.WithTimeout(ctx, time.Second)
	s.ssh.Shutdown(hctx)
	hcancel()
	if cerr := s.ssh.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	s.log.Info("ssh stopped", "err", err)
	return err
}

// closing reports whether Shutdown has begun.
func (s *Server) closing() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// admit runs before the handshake: rate limit per address, and a deadline
// for authenticating.
func (s *Server) admit(ctx ssh.Context, c net.Conn) net.Conn {
	addr := remoteAddr(c.RemoteAddr())
	if s.closing() {
		return nil
	}
	if ok, first := s.limit.allow(addr); !ok {
		if first {
			s.log.Warn("connections rate-limited", "addr", addr.String(), "burst", s.o.RateBurst, "every", s.o.RateEvery)
		}
		return nil
	}
	time.AfterFunc(s.o.HandshakeTimeout, func() {
		if ctx.Value(ssh.ContextKeyConn) == nil { // set once the handshake is done
			c.Close()
		}
	})
	return c
}

// authorize is the public key handler.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	addr := remoteAddr(ctx.RemoteAddr())
	ok, comment := s.keys.allow(key, addr)
	if !ok {
		s.log.Info("ssh key refused", "addr", addr.String(), "user", ctx.User(), "key", gossh.FingerprintSHA256(key))
		return false
	}
	s.log.Debug("ssh key accepted", "addr", addr.String(), "user", ctx.User(), "key", gossh.FingerprintSHA256(key), "comment", comment)
	return true
}

// connFailed logs handshakes that did not complete (wrong key, no key,
// password tried, timeout).
func (s *Server) connFailed(c net.Conn, err error) {
	s.log.Info("ssh handshake failed", "addr", remoteAddr(c.RemoteAddr()).String(), "err", err)
}

// track registers a running session; it returns false when the cap is
// reached or the server is stopping.
func (s *Server) track(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.o.MaxSessions || s.closing() {
		return false
	}
	sess.id = s.nextID.Add(1)
	s.sessions[sess.id] = sess
	s.active.Add(1)
	return true
}

func (s *Server) untrack(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess.id)
	s.mu.Unlock()
	s.active.Done()
}
