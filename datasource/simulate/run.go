package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"
)

// Config configures Run and NewSender. Zero values get the defaults noted.
type Config struct {
	// Host is where events go: `ttmon collect`'s address, a self-hosted
	// PostHog, or an ingestion host such as https://us.i.posthog.com.
	// Required, so that a forgotten flag never sends a demo fleet to
	// PostHog Cloud.
	Host string
	// Token is the project API key (phc_...). Required: posthog-go turns
	// into a silent no-op without one.
	Token string
	// Installs and Users size the fleet (defaults 500, and four users per
	// installation: UsersFor).
	Installs, Users int
	// Backfill is how much history is sent first (default 7 days; negative:
	// none).
	Backfill time.Duration
	// Rate caps live traffic in events per second (default 20); negative:
	// stop after the backfill. Live traffic follows the same model as the
	// backfill (per installation and hour of day), so it is never sped up
	// to reach Rate: 500 installations send about 0.3-0.6 ev/s. Only a
	// fleet whose own pace exceeds Rate is slowed down to it. Mind PostHog
	// Cloud's pricing: 20 ev/s is 1.7M events a day.
	Rate float64
	// Seed selects the fleet; the same Seed and Clock give the same events.
	Seed uint64
	// Clock is "now" (default time.Now). The fleet is anchored to its value
	// when Run starts; live traffic is stamped with it.
	Clock func() time.Time
	// BatchSize is the number of events per /batch/ request (default 250;
	// posthog-go also splits batches above 500 KB).
	BatchSize int
	// Interval is how long a partial batch waits before it is sent
	// (default 1s), which bounds how late live events show up.
	Interval time.Duration
	// Retries is posthog-go's retry count per batch (default 3; negative:
	// none).
	Retries int
	// Gzip compresses request bodies, as posthog-go's CompressionGzip.
	Gzip bool
	// HistoricalMigration sends backfill events older than 48 hours with
	// posthog-go's HistoricalMigration flag, PostHog's import path for
	// large historical loads (it requires events at least 48 h old and,
	// on PostHog Cloud, a paid plan; see posthog.com/docs/migrate). Newer
	// and live events always go the normal way. Off by default: a demo
	// backfill is small, and `ttmon collect` ignores the flag.
	HistoricalMigration bool
	// BackfillDone, when set, is called once the backfill has been
	// delivered (or skipped), before live traffic starts: a caller that runs
	// Run in the background learns when the history is in place.
	BackfillDone func()
	// Progress, when set, follows the backfill for a caller that shows it
	// elsewhere than on Run's progress writer (the monitor's header).
	Progress *Progress
	// OTLP sends every event as TimeTracker 5.x does (OTLPSender: one
	// OTLP/HTTP JSON log record per request to Host/v1/logs) instead of
	// with posthog-go.
	OTLP bool
	// Logger receives posthog-go's and the simulator's logs (default:
	// discarded; nothing is ever written to stderr).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Installs <= 0 {
		c.Installs = 500
	}
	if c.Users <= 0 {
		c.Users = UsersFor(c.Installs)
	}
	if c.Backfill == 0 {
		c.Backfill = 7 * 24 * time.Hour
	}
	if c.Rate == 0 {
		c.Rate = 20
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 250
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validateTransport() error {
	switch {
	case c.Host == "":
		return errors.New("simulate: no host: set the collector or PostHog address to send to")
	case c.Token == "":
		return errors.New("simulate: no project token: set the PostHog project API key (any string for ttmon collect)")
	}
	return nil
}

// redactHost drops any user:password from a host URL before it is shown.
func redactHost(host string) string {
	u, err := url.Parse(host)
	if err != nil || u.User == nil {
		return host
	}
	u.User = nil
	return u.String()
}

// liveTick is how often live traffic is generated and handed to the client.
const liveTick = 200 * time.Millisecond

// Run simulates a TimeTracker fleet against cfg.Host: it sends the backfill
// (with a progress bar on progress, which may be nil), then live traffic,
// the same model's, capped at cfg.Rate, until ctx is cancelled. It returns
// nil when every event was delivered, and an error counting the failures
// otherwise; if the backfill delivered nothing at all it stops there rather
// than going live.
func Run(ctx context.Context, cfg Config, progress io.Writer) error {
	cfg = cfg.withDefaults()
	if err := cfg.validateTransport(); err != nil {
		cfg.Progress.end(err)
		return err
	}
	if progress == nil {
		progress = io.Discard
	}
	anchor := cfg.Clock().UTC().Truncate(time.Millisecond)
	model := NewModel(ModelConfig{Seed: cfg.Seed, Now: anchor, Installs: cfg.Installs, Users: cfg.Users})
	snd, err := newDeliverer(cfg)
	if err != nil {
		cfg.Progress.end(err)
		return err
	}
	from := anchor
	if cfg.Backfill > 0 {
		from = anchor.Add(-cfg.Backfill)
	}
	host := redactHost(cfg.Host)
	fmt.Fprintf(progress, "simulate: %d installations, %d users, sending to %s\n", cfg.Installs, cfg.Users, host)
	cfg.Logger.Info("simulate start", "installs", cfg.Installs, "users", cfg.Users, "host", host,
		"from", from, "seed", cfg.Seed)
	stream := model.Stream(from)
	err = sendBackfill(ctx, model, stream, from, anchor, snd, progress, cfg.Progress)
	cfg.Progress.end(err)
	if err == nil && cfg.BackfillDone != nil {
		cfg.BackfillDone()
	}
	if err == nil && cfg.Rate > 0 && ctx.Err() == nil {
		err = runLive(ctx, stream, snd, cfg, progress)
	}
	return finish(snd, err, progress, cfg.Logger)
}

// deliverer is what Run needs of a Sender or an OTLPSender.
type deliverer interface {
	Send(ctx context.Context, e Event) error
	Flush(ctx context.Context) error
	Stats() Stats
	Close() error
}

func newDeliverer(cfg Config) (deliverer, error) {
	if cfg.OTLP {
		return NewOTLPSender(cfg)
	}
	return NewSender(cfg)
}

// sendBackfill sends the window [from, anchor) and waits until the server
// has answered for all of it.
func sendBackfill(ctx context.Context, m *Model, st *Stream, from, anchor time.Time, snd deliverer, w io.Writer, p *Progress) error {
	if !from.Before(anchor) {
		return nil
	}
	var total int64
	sel, selective := snd.(interface{ Sends(Event) bool })
	for e := range m.Backfill(from, anchor) {
		if !selective || sel.Sends(e) {
			total++
		}
	}
	p.start(total)
	bar := newBar(w, "backfill", total)
	for e := range st.Until(anchor) {
		if err := snd.Send(ctx, e); err != nil {
			break
		}
		stats := snd.Stats()
		p.delivered(stats.Delivered)
		bar.update(stats, false)
	}
	if err := snd.Flush(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	stats := snd.Stats()
	p.delivered(stats.Delivered)
	bar.update(stats, true)
	bar.done(stats)
	if stats.Delivered == 0 && stats.Failed > 0 {
		return fmt.Errorf("simulate: the backfill failed: none of %d events was delivered to the host (last error: %v)",
			stats.Sent, stats.LastErr)
	}
	return nil
}

// runLive generates the stream "around now" in real time until ctx ends.
func runLive(ctx context.Context, st *Stream, snd deliverer, cfg Config, w io.Writer) error {
	goLive(st, cfg)
	status := newLiveStatus(w)
	tick := time.NewTicker(liveTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			status.done(snd.Stats())
			return nil
		case <-tick.C:
		}
		for e := range st.Until(cfg.Clock()) {
			if snd.Send(ctx, e) != nil {
				break
			}
		}
		status.update(snd.Stats())
	}
}

// goLive turns a backfilled stream into live traffic: the model's own pace,
// capped at cfg.Rate. It never speeds the fleet up to a target, which made
// a demo's current hour hold many times the errors and timers of the hours
// before it.
func goLive(st *Stream, cfg Config) { st.LimitRate(cfg.Rate) }

// finish waits briefly for events still in flight, closes the client and
// turns the counts into Run's result.
func finish(snd deliverer, err error, w io.Writer, log *slog.Logger) error {
	fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	ferr := snd.Flush(fctx)
	cancel()
	cerr := snd.Close()
	s := snd.Stats()
	log.Info("simulate done", "sent", s.Sent, "delivered", s.Delivered, "failed", s.Failed)
	fmt.Fprintf(w, "simulate: %s events sent, %s delivered, %s failed\n", groupDigits(s.Sent), groupDigits(s.Delivered), groupDigits(s.Failed))
	if err != nil {
		return err
	}
	if lost := s.Failed + s.Pending(); lost > 0 {
		return fmt.Errorf("simulate: %d of %d events were not delivered (last error: %v)", lost, s.Sent, s.LastErr)
	}
	if ferr != nil {
		return ferr
	}
	if cerr != nil {
		return fmt.Errorf("simulate: closing the posthog client: %w", cerr)
	}
	return nil
}
