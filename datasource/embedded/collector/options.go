package collector

import (
	"log/slog"
	"time"
)

// Option configures a Collector built by New.
type Option func(*config)

type config struct {
	tokens  []string
	logger  *slog.Logger
	now     func() time.Time
	limits  Limits
	metrics *Metrics
}

// Limits bound the work one request, and all requests together, can cause.
// A zero field keeps its default.
type Limits struct {
	// BatchBytes caps a /batch/ body, and separately what it decompresses
	// to. Default 20 MiB, PostHog's BATCH_BODY_SIZE.
	BatchBytes int
	// EventBytes caps the bodies of the other capture routes, before and
	// after decompression. Default 2 MiB, PostHog's EVENT_BODY_SIZE.
	EventBytes int
	// MaxEvents caps the events in one request; more is a 413. Default
	// 20,000 — SDK batches hold 100 (posthog-python) to 250 (posthog-go).
	MaxEvents int
	// MaxDepth caps JSON nesting. Default 64: PostHog events rarely nest
	// past 10 ($exception stack frames), and a cap keeps a "[[[[..." body
	// from costing more than its bytes.
	MaxDepth int
	// ReadBytes caps the memory that bodies being received hold, all
	// requests together. A request reserves room as its bytes arrive
	// (4 KiB first, then doubling, never past its Content-Length or route
	// limit) and gives it back once answered, so a client that announces
	// 20 MiB and sends nothing holds a few KiB. A request that finds no
	// room waits up to QueueWait, then gets a 503 with Retry-After. Default
	// 64 MiB; it is raised, if lower, to hold a largest body and a largest
	// single event at once, so a full batch always fits.
	ReadBytes int
	// MaxInFlight caps capture requests being decoded or stored at once,
	// which bounds the memory decoding takes: each may hold its
	// decompressed text and the decoded events. A request takes a slot
	// only once its body has arrived, so slow senders never hold one.
	// Default 8.
	MaxInFlight int
	// QueueWait is how long a request waits for read budget, or for a
	// slot, before it gets a 503 with Retry-After. Default 2 s.
	QueueWait time.Duration
	// BodyTimeout is how long a client has to deliver its whole body,
	// counted from when the collector starts reading it; a slower one gets
	// a 408 and gives its read budget back. Default 20 s.
	BodyTimeout time.Duration
}

// DefaultLimits returns the limits New uses unless WithLimits overrides them.
func DefaultLimits() Limits {
	return Limits{
		BatchBytes:  20 << 20,
		EventBytes:  2 << 20,
		MaxEvents:   20000,
		MaxDepth:    64,
		ReadBytes:   64 << 20,
		MaxInFlight: 8,
		QueueWait:   2 * time.Second,
		BodyTimeout: 20 * time.Second,
	}
}

// withDefaults fills every zero or negative field from DefaultLimits and
// raises ReadBytes to its floor.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.BatchBytes <= 0 {
		l.BatchBytes = d.BatchBytes
	}
	if l.EventBytes <= 0 {
		l.EventBytes = d.EventBytes
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = d.MaxEvents
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.ReadBytes <= 0 {
		l.ReadBytes = d.ReadBytes
	}
	// Each body may reserve one byte past its limit (see readBody).
	if floor := max(l.BatchBytes, l.EventBytes) + 1 + l.EventBytes + 1; l.ReadBytes < floor {
		l.ReadBytes = floor
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = d.MaxInFlight
	}
	if l.QueueWait <= 0 {
		l.QueueWait = d.QueueWait
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = d.BodyTimeout
	}
	return l
}

// WithTokens sets the project tokens (phc_...) the collector accepts. With
// none, every capture request is refused with 401: an open collector would
// let anyone on the network write into the monitor.
func WithTokens(tokens ...string) Option {
	return func(c *config) { c.tokens = append(c.tokens, tokens...) }
}

// WithLogger sets where the collector logs; by default it logs nowhere.
// Tokens and payloads are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock used for "now" in the timestamp rule, so tests
// and replays get deterministic event times.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithLimits overrides the default Limits; zero fields keep their default.
func WithLimits(l Limits) Option {
	return func(c *config) { c.limits = l }
}
