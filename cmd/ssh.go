package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/datasource/shared"
	"github.com/ttmon/ttmon/sshserve"
	"github.com/ttmon/ttmon/tui"
)

func (a *app) sshCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "ssh",
		Short: "Serve the live monitor to SSH clients",
		Long: `ssh serves the live monitor over SSH: every client gets the full UI in its
own terminal, with its own window size, colours, range, filters and drill
state, while sessions watching the same view share one backend query per
poll interval.

Only the public keys in --authorized-keys may connect (OpenSSH format; the
file is re-read when it changes). There is no password login. The host key
is generated at --host-key on first start (mode 0600). Sessions without
input for --idle-timeout are closed. Connections and sessions are logged
to --log only.

These settings also live in the config file's ssh: block and in
TTMON_SSH_LISTEN, TTMON_SSH_HOST_KEY, TTMON_SSH_AUTHORIZED_KEYS,
TTMON_SSH_IDLE_TIMEOUT and TTMON_SSH_MAX_SESSIONS. The monitor flags (--range, --interval, --filter, ...) set every session's
starting view. It runs until interrupted, then ends every session cleanly.`,
		Example: `  ttmon ssh --log /var/log/ttmon.log        # then: ssh -p 2222 <this host>
  ttmon ssh --demo --authorized-keys ./team.pub
  ttmon ssh --listen 0.0.0.0:2222 --host-key /var/lib/ttmon/ssh_host_ed25519 --idle-timeout 2h`,
		Args: cobra.NoArgs,
		RunE: a.runSSH,
	}
	f := c.Flags()
	f.String("listen", "", "address to listen on (default 127.0.0.1:2222)")
	f.String("host-key", "", "host key file, generated if missing (default $XDG_DATA_HOME/ttmon/ssh_host_ed25519)")
	f.String("authorized-keys", "", "public keys allowed to connect (default ~/.ssh/authorized_keys)")
	f.String("idle-timeout", "", "close sessions without input for this long (default 30m)")
	f.Int("max-sessions", 0, fmt.Sprintf("sessions open at once (default %d)", sshserve.DefaultMaxSessions))
	a.addTUIFlags(f)
	return c
}

// sshSettings are the ssh command's settings as the server takes them.
type sshSettings struct {
	listen string
	opts   sshserve.Options
}

func expandHome(p string) string {
	if rest, ok := cutHome(p); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

func cutHome(p string) (string, bool) {
	if p == "~" {
		return "", true
	}
	if len(p) > 1 && p[0] == '~' && p[1] == '/' {
		return p[2:], true
	}
	return "", false
}

func (a *app) runSSH(cmd *cobra.Command, _ []string) error {
	demo, _ := cmd.Flags().GetBool("demo")
	// NO_COLOR speaks for the terminal ttmon ssh was started in, which
	// shows no monitor; each viewer's own comes with their session
	// (sshserve). --no-color, TTMON_NO_COLOR and ui.no_color still turn
	// colour off for every viewer.
	getenv := a.getenv
	a.getenv = func(k string) string {
		if k == "NO_COLOR" {
			return ""
		}
		return getenv(k)
	}
	if err := a.setup(cmd, !demo); err != nil {
		return err
	}
	a.logWarningsToStderr()
	if demo {
		// The source settings are not used, but ssh's own must be sound.
		if err := a.cfg.SSH.Validate(); err != nil {
			return fmt.Errorf("invalid settings:\n%w", indent(err))
		}
	}
	// Every session starts on --dashboard (checked before any key or
	// source is touched).
	if err := a.readDashboard(cmd); err != nil {
		return err
	}
	sc := a.cfg.SSH
	settings := sshSettings{listen: sc.Listen, opts: sshserve.Options{
		HostKeyPath:        expandHome(sc.HostKey),
		AuthorizedKeysPath: expandHome(sc.AuthorizedKeys),
		IdleTimeout:        time.Duration(sc.IdleTimeout),
		MaxSessions:        sc.MaxSessions,
	}}
	// Refuse to start without keys before a demo backfill or a remote
	// source is set up for nobody to watch.
	nkeys, err := sshserve.CheckAuthorizedKeys(settings.opts.AuthorizedKeysPath, a.log)
	if err != nil {
		return err
	}
	var live *demoOptions
	if demo {
		live = liveDemoOptions()
	}
	a.monitor = true
	src, filters, closeSrc, err := a.watched(cmd, live)
	if err != nil {
		return err
	}
	defer closeSrc()
	ctx := cmd.Context()

	ui := a.tuiOptions(filters)
	ui.Bell, _ = cmd.Flags().GetBool("bell") // rings each viewer's own terminal
	interval := ui.Interval
	if interval <= 0 {
		interval = tui.DefaultInterval
	}
	// One answer per view and interval, whoever asks: N viewers of the
	// same view cost the backend what one costs. Over PostHog the interval
	// is the query budget's when longer (shared follows the pacer, and so
	// does every session's poller).
	sh := shared.New(src, interval)
	o := settings.opts
	o.UI, o.Logger = ui, a.log
	srv, err := sshserve.New(sh, o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", settings.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another ttmon ssh running? choose another --listen)", settings.listen, err)
	}
	fmt.Fprintf(a.stderr, "ttmon ssh: %d authorized key(s) in %s\n", nkeys, o.AuthorizedKeysPath)
	return a.serveSSH(ctx, srv, sh, ln)
}

// serveSSH announces the server, serves until ctx ends (SIGINT/SIGTERM),
// then ends every session: each client's terminal is restored and told
// why before its connection closes.
func (a *app) serveSSH(ctx context.Context, srv *sshserve.Server, sh *shared.Source, ln net.Listener) error {
	hk := srv.HostKey()
	if hk.Created {
		fmt.Fprintf(a.stderr, "ttmon ssh: generated host key %s\n", hk.Path)
	}
	if !isLoopback(ln.Addr()) {
		fmt.Fprintf(a.stderr, "ttmon ssh: warning: listening on %s, reachable from other machines; anyone whose key is in the authorized keys file can watch your telemetry\n", ln.Addr())
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	fmt.Fprintf(a.stderr, "ttmon ssh: listening on %s, host key %s\n  connect with: ssh -p %s <this host>\n", ln.Addr(), hk.Fingerprint(), port)
	a.log.Info("ssh start", "listen", ln.Addr().String(), "host_key", hk.Fingerprint())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ssh: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) {
		err = serr
	}
	st := sh.Stats()
	fmt.Fprintf(a.stderr, "ttmon ssh: stopped; %d backend queries answered %d requests\n", st.Calls, st.Calls+st.Shared)
	a.log.Info("ssh stop", "backend_calls", st.Calls, "shared_answers", st.Shared)
	if err != nil {
		return fmt.Errorf("ssh shutdown: %w", err)
	}
	return nil
}
