package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/embedded/collector"
)

func (a *app) collectCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "collect",
		Short: "Receive PostHog capture traffic into the embedded store",
		Long: `collect runs a PostHog-compatible capture endpoint (/batch/, /capture/, /e/,
/i/v0/e/, /track/, /engage/, /flags/, /decide/) and stores every accepted
event in the embedded store. Point TimeTracker at it:

  POSTHOG_HOST=http://<this machine>:8010  POSTHOG_API_KEY=<one of the --token values>

TimeTracker 5.x sends OTLP/HTTP log records instead; /v1/logs takes them:

  OTEL_EXPORTER_OTLP_ENDPOINT=http://<this machine>:8010  OTEL_EXPORTER_OTLP_TOKEN=<one of the --token values>

A 200 answer means the events are committed to disk. Requests with a
missing or unknown token get 401. It listens on loopback unless --listen
says otherwise. On any other address it serves HTTPS (--tls-cert and
--tls-key, re-read when renewed) or refuses to start, unless a
TLS-terminating proxy sits in front and --insecure-http says so.

Beside the capture routes: /healthz (alive), /readyz (store writable, index
caught up) and /metrics (Prometheus), or on --metrics-listen. On stop it
prints what it accepted, what it refused and why.`,
		Example: `  ttmon collect --token phc_mytoken
  ttmon collect --listen 0.0.0.0:8443 --tls-cert /etc/ttmon/cert.pem --tls-key /etc/ttmon/key.pem --token phc_a
  ttmon collect --db /var/lib/ttmon/events.db --token phc_a --token phc_b --metrics-listen :9108`,
		Args: cobra.NoArgs,
		RunE: a.runCollect,
	}
	f := c.Flags()
	f.String("listen", "", "address to listen on (default 127.0.0.1:8010)")
	f.StringArray("token", nil, "project token (phc_...) to accept; repeatable")
	addCollectOpsFlags(f)
	return c
}

func (a *app) runCollect(cmd *cobra.Command, _ []string) error {
	if err := a.setup(cmd, true); err != nil {
		return err
	}
	a.logWarningsToStderr()
	if len(a.cfg.Collect.Tokens) == 0 {
		return errors.New("no project token: give one with --token phc_... (or TTMON_TOKENS); TimeTracker sends it as POSTHOG_API_KEY")
	}
	ctx := cmd.Context()
	tlsCfg, err := a.collectTLS()
	if err != nil {
		return err
	}
	metrics := collector.NewMetrics()
	st, err := a.openStore(ctx, true, embedded.WithCommitHook(metrics.ObserveCommit))
	if err != nil {
		return err
	}
	defer st.Close()
	metrics.WatchStore(st)
	col := collector.New(st, collector.WithTokens(a.cfg.Collect.Tokens...), collector.WithLogger(a.log), collector.WithMetrics(metrics))
	ln, err := net.Listen("tcp", a.cfg.Collect.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another collector running? choose another --listen)", a.cfg.Collect.Listen, err)
	}
	if err := a.guardPlainHTTP(ln.Addr(), tlsCfg != nil); err != nil {
		ln.Close()
		return err
	}
	ops := collector.Ops{Probe: st, Metrics: metrics}
	srv := collector.NewServer(a.cfg.Collect.Listen, col)
	srv.Handler = ops.Wrap(col, a.cfg.Collect.MetricsListen == "")
	scheme := "http"
	if tlsCfg != nil {
		scheme, srv.TLSConfig, ln = "https", tlsCfg, tls.NewListener(ln, tlsCfg)
	}
	opsLine := "/healthz /readyz /metrics"
	var msrv *http.Server
	var mln net.Listener
	if addr := a.cfg.Collect.MetricsListen; addr != "" {
		if mln, err = net.Listen("tcp", metricsAddr(addr)); err != nil {
			ln.Close()
			return fmt.Errorf("cannot listen on --metrics-listen %s: %w", addr, err)
		}
		msrv = collector.NewServer(mln.Addr().String(), ops.Handler())
		opsLine = fmt.Sprintf("/healthz /readyz /metrics on http://%s", mln.Addr())
	}
	n := int64(-1)
	if stats, err := st.Stats(ctx); err == nil {
		n = stats.Events
	}
	started := a.now()
	writeLine(a.stderr, startLine(scheme, ln.Addr(), st.Path(), n, len(a.cfg.Collect.Tokens), opsLine))
	a.log.Info("collect start", "listen", ln.Addr().String(), "db", st.Path(), "tls", tlsCfg != nil)
	err = serveAll(ctx, srv, ln, msrv, mln)
	writeLine(a.stderr, summary(col.Stats(), a.now().Sub(started)))
	return err
}

// serveUntilDone serves until ctx is cancelled, then lets requests in flight
// finish (their events are committed or refused, never half-acknowledged).
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// digests is how a store keeps its digests: in the background for the
// monitor and `ttmon ssh`, not at all for a process that asks once.
func digests(monitor bool) embedded.Option {
	if monitor {
		return embedded.WithDigests(embedded.DigestsBackground)
	}
	return embedded.WithDigests(embedded.DigestsOff)
}

// openStore opens the configured embedded store. Readers (the monitor,
// snapshot) refuse to invent an empty store where none exists: that is
// almost always a wrong --db.
func (a *app) openStore(_ context.Context, create bool, extra ...embedded.Option) (*embedded.Store, error) {
	path := a.cfg.Embedded.DB
	if !create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s: start `ttmon collect --token phc_...` to create one, pass --db, or try `ttmon --demo`", path)
		}
	}
	opts := append([]embedded.Option{embedded.WithMapping(a.cfg.Events), embedded.WithLogger(a.log),
		embedded.WithPrefetch(a.monitor && !create), digests(a.monitor), embedded.WithHugePages(!create),
		embedded.WithLean(!a.monitor && !create)}, extra...)
	st, err := embedded.Open(path, opts...)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// The store settles events.preset (auto: TimeTracker 4.x or 5.x by what
	// it holds); drills, cohorts and check follow the mapping it settled on.
	a.cfg.Events = st.Mapping()
	return st, nil
}
