package simulate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posthog/posthog-go"
)

// historicalAge is how old PostHog wants events sent as a historical
// migration to be (posthog.com/docs/migrate).
const historicalAge = 48 * time.Hour

// Sender delivers model events with the real posthog-go client, so what a
// PostHog project or `ttmon collect` receives is exactly what TimeTracker's
// SDK traffic looks like. It counts every delivery and failure the client
// reports: a demo that silently drops events is a bug.
//
// posthog-go's Enqueue never blocks; when its queue is full it drops the
// event. Send therefore keeps at most a fixed number of events in flight
// and waits for the client's callbacks before enqueuing more.
type Sender struct {
	client, hist posthog.Client
	clock        func() time.Time
	inFlight     chan struct{}
	log          *slog.Logger

	sent, delivered, failed atomic.Int64
	mu                      sync.Mutex
	lastErr                 error
}

// Stats counts a Sender's events.
type Stats struct {
	// Sent events were handed to the client.
	Sent int64
	// Delivered events were accepted by the server.
	Delivered int64
	// Failed events were given up on: rejected, undeliverable after the
	// client's retries, or refused by the client.
	Failed int64
	// LastErr is the most recent failure's cause.
	LastErr error
}

// Pending is the number of events sent but not yet delivered or failed.
func (s Stats) Pending() int64 { return s.Sent - s.Delivered - s.Failed }

// NewSender creates the posthog-go client(s) for cfg.Host and cfg.Token.
func NewSender(cfg Config) (*Sender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validateTransport(); err != nil {
		return nil, err
	}
	s := &Sender{clock: cfg.Clock, log: cfg.Logger}
	limit := 8 * cfg.BatchSize
	s.inFlight = make(chan struct{}, limit)
	pc := posthog.Config{
		Endpoint:     strings.TrimRight(cfg.Host, "/"),
		Interval:     cfg.Interval,
		BatchSize:    cfg.BatchSize,
		MaxQueueSize: limit,
		MaxRetries:   posthog.Ptr(min(max(cfg.Retries, 0), 9)), // posthog-go's range
		Callback:     callback{s},
		Logger:       slogLogger{cfg.Logger},
		// Close must not hang a CLI forever on an unreachable host.
		ShutdownTimeout: 15 * time.Second,
		// posthog-go drops a batch ("too many requests are already
		// in-flight") when handing it to its senders takes longer than
		// this, and on a loaded machine its select can pick the expired
		// timer even though the queue had room. Send's in-flight limit
		// (8 batches) keeps the queue (1000) from filling, so waiting
		// is always right here.
		BatchSubmitTimeout: time.Hour,
	}
	if cfg.Gzip {
		pc.Compression = posthog.CompressionGzip
	}
	var err error
	if s.client, err = posthog.NewWithConfig(cfg.Token, pc); err != nil {
		return nil, fmt.Errorf("simulate: posthog client: %w", err)
	}
	if cfg.HistoricalMigration {
		pc.HistoricalMigration = true
		if s.hist, err = posthog.NewWithConfig(cfg.Token, pc); err != nil {
			s.client.Close()
			return nil, fmt.Errorf("simulate: posthog client: %w", err)
		}
	}
	return s, nil
}

// Send hands one event to the client. It blocks while too many events are
// in flight and returns ctx's error if ctx ends first. The event's maps are
// copied, so borrowed events from a Stream may be passed directly.
func (s *Sender) Send(ctx context.Context, e Event) error {
	select {
	case s.inFlight <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.sent.Add(1)
	client := s.client
	if s.hist != nil && e.Timestamp.Before(s.clock().Add(-historicalAge)) {
		client = s.hist
	}
	if err := client.Enqueue(message(e)); err != nil {
		// Refused before queueing: no callback will come for it.
		s.fail(fmt.Errorf("enqueue %s: %w", e.Name, err))
		return nil
	}
	return nil
}

// message converts an Event into the posthog-go call TimeTracker makes.
func message(e Event) posthog.Message {
	id := e.UUID.String()
	switch e.Kind {
	case KindIdentify:
		// TimeTracker passes {"$set": ..., "$set_once": ...} as the
		// properties of identify; posthog-go sends those as "$set", so the
		// wire carries the nested shape ttmon's collector must flatten.
		props := posthog.Properties{}
		if e.Set != nil {
			props["$set"] = cloneMap(e.Set)
		}
		if e.SetOnce != nil {
			props["$set_once"] = cloneMap(e.SetOnce)
		}
		return posthog.Identify{Uuid: id, DistinctId: e.DistinctID, Timestamp: e.Timestamp, Properties: props}
	case KindAlias:
		return posthog.Alias{Uuid: id, DistinctId: e.DistinctID, Alias: e.Alias, Timestamp: e.Timestamp}
	case KindGroupIdentify:
		return posthog.GroupIdentify{Uuid: id, Type: e.GroupType, Key: e.GroupKey,
			Timestamp: e.Timestamp, Properties: posthog.Properties(cloneMap(e.Properties))}
	}
	props := posthog.Properties(cloneMap(e.Properties))
	if props == nil {
		props = posthog.Properties{}
	}
	if e.Set != nil {
		props["$set"] = cloneMap(e.Set)
	}
	if e.SetOnce != nil {
		props["$set_once"] = cloneMap(e.SetOnce)
	}
	return posthog.Capture{Uuid: id, DistinctId: e.DistinctID, Event: e.Name, Timestamp: e.Timestamp,
		Properties: props, Groups: posthog.Groups(cloneMap(e.Groups))}
}

// Flush waits until every event sent so far has been delivered or has
// failed. posthog-go has no flush call of its own; its Interval timer sends
// the last partial batch.
func (s *Sender) Flush(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(s.inFlight) > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("simulate: flush: %d events still in flight: %w", len(s.inFlight), ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Stats reports the counts so far.
func (s *Sender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Sent: s.sent.Load(), Delivered: s.delivered.Load(), Failed: s.failed.Load(), LastErr: s.lastErr}
}

// Close flushes and closes the client(s). Events still undelivered when the
// client gives up count as failed.
func (s *Sender) Close() error {
	err := s.client.Close()
	if s.hist != nil {
		err = errors.Join(err, s.hist.Close())
	}
	if errors.Is(err, posthog.ErrClosed) {
		return nil
	}
	return err
}

func (s *Sender) fail(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
	s.failed.Add(1)
	<-s.inFlight
}

// callback receives posthog-go's per-message delivery reports.
type callback struct{ s *Sender }

func (c callback) Success(posthog.APIMessage) {
	c.s.delivered.Add(1)
	<-c.s.inFlight
}

func (c callback) Failure(_ posthog.APIMessage, err error) { c.s.fail(err) }

// slogLogger routes posthog-go's logging to the configured logger: while
// the TUI runs nothing may write to stderr, which is posthog-go's default.
// posthog-go logs every queued message at debug level, so formatting is
// skipped unless the level is enabled.
type slogLogger struct{ l *slog.Logger }

func (l slogLogger) log(level slog.Level, f string, a []any) {
	if l.l.Enabled(context.Background(), level) {
		l.l.Log(context.Background(), level, fmt.Sprintf(f, a...), "component", "posthog")
	}
}

func (l slogLogger) Debugf(f string, a ...any) { l.log(slog.LevelDebug, f, a) }
func (l slogLogger) Logf(f string, a ...any)   { l.log(slog.LevelInfo, f, a) }
func (l slogLogger) Warnf(f string, a ...any)  { l.log(slog.LevelWarn, f, a) }
func (l slogLogger) Errorf(f string, a ...any) { l.log(slog.LevelError, f, a) }
