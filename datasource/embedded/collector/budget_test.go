package collector

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// readFree is the read budget no request holds.
func readFree(c *Collector) int {
	c.reads.mu.Lock()
	defer c.reads.mu.Unlock()
	return c.reads.free
}

// waitReadFree waits for the free read budget to reach want; handlers give
// it back after the client may already have its answer or be gone.
func waitReadFree(t *testing.T, c *Collector, want int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); readFree(c) != want; {
		if time.Now().After(deadline) {
			t.Fatalf("read budget free %d, want %d", readFree(c), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// serveReal serves c over real HTTP. Its Close runs after the cleanups
// registered later (the stalled connections), or it would wait for them.
func serveReal(t *testing.T, c *Collector) *httptest.Server {
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

// stallConn opens a connection that announces a body of contentLength bytes to
// path, sends only sent, and then stops sending.
func stallConn(t *testing.T, srv *httptest.Server, path string, contentLength int, sent string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, contentLength, sent)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// postReal sends body over real HTTP; chunked hides its length from the
// server, as a streaming client does.
func postReal(t *testing.T, srv *httptest.Server, path, body string, chunked bool) *http.Response {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if chunked {
		r = io.MultiReader(r)
	}
	res, err := http.Post(srv.URL+path, "application/json", r)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res
}

func wantResStatus(t *testing.T, res *http.Response, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d", res.Request.Method, res.Request.URL.Path, res.StatusCode, status)
	}
}

// eventsBatch is a /batch/ body of n events.
func eventsBatch(n int) string {
	evs := strings.TrimSuffix(strings.Repeat(eventJSON("e", "u")+",", n), ",")
	return `{"api_key":"` + testToken + `","batch":[` + evs + `]}`
}

// TestSlowSendersHoldNoSlots: clients that announce large bodies and then
// trickle hold only the bytes they sent, not the decode slots, so a normal
// client is served while more of them stall than there are slots.
func TestSlowSendersHoldNoSlots(t *testing.T) {
	const slots = 2
	c, rec := newTestCollector(t, WithLimits(Limits{MaxInFlight: slots, QueueWait: 100 * time.Millisecond, BodyTimeout: 30 * time.Second}))
	srv := serveReal(t, c)
	total := readFree(c)

	var stalled []net.Conn
	for range 2*slots + 1 {
		stalled = append(stalled, stallConn(t, srv, "/batch/", 20<<20-1, `{"api_key":`))
	}
	// One that sent 5000 bytes has doubled its buffer once.
	stalled = append(stalled, stallConn(t, srv, "/batch/", 20<<20-1, strings.Repeat(" ", 5000)))
	waitReadFree(t, c, total-(2*slots+1)*firstRead-2*firstRead)

	for i := range 2 * slots {
		wantResStatus(t, postReal(t, srv, "/e/", eventJSON("e", fmt.Sprint(i)), false), http.StatusOK)
		wantResStatus(t, postReal(t, srv, "/batch/", eventsBatch(3), true), http.StatusOK)
	}
	if got := len(rec.got()); got != 2*slots*4 {
		t.Fatalf("%d events stored, want %d", got, 2*slots*4)
	}
	for _, conn := range stalled {
		_ = conn.Close()
	}
	waitReadFree(t, c, total)
}

// TestBusyWhenReadBudgetSpent: a request that finds no read budget waits
// QueueWait and gets a 503 with Retry-After; smaller ones that fit are
// still served, and once the budget comes back the refused one is too.
func TestBusyWhenReadBudgetSpent(t *testing.T) {
	c, _ := newTestCollector(t, WithLimits(Limits{BatchBytes: 2000, EventBytes: 1000, ReadBytes: 1,
		QueueWait: 20 * time.Millisecond, BodyTimeout: 30 * time.Second}))
	srv := serveReal(t, c)
	total := readFree(c)
	if total != 2000+1+1000+1 {
		t.Fatalf("ReadBytes raised to %d", total)
	}

	hog := stallConn(t, srv, "/batch/", 2000, `{"api_key":`)
	waitReadFree(t, c, total-2001)
	batch := eventsBatch(20) // 1001 bytes or more do not fit beside the hog
	if len(batch) <= 1001 || len(batch) > 2000 {
		t.Fatalf("batch of %d bytes", len(batch))
	}
	res := postReal(t, srv, "/batch/", batch, false)
	wantResStatus(t, res, http.StatusServiceUnavailable)
	if res.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	wantResStatus(t, postReal(t, srv, "/e/", eventJSON("small", "u"), false), http.StatusOK)

	_ = hog.Close()
	waitReadFree(t, c, total)
	wantResStatus(t, postReal(t, srv, "/batch/", batch, false), http.StatusOK)
	if s := c.Stats(); s.Rejects["busy"] != 1 {
		t.Fatalf("rejects %v", s.Rejects)
	}
}

// TestReadBudgetComesBack: whatever becomes of a request — stored, refused
// while or after reading, timed out, abandoned — its read budget returns.
func TestReadBudgetComesBack(t *testing.T) {
	c, rec := newTestCollector(t, WithLimits(Limits{BatchBytes: 4000, EventBytes: 1000, BodyTimeout: 200 * time.Millisecond}))
	srv := serveReal(t, c)
	total := readFree(c)

	wantResStatus(t, postReal(t, srv, "/e/", eventJSON("e", "u"), false), http.StatusOK)
	wantResStatus(t, postReal(t, srv, "/batch/", eventsBatch(20), true), http.StatusOK)
	big := `{"pad":"` + strings.Repeat("x", 1500) + `"}`
	wantResStatus(t, postReal(t, srv, "/e/", big, false), http.StatusRequestEntityTooLarge) // by its Content-Length
	// While reading; straight to the handler, as over HTTP the server then
	// lingers half a second before closing the connection.
	w := httptest.NewRecorder()
	c.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/e/", io.MultiReader(strings.NewReader(big))))
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	wantResStatus(t, postReal(t, srv, "/e/", "{nope", false), http.StatusBadRequest)
	wantResStatus(t, postReal(t, srv, "/e/", strings.ReplaceAll(eventJSON("e", "u"), testToken, "phc_other"), false), http.StatusUnauthorized)
	rec.mu.Lock()
	rec.err = errors.New("disk full")
	rec.mu.Unlock()
	wantResStatus(t, postReal(t, srv, "/batch/", eventsBatch(2), false), http.StatusServiceUnavailable)
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()

	slow := stallConn(t, srv, "/batch/", 3000, strings.Repeat(" ", 100))
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(slow), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	wantResStatus(t, res, http.StatusRequestTimeout)

	gone := stallConn(t, srv, "/batch/", 3000, strings.Repeat(" ", 100))
	waitReadFree(t, c, total-3001)
	_ = gone.Close()

	waitReadFree(t, c, total)
	s := c.Stats()
	for reason, n := range map[string]uint64{"too_large": 2, "invalid_json": 1, "invalid_api_key": 1,
		"store_failed": 1, "body_read_timeout": 1, "read_failed": 1} {
		if s.Rejects[reason] != n {
			t.Fatalf("rejects %v, want %d %s", s.Rejects, n, reason)
		}
	}
}

// TestBodyKeepsBudgetUntilAnswered: the body stays in memory through
// decoding and storing, so its budget is given back only after the store.
func TestBodyKeepsBudgetUntilAnswered(t *testing.T) {
	c, rec := newTestCollector(t)
	rec.block = make(chan struct{})
	total := readFree(c)
	body := eventJSON("e", "u")
	done := make(chan int)
	go func() { done <- postJSON(c, "/e/", body).Code }()
	// The slot is taken once the body is read, and held while storing.
	for deadline := time.Now().Add(5 * time.Second); len(c.slots) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never took a slot")
		}
		time.Sleep(time.Millisecond)
	}
	if free := readFree(c); free != total-len(body)-1 {
		t.Fatalf("while storing, read budget free %d, want %d", free, total-len(body)-1)
	}
	close(rec.block)
	if code := <-done; code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if free := readFree(c); free != total {
		t.Fatalf("after the answer, read budget free %d, want %d", free, total)
	}
}

func TestReadBytesFloor(t *testing.T) {
	l := Limits{BatchBytes: 100, EventBytes: 10, ReadBytes: 50}.withDefaults()
	if l.ReadBytes != 100+1+10+1 {
		t.Fatalf("ReadBytes %d", l.ReadBytes)
	}
	if l := (Limits{}).withDefaults(); l.ReadBytes != DefaultLimits().ReadBytes {
		t.Fatalf("default ReadBytes %d", l.ReadBytes)
	}
}

func TestBudgetWaitsForGive(t *testing.T) {
	b := newBudget(10)
	ctx := context.Background()
	if !b.take(ctx, 8, 0) || b.take(ctx, 5, time.Millisecond) {
		t.Fatal("took more than the budget")
	}
	got := make(chan bool)
	go func() { got <- b.take(ctx, 5, time.Minute) }()
	b.give(3)
	if !<-got {
		t.Fatal("a waiter missed the bytes given back")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if b.take(cancelled, 100, time.Minute) {
		t.Fatal("took bytes that do not exist")
	}
}
