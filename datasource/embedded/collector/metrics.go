package collector

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// Metrics is the collector's Prometheus instrumentation: what it received
// and refused, how fast it answered, and what the store behind it is
// doing. One Metrics serves one process; its Handler is /metrics.
type Metrics struct {
	reg      *prometheus.Registry
	events   *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	rejected *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	batch    *prometheus.HistogramVec
	commit   prometheus.Histogram
	failed   prometheus.Counter
}

// NewMetrics registers the collector's metrics, and Go's and the process's
// own, on a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ttmon_collector_events_total",
		Help: "Events handed to the store, by endpoint and outcome (accepted: committed; duplicate: its uuid was already stored).",
	}, []string{"endpoint", "outcome"})
	m.dropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ttmon_collector_events_dropped_total",
		Help: "Events left out of an accepted request, by reason (missing_event_name, missing_distinct_id, invalid_uuid, store_refused).",
	}, []string{"reason"})
	m.rejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ttmon_collector_requests_rejected_total",
		Help: "Requests refused (status 400 and up), by endpoint and status code; ttmon_collector_rejects_total has the reasons.",
	}, []string{"endpoint", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ttmon_collector_request_duration_seconds",
		Help:    "Time from a request's headers to its answer, commit included, by endpoint and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"endpoint", "code"})
	m.batch = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ttmon_collector_batch_events",
		Help:    "Events per authenticated request handed to the store, by endpoint.",
		Buckets: []float64{1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 20000},
	}, []string{"endpoint"})
	m.commit = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "ttmon_store_commit_duration_seconds",
		Help:    "Time one group commit of the embedded store takes (its transaction, fsync included).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.failed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ttmon_store_commit_failures_total",
		Help: "Group commits the store rolled back (disk full, read-only, failing).",
	})
	m.reg.MustRegister(m.events, m.dropped, m.rejected, m.latency, m.batch, m.commit, m.failed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WithMetrics has the collector count into m. The counts per endpoint and
// the latencies come from Handler's wrapping, so serve Handler, not the
// Collector alone.
func WithMetrics(m *Metrics) Option {
	return func(c *config) { c.metrics = m }
}

// Handler serves the exposition format on GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveCommit records one group commit; it has embedded.WithCommitHook's
// signature.
func (m *Metrics) ObserveCommit(_ int, took time.Duration, err error) {
	m.commit.Observe(took.Seconds())
	if err != nil {
		m.failed.Inc()
	}
}

// StoreGauges is what the store gauges read; *embedded.Store has it.
type StoreGauges interface {
	Stats(ctx context.Context) (embedded.Stats, error)
	QueueDepth() int
	IndexLag() (rows int, held bool)
}

// WatchStore exports st's size, event count, writer queue and index lag,
// read at each scrape.
func (m *Metrics) WatchStore(st StoreGauges) {
	m.reg.MustRegister(&storeCollector{st: st})
}

var (
	descBytes  = prometheus.NewDesc("ttmon_store_bytes", "Size of the store on disk: the database file plus its WAL.", nil, nil)
	descEvents = prometheus.NewDesc("ttmon_store_events", "Events stored.", nil, nil)
	descQueue  = prometheus.NewDesc("ttmon_store_writer_queue_depth", "Ingest calls waiting for the writer's group commit.", nil, nil)
	descLag    = prometheus.NewDesc("ttmon_store_index_lag_events", "Committed events the in-memory index has not applied yet (0 when this process holds no index).", nil, nil)
	descUp     = prometheus.NewDesc("ttmon_store_stats_up", "1 when the store's counters could be read at this scrape.", nil, nil)
)

// storeCollector reads the store when scraped, so an idle collector does
// no work for its metrics.
type storeCollector struct{ st StoreGauges }

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBytes, descEvents, descQueue, descLag, descUp} {
		ch <- d
	}
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(s.st.QueueDepth()))
	lag, _ := s.st.IndexLag()
	ch <- prometheus.MustNewConstMetric(descLag, prometheus.GaugeValue, float64(lag))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := s.st.Stats(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(stats.Bytes))
	ch <- prometheus.MustNewConstMetric(descEvents, prometheus.GaugeValue, float64(stats.Events))
}

// observed is the ResponseWriter instrument hands down, to learn the
// status the request was answered with.
type observed struct {
	http.ResponseWriter
	code int
}

func (o *observed) WriteHeader(code int) {
	if o.code == 0 {
		o.code = code
	}
	o.ResponseWriter.WriteHeader(code)
}

func (o *observed) Write(b []byte) (int, error) {
	if o.code == 0 {
		o.code = http.StatusOK
	}
	return o.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (the body read
// deadline).
func (o *observed) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// endpointOf bounds the endpoint label: a route the collector answers, or
// "other" for anything else, so random paths cannot grow the series.
func endpointOf(r *http.Request) string {
	p := path.Clean(r.URL.Path)
	if _, ok := routes[p]; ok {
		return p
	}
	return "other"
}

// instrument wraps the collector's handler with the latency and refusal
// counts.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		o := &observed{ResponseWriter: w}
		ep := endpointOf(r)
		next.ServeHTTP(o, r.WithContext(context.WithValue(r.Context(), endpointKey{}, ep)))
		code := o.code
		if code == 0 {
			code = http.StatusOK
		}
		m.latency.WithLabelValues(ep, codeText(code)).Observe(time.Since(start).Seconds())
		if code >= 400 {
			m.rejected.WithLabelValues(ep, codeText(code)).Inc()
		}
	})
}

func codeText(code int) string {
	if code >= 100 && code < 600 {
		return strconv.Itoa(code)
	}
	return "other"
}

// endpointKey carries the request's endpoint label from instrument to
// metered, so what the store did is counted under the route that brought
// it (capture or OTLP alike) without each route reporting it.
type endpointKey struct{}

// endpointFrom is the label instrument put in ctx, or "other".
func endpointFrom(ctx context.Context) string {
	if ep, ok := ctx.Value(endpointKey{}).(string); ok {
		return ep
	}
	return "other"
}

// metered is the collector's Ingester wrapped to count every committed
// request: batch size, accepted, duplicate, dropped by the store.
type metered struct {
	Ingester
	m *Metrics
}

// Ingest passes evs on and counts the result.
func (mi metered) Ingest(ctx context.Context, evs []embedded.Event) (embedded.IngestResult, error) {
	res, err := mi.Ingester.Ingest(ctx, evs)
	if err == nil {
		mi.m.observeIngest(endpointFrom(ctx), len(evs), res)
	}
	return res, err
}

// observeIngest counts one authenticated request's events.
func (m *Metrics) observeIngest(ep string, sent int, res embedded.IngestResult) {
	m.batch.WithLabelValues(ep).Observe(float64(sent))
	m.events.WithLabelValues(ep, "accepted").Add(float64(res.Stored))
	m.events.WithLabelValues(ep, "duplicate").Add(float64(res.Duplicates))
	if res.Dropped > 0 {
		m.dropped.WithLabelValues("store_refused").Add(float64(res.Dropped))
	}
}

// observeDrop counts one event left out while decoding.
func (m *Metrics) observeDrop(reason string) {
	if m != nil {
		m.dropped.WithLabelValues(reason).Inc()
	}
}

var descRejects = prometheus.NewDesc("ttmon_collector_rejects_total",
	"Requests refused, by reason (invalid_api_key, invalid_json, too_large, busy, store_failed, not_found, ...).", []string{"reason"}, nil)

// rejectsCollector reads the collector's own refusal counts at each
// scrape: they are kept by reason wherever a route refuses, so no route
// has to report to the metrics separately.
type rejectsCollector struct{ c *Collector }

func (r rejectsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- descRejects }

func (r rejectsCollector) Collect(ch chan<- prometheus.Metric) {
	for reason, n := range r.c.Stats().Rejects {
		ch <- prometheus.MustNewConstMetric(descRejects, prometheus.CounterValue, float64(n), reason)
	}
}

// watchRejects exports c's refusals by reason.
func (m *Metrics) watchRejects(c *Collector) { m.reg.MustRegister(rejectsCollector{c}) }
