package collector

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// Ingester commits events; *embedded.Store is the real one. Ingest must
// return only once the events are durable: the collector answers 200 on
// that promise, and 503 (so the client retries) on any error.
type Ingester interface {
	Ingest(ctx context.Context, evs []embedded.Event) (embedded.IngestResult, error)
}

// Collector is the capture endpoint, an http.Handler. It is safe for
// concurrent use.
type Collector struct {
	ing       Ingester
	tokens    [][sha256.Size]byte
	log       *slog.Logger
	now       func() time.Time
	limits    Limits
	reads     *budget       // bytes request bodies may hold (ReadBytes)
	slots     chan struct{} // decode-and-store slots (MaxInFlight)
	requests  atomic.Uint64
	received  atomic.Uint64
	stored    atomic.Uint64
	duplicate atomic.Uint64
	dropped   atomic.Uint64
	ignored   atomic.Uint64 // OTLP spans and metrics, accepted and not kept
	mu        sync.Mutex
	rejects   map[string]uint64
	metrics   *Metrics // nil: not counted
}

var (
	_ http.Handler = (*Collector)(nil)
	_ Ingester     = (*embedded.Store)(nil)
)

// New returns a Collector that hands what it receives to ing.
func New(ing Ingester, opts ...Option) *Collector {
	cfg := config{logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Collector{
		ing:     ing,
		log:     cfg.logger,
		now:     cfg.now,
		limits:  cfg.limits.withDefaults(),
		rejects: make(map[string]uint64),
		metrics: cfg.metrics,
	}
	if cfg.metrics != nil {
		c.ing = metered{Ingester: ing, m: cfg.metrics}
		cfg.metrics.watchRejects(c)
	}
	for _, t := range cfg.tokens {
		if t = strings.TrimSpace(t); t != "" {
			c.tokens = append(c.tokens, sha256.Sum256([]byte(t)))
		}
	}
	if len(c.tokens) == 0 {
		c.log.Warn("collector has no project token; every capture request will be refused")
	}
	c.reads = newBudget(c.limits.ReadBytes)
	c.slots = make(chan struct{}, c.limits.MaxInFlight)
	return c
}

// routeKind tells capture routes from the flag stubs.
type routeKind int

const (
	routeEvent       routeKind = iota // 2 MiB routes
	routeBatch                        // /batch: 20 MiB
	routeEngage                       // nameless events are $identify
	routeFlags                        // /flags, /decide: answered with no flags
	routeOTLPLogs                     // OTLP/HTTP /v1/logs: stored (otlp.go)
	routeOTLPTraces                   // OTLP/HTTP /v1/traces: accepted, not kept
	routeOTLPMetrics                  // OTLP/HTTP /v1/metrics: accepted, not kept
)

var routes = map[string]routeKind{
	"/batch":   routeBatch,
	"/capture": routeEvent,
	"/e":       routeEvent,
	"/i/v0/e":  routeEvent,
	"/track":   routeEvent,
	"/engage":  routeEngage,
	"/flags":   routeFlags,
	"/decide":  routeFlags,
	// OTLP/HTTP, as TimeTracker 5.x and OpenTelemetry exporters send it; a
	// base endpoint ending in /otlp gets the second form.
	"/v1/logs":         routeOTLPLogs,
	"/otlp/v1/logs":    routeOTLPLogs,
	"/v1/traces":       routeOTLPTraces,
	"/otlp/v1/traces":  routeOTLPTraces,
	"/v1/metrics":      routeOTLPMetrics,
	"/otlp/v1/metrics": routeOTLPMetrics,
}

// ServeHTTP routes a request: capture, flags, CORS preflight, or refusal.
func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.requests.Add(1)
	// Clean drops the trailing slash and the double one a POSTHOG_HOST
	// ending in "/" produces (posthog-go posts to Endpoint + "/batch/").
	kind, ok := routes[path.Clean(r.URL.Path)]
	if !ok {
		c.reject(w, errNotFound)
		return
	}
	if kind >= routeOTLPLogs {
		c.otlp(w, r, kind)
		return
	}
	setCORS(w, r)
	switch r.Method {
	case http.MethodGet, http.MethodPost:
	case http.MethodOptions:
		writeJSON(w, http.StatusOK, okBody)
		return
	default:
		c.reject(w, methodNotAllowed(r.Method))
		return
	}
	if kind == routeFlags {
		writeJSON(w, http.StatusOK, flagsBody)
		return
	}
	c.capture(w, r, kind)
}

// reject answers with e and counts it.
func (c *Collector) reject(w http.ResponseWriter, e *apiError) {
	c.countReject(e)
	writeError(w, e)
}

// countReject counts and logs a refusal, whichever protocol answers it.
func (c *Collector) countReject(e *apiError) {
	c.mu.Lock()
	c.rejects[e.reason]++
	c.mu.Unlock()
	c.log.Debug("capture request refused", "status", e.status, "reason", e.reason, "detail", e.detail)
}

// acquire waits up to QueueWait for a slot to decode and store in.
func (c *Collector) acquire(ctx context.Context) (release func(), ok bool) {
	release = func() { <-c.slots }
	select {
	case c.slots <- struct{}{}:
		return release, true
	default:
	}
	t := time.NewTimer(c.limits.QueueWait)
	defer t.Stop()
	select {
	case c.slots <- struct{}{}:
		return release, true
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, false
}

// validToken compares the token with every configured one in constant time
// (hashing first, so lengths do not leak either).
func (c *Collector) validToken(token string) bool {
	sum := sha256.Sum256([]byte(token))
	found := 0
	for i := range c.tokens {
		found |= subtle.ConstantTimeCompare(sum[:], c.tokens[i][:])
	}
	return found == 1
}

// Stats is a snapshot of the collector's counters since New.
type Stats struct {
	// Requests counts every HTTP request, whatever became of it.
	Requests uint64
	// EventsReceived counts events in requests that were decoded and
	// authenticated.
	EventsReceived uint64
	// EventsStored counts events the store committed.
	EventsStored uint64
	// EventsDuplicate counts events the store already held (client retries).
	EventsDuplicate uint64
	// EventsDropped counts events left out for having no name, no distinct
	// id or a malformed uuid, plus those the store reported as dropped.
	EventsDropped uint64
	// OTLPIgnored counts the spans and metrics that /v1/traces and
	// /v1/metrics accepted and did not keep.
	OTLPIgnored uint64
	// Rejects counts refused requests by reason: "invalid_json",
	// "invalid_gzip", "missing_api_key", "invalid_api_key", "too_large",
	// "store_failed", "busy", "not_found", ...
	Rejects map[string]uint64
}

// Stats returns the counters so far.
func (c *Collector) Stats() Stats {
	c.mu.Lock()
	rejects := make(map[string]uint64, len(c.rejects))
	for k, v := range c.rejects {
		rejects[k] = v
	}
	c.mu.Unlock()
	return Stats{
		Requests:        c.requests.Load(),
		EventsReceived:  c.received.Load(),
		EventsStored:    c.stored.Load(),
		EventsDuplicate: c.duplicate.Load(),
		EventsDropped:   c.dropped.Load(),
		OTLPIgnored:     c.ignored.Load(),
		Rejects:         rejects,
	}
}
