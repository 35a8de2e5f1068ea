package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/embedded/collector"
	"github.com/ttmon/ttmon/datasource/figures"
	"github.com/ttmon/ttmon/datasource/simulate"
)

func (a *app) demoCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "demo",
		Short: "Send a simulated TimeTracker fleet's traffic to a collector or PostHog",
		Long: `demo simulates a fleet of TimeTracker installations and their users and
sends their analytics with the real PostHog Go client: heartbeats, upgrades,
logins, timers, exports, errors, person properties and groups. It sends
--backfill of history first (with a progress bar), then live traffic that
follows the same model (per installation and hour of day; at most --rate
events per second) until interrupted. The same --seed gives the same fleet.

It works unchanged against ` + "`ttmon collect`" + ` and a real PostHog project (use an
ingestion host such as https://us.i.posthog.com and the project token).
With --otlp it sends the same fleet the way TimeTracker 5.x does instead:
one OTLP/HTTP JSON log record per request to --host/v1/logs.`,
		Example: `  ttmon demo --token phc_mytoken                       # to ttmon collect on 127.0.0.1:8010
  ttmon demo --host https://us.i.posthog.com --token phc_... --installs 50 --backfill 2d --rate 2
  ttmon demo --otlp --token mytoken --installs 50 --backfill 2d   # as TimeTracker 5.x sends (OTLP)`,
		Args: cobra.NoArgs,
		RunE: a.runDemo,
	}
	f := c.Flags()
	f.String("host", "http://127.0.0.1:8010", "where to send: a ttmon collector or a PostHog ingestion host")
	f.String("token", "", "project token (phc_...); for ttmon collect, one of its --token values")
	f.Int("installs", 500, "installations in the fleet")
	f.Int("users", 0, "users across the fleet (default 4 per installation: 2,000 for 500)")
	f.String("backfill", "7d", "history to send first (e.g. 7d, 36h, 0 for none)")
	f.Float64("rate", 20, "at most this many live events per second after the backfill (0: stop after the backfill)")
	f.Uint64("seed", 1, "fleet seed; the same seed gives the same fleet")
	f.Bool("gzip", false, "gzip request bodies")
	f.Bool("otlp", false, "send as TimeTracker 5.x does: one OTLP/HTTP JSON log record per request to --host/v1/logs")
	return c
}

func (a *app) runDemo(cmd *cobra.Command, _ []string) error {
	if err := a.setup(cmd, false); err != nil {
		return err
	}
	f := cmd.Flags()
	host, _ := f.GetString("host")
	token, _ := f.GetString("token")
	if token == "" {
		token = a.getenv("TTMON_DEMO_TOKEN")
	}
	if token == "" {
		return errors.New("no token: pass --token with the project token (for ttmon collect, one of its --token values)")
	}
	sc, err := simConfig(f)
	if err != nil {
		return err
	}
	sc.Host, sc.Token, sc.Logger = host, token, a.log
	return simulate.Run(cmd.Context(), sc, a.stderr)
}

func simConfig(f interface {
	GetInt(string) (int, error)
	GetString(string) (string, error)
	GetFloat64(string) (float64, error)
	GetUint64(string) (uint64, error)
	GetBool(string) (bool, error)
}) (simulate.Config, error) {
	var c simulate.Config
	c.Installs, _ = f.GetInt("installs")
	c.Users, _ = f.GetInt("users")
	if c.Users == 0 && c.Installs > 0 { // not set: the fleet's proportion
		c.Users = simulate.UsersFor(c.Installs)
	}
	c.Rate, _ = f.GetFloat64("rate")
	c.Seed, _ = f.GetUint64("seed")
	c.Gzip, _ = f.GetBool("gzip")
	c.OTLP, _ = f.GetBool("otlp")
	if c.Installs <= 0 || c.Users <= 0 {
		return c, errors.New("--installs and --users must be at least 1")
	}
	if c.Rate < 0 {
		return c, errors.New("--rate must be 0 (stop after the backfill) or more")
	}
	if c.Rate == 0 {
		c.Rate = -1 // simulate: negative means no live phase
	}
	bf, _ := f.GetString("backfill")
	if bf == "0" || bf == "" {
		c.Backfill = -1
	} else {
		d, err := datasource.ParseDuration(bf)
		if err != nil || d < 0 {
			return c, fmt.Errorf("--backfill %q: write a duration such as 7d or 36h, or 0 for none", bf)
		}
		c.Backfill = d
	}
	return c, nil
}

// demoOptions sizes an in-process demo.
type demoOptions struct {
	sim  simulate.Config
	live bool // keep sending live traffic after the backfill
}

func demoSnapshotOptions() demoOptions {
	return demoOptions{sim: simulate.Config{Installs: 500, Users: 2000, Backfill: 7 * 24 * time.Hour, Rate: -1, Seed: 1}}
}

// demo is an in-process collector on a loopback port with a throwaway store,
// fed by the simulator through real HTTP, exactly as a real fleet would be.
type demo struct {
	store  *embedded.Store
	srv    *http.Server
	dir    string
	cancel context.CancelFunc
	done   chan error
	// progress follows a live demo's backfill (demoSource shows it).
	progress simulate.Progress
}

// liveDemoOptions is the demo the monitor and `ttmon ssh --demo` watch:
// the snapshot's backfill, then live traffic.
func liveDemoOptions() *demoOptions {
	o := demoSnapshotOptions()
	o.live = true
	o.sim.Rate = 20
	return &o
}

// watched opens what a reading command shows: a fresh simulated fleet
// (when fleet is not nil) or the configured source, finished by the
// figures decorator (partial buckets, "latest" by ui.latest), and the
// filters its --filter and --cohort flags ask for. closeSrc releases the
// source.
func (a *app) watched(cmd *cobra.Command, fleet *demoOptions) (src datasource.Source, filters []datasource.Filter, closeSrc func(), err error) {
	exprs, _ := cmd.Flags().GetStringArray("filter")
	if filters, err = config.ParseFilters(exprs); err != nil {
		return nil, nil, nil, err
	}
	if fleet == nil {
		src, closeSrc, err = a.openSource(cmd.Context())
	} else {
		var d *demo
		if d, err = a.startDemo(cmd.Context(), *fleet, a.stderr); err == nil {
			src, closeSrc = d.source(fleet.live), func() { d.Close() }
		}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	src = figures.New(src, a.cfg.UI.Latest, figures.WithVersionProperty(a.cfg.Events.VersionProperty))
	if filters, err = a.withCohort(cmd, src, filters); err != nil {
		closeSrc()
		return nil, nil, nil, err
	}
	return src, filters, closeSrc, nil
}

// startDemo starts the collector and the simulated fleet. Without o.live
// it returns once the backfill is in (progress on w); with o.live at once,
// while the backfill and then live traffic flow until Close (see source).
func (a *app) startDemo(ctx context.Context, o demoOptions, w io.Writer) (*demo, error) {
	dir, err := os.MkdirTemp("", "ttmon-demo-")
	if err != nil {
		return nil, err
	}
	d := &demo{dir: dir, done: make(chan error, 1)}
	d.store, err = embedded.Open(filepath.Join(dir, "events.db"), embedded.WithMapping(a.cfg.Events), embedded.WithLogger(a.log))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("demo store: %w", err)
	}
	token := randomToken()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("demo collector: %w", err)
	}
	d.srv = collector.NewServer(ln.Addr().String(), collector.New(d.store, collector.WithTokens(token), collector.WithLogger(a.log)))
	go d.srv.Serve(ln)

	sc := o.sim
	sc.Host, sc.Token, sc.Logger = "http://"+ln.Addr().String(), token, a.log
	if !o.live {
		sc.Rate = -1
		err := simulate.Run(ctx, sc, w)
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("demo traffic: %w", err)
		}
		return d, nil
	}
	// Live: the monitor opens at once on the store while one fleet sends
	// its backfill, then live traffic, in the background until Close. The
	// backfill's progress goes to the monitor's header (demoSource), never
	// to the terminal the monitor has taken over.
	lctx, cancel := context.WithCancel(ctx)
	d.cancel = cancel
	sc.Progress = &d.progress
	go func() {
		err := simulate.Run(lctx, sc, io.Discard)
		if err != nil {
			a.log.Error("demo traffic stopped", "err", err)
		}
		d.done <- err
	}()
	return d, nil
}

// Close stops traffic and the collector and deletes the throwaway store.
func (d *demo) Close() error {
	if d.cancel != nil {
		d.cancel()
		<-d.done
	}
	if d.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		d.srv.Shutdown(ctx)
		cancel()
	}
	if d.store != nil {
		d.store.Close()
	}
	return os.RemoveAll(d.dir)
}

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "phc_demo_" + hex.EncodeToString(b)
}
