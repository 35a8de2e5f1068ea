package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestDiskFull: the collector process's disk fills up (its file size limit,
// RLIMIT_FSIZE, drops to 1 KiB: every write past that fails as on a full
// disk). Clients get 503 with PostHog's error body, nothing is acknowledged
// that was not committed, and once space returns the same process accepts
// the retries without a restart. Afterwards every acknowledged event is
// stored exactly once and the file passes integrity_check.
func TestDiskFull(t *testing.T) {
	db := filepath.Join(t.TempDir(), "events.db")
	p := startCollector(t, db)
	defer p.kill()
	pid := p.cmd.Process.Pid
	hc := &http.Client{Timeout: 10 * time.Second}
	ctx := context.Background()
	fleet := newCrashFleet(1)

	send := func() (int, string) {
		b := fleet.take()
		body, code, err := postBatchBody(ctx, hc, p.addr, b)
		if err != nil {
			t.Fatal(err)
		}
		fleet.mu.Lock()
		defer fleet.mu.Unlock()
		if code == http.StatusOK {
			for _, e := range b {
				fleet.acked[e.UUID] = true
			}
		} else {
			fleet.pending = append(fleet.pending, b)
		}
		return code, body
	}
	for range 5 {
		if code, body := send(); code != http.StatusOK {
			t.Fatalf("healthy collector answered %d: %s", code, body)
		}
	}

	var unlimited unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, nil, &unlimited); err != nil {
		t.Skipf("cannot read the collector's file size limit: %v", err)
	}
	full := unix.Rlimit{Cur: 1024, Max: unlimited.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &full, nil); err != nil {
		t.Skipf("cannot lower the collector's file size limit: %v", err)
	}
	// WAL appends fail from the first request on; give the writer a few
	// requests in case one was already past the write.
	refused := 0
	for range 10 {
		code, body := send()
		if code == http.StatusOK {
			continue
		}
		refused++
		if code != http.StatusServiceUnavailable {
			t.Fatalf("disk full: status %d, want 503: %s", code, body)
		}
		var e struct{ Type, Code, Detail string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type == "" || e.Detail == "" {
			t.Fatalf("disk full: body is not PostHog's error shape: %s", body)
		}
		if strings.Contains(body, db) || strings.Contains(strings.ToLower(body), "sqlite") {
			t.Fatalf("disk full: store internals leaked to the client: %s", body)
		}
	}
	if refused < 5 {
		t.Fatalf("only %d of 10 requests refused with the disk full", refused)
	}
	select {
	case <-p.exited:
		t.Fatalf("collector died when the disk filled: %v: %s", p.err, p.stderr.String())
	default:
	}

	// Space returns: the same process takes the retries.
	if err := unix.Prlimit(pid, unix.RLIMIT_FSIZE, &unlimited, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for fleet.pendingCount() > 0 && time.Now().Before(deadline) {
		b := fleet.take()
		body, code, err := postBatchBody(ctx, hc, p.addr, b)
		if err != nil {
			t.Fatal(err)
		}
		fleet.mu.Lock()
		if code == http.StatusOK {
			for _, e := range b {
				fleet.acked[e.UUID] = true
			}
		} else {
			fleet.pending = append(fleet.pending, b)
			t.Logf("after space returned: %d %s", code, body)
			time.Sleep(100 * time.Millisecond)
		}
		fleet.mu.Unlock()
	}
	if n := fleet.pendingCount(); n > 0 {
		t.Fatalf("%d batches still refused 15 s after space returned: %s", n, p.stderr.String())
	}
	if code, body := send(); code != http.StatusOK {
		t.Fatalf("new batch after recovery: %d %s", code, body)
	}
	p.stop(t)
	// The operator sees why, on the collector's stderr, without --log.
	if log := p.stderr.String(); !strings.Contains(log, "disk full, read-only or failing?") {
		t.Fatalf("collector output does not say the disk is full:\n%s", log)
	}

	counts := storedUUIDs(t, db, fleet.sentCount()+10)
	acked := fleet.ackedSet()
	if len(counts) != len(acked) {
		t.Fatalf("store holds %d events, %d were acknowledged", len(counts), len(acked))
	}
	for u := range acked {
		if counts[u] != 1 {
			t.Fatalf("acknowledged event %s stored %d times", u, counts[u])
		}
	}
	integrityCheck(t, db)
	t.Logf("%d requests refused while full, %d events acknowledged in all, all present once", refused, len(acked))
}
