package collector

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/simulate"
)

const installB = "0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70"

// otelErrors keeps what the OpenTelemetry SDK reports through its global
// error handler (a failed export), instead of logging it.
type otelErrors struct {
	mu   sync.Mutex
	errs []error
}

func (h *otelErrors) Handle(err error) { h.mu.Lock(); h.errs = append(h.errs, err); h.mu.Unlock() }

// sdkSend emits records with the OpenTelemetry Go SDK's OTLP/HTTP log
// exporter (protobuf), as installB running on an OpenTelemetry pipeline
// would: resource service.name=timetracker, TimeTracker's attributes.
func sdkSend(t *testing.T, url string, emit func(ctx context.Context, l otellog.Logger)) {
	t.Helper()
	ctx := context.Background()
	h := &otelErrors{}
	otel.SetErrorHandler(h)
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(url+"/v1/logs"),
		otlploghttp.WithHeaders(map[string]string{"Authorization": basicAuth("12345:" + testToken)}),
		otlploghttp.WithCompression(otlploghttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "timetracker"),
		attribute.String("service.version", "5.9.0"), attribute.String("deployment.environment", "production"))
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	emit(ctx, lp.Logger("timetracker.telemetry"))
	if err := lp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) > 0 {
		t.Fatalf("OpenTelemetry SDK export errors: %v", h.errs)
	}
}

func sdkRecord(at time.Time, name, identity string, attrs ...attribute.KeyValue) otellog.Record {
	var r otellog.Record
	r.SetTimestamp(at)
	r.SetSeverityText("INFO")
	r.SetBody(attribute.StringValue(name))
	r.AddAttributes(attribute.String("event_name", name), attribute.String("identity", identity),
		attribute.Bool("detailed", identity != installB))
	r.AddAttributes(attrs...)
	return r
}

// TestOTLPIntoRealStore: TimeTracker-shaped JSON (installA, docker,
// 5.10.0) and the OpenTelemetry SDK's protobuf exporter (installB, native,
// 5.9.0) into a real store; reopened, the store detects TimeTracker 5.x
// and every figure equals what was sent.
func TestOTLPIntoRealStore(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	path := filepath.Join(t.TempDir(), "ttmon.db")
	store, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := New(store, WithTokens(testToken))
	srv := httptest.NewServer(c)
	defer srv.Close()

	// installA as TimeTracker 5.x sends it: one JSON record per request.
	snd, err := simulate.NewOTLPSender(simulate.Config{Host: srv.URL, Token: "instance-1:" + testToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	recs := []simulate.Record{heartbeat5(now.Add(-3*time.Hour), "docker")}
	for i := range 3 {
		recs = append(recs, timer5(now.Add(-time.Duration(i+1)*time.Minute)))
	}
	errA := timer5(now.Add(-30 * time.Second))
	errA.Name = "error_occurred"
	errA.Props = append(errA.Props, simulate.Prop{Key: "error_type", Value: "DB"})
	recs = append(recs, errA, recs[1]) // the last one is a retry
	for _, r := range recs {
		if err := snd.SendRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := snd.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	snd.Close()
	if s := snd.Stats(); s.Delivered != 6 || s.Failed != 0 {
		t.Fatalf("TimeTracker-shaped sender: %+v", s)
	}

	// installB through the OpenTelemetry SDK: a heartbeat, two errors and
	// one timer from its user "1", who is not installA's user "1".
	sdkSend(t, srv.URL, func(ctx context.Context, l otellog.Logger) {
		l.Emit(ctx, sdkRecord(now.Add(-2*time.Hour), "base_telemetry.heartbeat", installB,
			attribute.String("install_id", installB), attribute.String("platform", "Windows"),
			attribute.String("deployment_type", "native")))
		for i := range 2 {
			l.Emit(ctx, sdkRecord(now.Add(-time.Duration(10+i)*time.Minute), "error_occurred", "1",
				attribute.String("install_id", installB), attribute.String("deployment_method", "native"),
				attribute.Int("status", 500)))
		}
		l.Emit(ctx, sdkRecord(now.Add(-5*time.Minute), "timer.started", "1",
			attribute.String("install_id", installB), attribute.String("deployment_method", "native")))
	})
	if s := c.Stats(); s.EventsStored != 9 || s.EventsDuplicate != 1 || s.EventsDropped != 0 {
		t.Fatalf("collector stats %+v", s)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	store, err = embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if m := store.Mapping(); m.Preset != datasource.PresetTimeTracker5 || m.DeploymentProperty != "deployment_type" {
		t.Fatalf("mapping %+v", m)
	}
	checkOTLPFigures(t, store, now)
}

func checkOTLPFigures(t *testing.T, store *embedded.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	r, err := datasource.ParseRange("24h", now)
	if err != nil {
		t.Fatal(err)
	}
	q := datasource.Query{Range: r}
	snap, err := store.Snapshot(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Totals.Events != 9 || snap.Installs.Active != 2 || snap.Errors.Total != 3 || snap.Timers.Total != 4 {
		t.Fatalf("totals %+v installs %+v errors %d timers %d", snap.Totals, snap.Installs, snap.Errors.Total, snap.Timers.Total)
	}
	versions := map[string]int64{}
	for _, v := range snap.Versions {
		versions[v.Version] = v.Installs
	}
	if len(versions) != 2 || versions["5.10.0"] != 1 || versions["5.9.0"] != 1 {
		t.Fatalf("versions %+v", snap.Versions)
	}
	evs, err := store.Events(ctx, datasource.EventsQuery{Query: q, Kind: datasource.KindTimer})
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for _, e := range evs {
		users[e.DistinctID] = true
	}
	if len(users) != 2 || !users[installA+":1"] || !users[installB+":1"] {
		t.Fatalf("timer users %v", users)
	}
	// The heartbeat's deployment_type is the installation's person
	// property; the 5.x mapping sends product events to their
	// deployment_method for it (FiltersFor).
	f, err := datasource.ParseFilter("person.deployment_type = docker")
	if err != nil {
		t.Fatal(err)
	}
	snap, err = store.Snapshot(ctx, q.WithFilters(f))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Installs.Active != 1 {
		t.Fatalf("docker installations %d, want 1", snap.Installs.Active)
	}
	product := store.Mapping().FiltersFor(datasource.KindError, []datasource.Filter{f})
	if len(product.Apply) != 1 || product.Apply[0].String() != "event.deployment_method=docker" {
		t.Fatalf("docker for product events: %+v", product)
	}
	snap, err = store.Snapshot(ctx, q.WithFilters(product.Apply...))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Errors.Total != 1 || snap.Timers.Total != 3 {
		t.Fatalf("docker: errors %d timers %d, want 1 and 3", snap.Errors.Total, snap.Timers.Total)
	}
	rep, err := store.Check(ctx, datasource.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Steps[1].Name != "mapping" {
		t.Fatalf("check %+v", rep.Steps)
	}
	t.Logf("check: %s", rep.Steps[1].Detail)
}

// TestOTLPRealClientRefusedToken: the SDK exporter reports a refused
// token as an export error (and does not retry it).
func TestOTLPRealClientRefusedToken(t *testing.T) {
	c, rec := newTestCollector(t)
	srv := httptest.NewServer(c)
	defer srv.Close()
	ctx := context.Background()
	exp, err := otlploghttp.New(ctx, otlploghttp.WithEndpointURL(srv.URL+"/v1/logs"),
		otlploghttp.WithHeaders(map[string]string{"Authorization": "Bearer wrong"}))
	if err != nil {
		t.Fatal(err)
	}
	var r sdklog.Record
	r.SetBody(attribute.StringValue("x"))
	err = exp.Export(ctx, []sdklog.Record{r})
	if err == nil {
		t.Fatal("export with a wrong token succeeded")
	}
	if n := len(rec.got()); n != 0 || c.Stats().Rejects["invalid_api_key"] != 1 {
		t.Fatalf("stored %d, stats %+v", n, c.Stats())
	}
}
