package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/pflag"

	"github.com/ttmon/ttmon/datasource/embedded/collector"
)

// addCollectOpsFlags adds the flags for TLS and metrics.
func addCollectOpsFlags(f *pflag.FlagSet) {
	f.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain); re-read when it changes")
	f.String("tls-key", "", "the certificate's PEM private key; re-read when it changes")
	f.Bool("insecure-http", false, "allow plain HTTP on an address other machines can reach (tokens travel in clear text)")
	f.String("metrics-listen", "", "serve /metrics, /healthz and /readyz on this address instead of --listen (\":9108\" means 127.0.0.1:9108)")
}

// collectTLS loads the certificate when one is configured (nil otherwise).
func (a *app) collectTLS() (*tls.Config, error) {
	c := a.cfg.Collect
	if c.TLSCert == "" {
		return nil, nil
	}
	r, err := collector.NewCertReloader(c.TLSCert, c.TLSKey, a.log)
	if err != nil {
		return nil, err
	}
	return r.TLSConfig(), nil
}

// guardPlainHTTP refuses plain HTTP on an address other machines reach,
// unless --insecure-http says so: every request carries a project token.
func (a *app) guardPlainHTTP(addr net.Addr, tlsOn bool) error {
	if tlsOn || isLoopback(addr) {
		return nil
	}
	if !a.cfg.Collect.InsecureHTTP {
		return fmt.Errorf("refusing to serve plain HTTP on %s, which other machines can reach: every request carries a project token. Give --tls-cert and --tls-key, put a TLS-terminating proxy in front and listen on 127.0.0.1, or pass --insecure-http on a network you trust", addr)
	}
	fmt.Fprintf(a.stderr, "ttmon: warning: --insecure-http: serving plain HTTP on %s; tokens and events travel in clear text\n", addr)
	return nil
}

// metricsAddr reads --metrics-listen: a bare ":port" means loopback, like
// every other address ttmon listens on by default.
func metricsAddr(s string) string {
	if strings.HasPrefix(s, ":") {
		return "127.0.0.1" + s
	}
	return s
}

// startLine says what the collector is doing, once, on stderr.
func startLine(scheme string, ln net.Addr, db string, events int64, tokens int, ops string) string {
	stored := "unknown"
	if events >= 0 {
		stored = humanize.Comma(events)
	}
	return fmt.Sprintf("ttmon collect: listening on %s://%s, storing into %s (%s events), %d token(s); endpoints %s; %s",
		scheme, ln, db, stored, tokens, strings.Join(collector.Endpoints(), " "), ops)
}

// summary is the line printed on shutdown.
func summary(s collector.Stats, up time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ttmon collect: stopped after %s: %s events accepted, %s duplicates, %s dropped",
		up.Round(time.Second), humanize.Comma(int64(s.EventsStored)), humanize.Comma(int64(s.EventsDuplicate)), humanize.Comma(int64(s.EventsDropped)))
	var total uint64
	for _, n := range s.Rejects {
		total += n
	}
	fmt.Fprintf(&b, "; %s requests rejected", humanize.Comma(int64(total)))
	if total > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.Rejects)) {
			parts = append(parts, fmt.Sprintf("%s %s", k, humanize.Comma(int64(s.Rejects[k]))))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	return b.String()
}

// serveAll serves srv on ln and, when msrv is not nil, the metrics server
// on mln, until ctx ends or one of them fails.
func serveAll(ctx context.Context, srv *http.Server, ln net.Listener, msrv *http.Server, mln net.Listener) error {
	if msrv == nil {
		return serveUntilDone(ctx, srv, ln)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	merr := make(chan error, 1)
	go func() {
		merr <- serveUntilDone(ctx, msrv, mln)
		cancel() // a metrics server that fails takes the collector down: the operator asked for both
	}()
	err := serveUntilDone(ctx, srv, ln)
	cancel()
	if e := <-merr; err == nil && !errors.Is(e, http.ErrServerClosed) {
		err = e
	}
	return err
}

// writeLine prints s and a newline; errors writing to stderr are ignored.
func writeLine(w io.Writer, s string) { fmt.Fprintln(w, s) }
