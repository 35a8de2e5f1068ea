package collector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// bigEvent is a valid single event of about n bytes.
func bigEvent(n int) []byte {
	return []byte(`{"event":"big","distinct_id":"u","token":"` + testToken +
		`","properties":{"blob":"` + strings.Repeat("x", n) + `"}}`)
}

func TestBodyLimitsPerRoute(t *testing.T) {
	c, rec := newTestCollector(t)
	over2MiB := bigEvent(2 << 20)
	wantError(t, do(c, http.MethodPost, "/e/", "application/json", over2MiB),
		http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	wantError(t, do(c, http.MethodPost, "/i/v0/e/", "application/json", over2MiB),
		http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	// The same body is fine for /batch/, whose limit is 20 MiB.
	wantOK(t, do(c, http.MethodPost, "/batch/", "application/json", over2MiB))
	wantError(t, do(c, http.MethodPost, "/batch/", "application/json", bigEvent(20<<20)),
		http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	if got := len(rec.got()); got != 1 {
		t.Fatalf("%d events stored, want 1", got)
	}
	if s := c.Stats(); s.Rejects["too_large"] != 3 {
		t.Fatalf("rejects %v", s.Rejects)
	}
}

// gzipBomb concatenates gzip members (a valid multi-member stream) that
// each expand 1 MiB of zeros, so a ~1 MB body claims `mib` MiB.
func gzipBomb(t testing.TB, mib int) []byte {
	member := gzipBytes(t, make([]byte, 1<<20))
	return bytes.Repeat(member, mib)
}

func TestGzipBomb(t *testing.T) {
	c, _ := newTestCollector(t)
	bomb := gzipBomb(t, 1024) // 1 GiB once decompressed
	if len(bomb) > 2<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := do(c, http.MethodPost, "/batch/", "application/json", bomb, "Content-Encoding", "gzip")
	runtime.ReadMemStats(&after)
	wantError(t, w, http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	// The 20 MiB cap plus buffer growth; never the gigabyte.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Fatalf("decoding the bomb allocated %d MiB", alloc>>20)
	}
	// A small route stops at its own, smaller limit.
	w = do(c, http.MethodPost, "/e/", "application/json", gzipBomb(t, 3), "Content-Encoding", "gzip")
	wantError(t, w, http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	if s := c.Stats(); s.Rejects["decompressed_too_large"] != 2 {
		t.Fatalf("rejects %v", s.Rejects)
	}
}

func TestTooManyEvents(t *testing.T) {
	c, rec := newTestCollector(t, WithLimits(Limits{MaxEvents: 3}))
	evs := strings.Repeat(eventJSON("e", "u")+",", 4)
	wantError(t, postJSON(c, "/batch/", "["+strings.TrimSuffix(evs, ",")+"]"),
		http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
	evs = strings.Repeat(eventJSON("e", "u")+",", 3)
	wantOK(t, postJSON(c, "/batch/", "["+strings.TrimSuffix(evs, ",")+"]"))
	if len(rec.got()) != 3 {
		t.Fatal("the allowed batch was not stored")
	}
}

// TestStoreFailure: when the store does not commit, nothing is
// acknowledged: 503 with Retry-After, so posthog-go retries.
func TestStoreFailure(t *testing.T) {
	c, rec := newTestCollector(t)
	rec.err = errors.New("disk full")
	body := `{"api_key":"` + testToken + `","batch":[` + eventJSON("e", "u") + `]}`
	w := postJSON(c, "/batch/", body)
	wantError(t, w, http.StatusServiceUnavailable, "server_error", "server_error")
	if w.Header().Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if strings.Contains(w.Body.String(), "disk full") {
		t.Fatal("store error leaked to the client")
	}
	s := c.Stats()
	if s.EventsStored != 0 || s.Rejects["store_failed"] != 1 || len(rec.got()) != 0 {
		t.Fatalf("stats %+v", s)
	}
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	wantOK(t, postJSON(c, "/batch/", body))
	if c.Stats().EventsStored != 1 {
		t.Fatal("retry not stored")
	}
}

// TestBusyWhenSlotsTaken: a request whose body has arrived waits QueueWait
// for a decode slot, then gets a 503 with Retry-After.
func TestBusyWhenSlotsTaken(t *testing.T) {
	c, rec := newTestCollector(t, WithLimits(Limits{MaxInFlight: 1, QueueWait: 20 * time.Millisecond}))
	rec.block = make(chan struct{})
	first := make(chan int)
	go func() { first <- postJSON(c, "/e/", eventJSON("slow", "u")).Code }()
	for deadline := time.Now().Add(5 * time.Second); len(c.slots) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("first request never took its slot")
		}
		time.Sleep(time.Millisecond)
	}
	w := postJSON(c, "/e/", eventJSON("second", "u"))
	wantError(t, w, http.StatusServiceUnavailable, "server_error", "server_busy")
	if w.Header().Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	close(rec.block)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first request: %d", code)
	}
	wantOK(t, postJSON(c, "/e/", eventJSON("third", "u")))
}

// TestStalledBody: a client that announces a body and stops sending gets
// PostHog's 408 after BodyTimeout, and others are served.
func TestStalledBody(t *testing.T) {
	c, _ := newTestCollector(t, WithLimits(Limits{MaxInFlight: 1, BodyTimeout: 100 * time.Millisecond}))
	srv := httptest.NewServer(c)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = fmt.Fprintf(conn, "POST /batch/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"api_key\":")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408", res.StatusCode)
	}
	res, err = http.Post(srv.URL+"/e/", "application/json", strings.NewReader(eventJSON("next", "u")))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("next request: %d", res.StatusCode)
	}
}

func TestContentLengthOverLimitRefusedUnread(t *testing.T) {
	c, _ := newTestCollector(t)
	req := httptest.NewRequest(http.MethodPost, "/e/", strings.NewReader("{}"))
	req.ContentLength = 3 << 20
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	wantError(t, w, http.StatusRequestEntityTooLarge, "validation_error", "payload_too_large")
}

func TestNewServerTimeouts(t *testing.T) {
	c, _ := newTestCollector(t)
	s := NewServer("127.0.0.1:0", c)
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= s.ReadTimeout ||
		s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.ErrorLog == nil || s.Handler != c {
		t.Fatalf("server %+v", s)
	}
}

// ctxIngester waits for the request to end, like a store whose commit
// outlives the client.
type ctxIngester struct{ started chan struct{} }

func (c ctxIngester) Ingest(ctx context.Context, _ []embedded.Event) (embedded.IngestResult, error) {
	close(c.started)
	<-ctx.Done()
	return embedded.IngestResult{}, ctx.Err()
}

func TestClientGoneIsNotAStoreFailure(t *testing.T) {
	ing := ctxIngester{started: make(chan struct{})}
	c := New(ing, WithTokens(testToken))
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodPost, "/e/", strings.NewReader(eventJSON("e", "u"))).WithContext(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.ServeHTTP(httptest.NewRecorder(), req)
	}()
	<-ing.started
	cancel()
	<-done
	if s := c.Stats(); s.Rejects["client_gone"] != 1 || s.Rejects["store_failed"] != 0 {
		t.Fatalf("rejects %v", s.Rejects)
	}
}
