package simulate

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OTLPSender delivers model events the way TimeTracker 5.x does: each one
// as its own OTLP/HTTP JSON log record (Record.JSON) posted to
// {Host}/v1/logs, with TimeTracker's Authorization header. Events 5.x does
// not send (see ToRecord) are skipped and not counted. Where TimeTracker
// gives up after one try, the sender retries refusals the OTLP
// specification calls retryable (429, 502, 503, 504), honouring
// Retry-After, so a demo loses nothing to a busy collector.
type OTLPSender struct {
	url, auth string
	client    *http.Client
	retries   int
	work      chan otlpBody
	wg        sync.WaitGroup
	inFlight  atomic.Int64

	sent, delivered, failed atomic.Int64
	mu                      sync.Mutex
	lastErr                 error
}

// otlpWorkers is how many installations post at once.
const otlpWorkers = 8

// NewOTLPSender starts the senders for cfg.Host and cfg.Token.
func NewOTLPSender(cfg Config) (*OTLPSender, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validateTransport(); err != nil {
		return nil, err
	}
	s := &OTLPSender{
		url:     LogsEndpoint(cfg.Host),
		auth:    AuthHeader(cfg.Token),
		client:  &http.Client{Timeout: 5 * time.Second}, // TimeTracker's timeout
		retries: max(cfg.Retries, 0),
		work:    make(chan otlpBody, 8*otlpWorkers),
	}
	for range otlpWorkers {
		s.wg.Add(1)
		go s.worker()
	}
	return s, nil
}

// LogsEndpoint is where TimeTracker posts for OTEL_EXPORTER_OTLP_ENDPOINT
// base: /v1/logs appended unless there already.
func LogsEndpoint(base string) string {
	base = strings.TrimRight(base, "/")
	if strings.HasSuffix(base, "/v1/logs") {
		return base
	}
	return base + "/v1/logs"
}

// AuthHeader is TimeTracker's Authorization value for
// OTEL_EXPORTER_OTLP_TOKEN: "Basic ..." passes through, id:secret is
// base64-encoded, anything else is sent as "Basic <token>".
func AuthHeader(token string) string {
	token = strings.TrimSpace(token)
	switch {
	case strings.HasPrefix(strings.ToLower(token), "basic "):
		return token
	case strings.Contains(token, ":"):
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(token))
	}
	return "Basic " + token
}

// Send queues e's record; it blocks while the workers are busy and
// returns ctx's error if ctx ends first.
func (s *OTLPSender) Send(ctx context.Context, e Event) error {
	rec, ok := ToRecord(e)
	if !ok {
		return nil
	}
	return s.SendRecord(ctx, rec)
}

// Sends reports whether Send delivers e (TimeTracker 5.x sends no
// aliases, group identifies, installation identifies or $exception), so
// progress counts what will be sent.
func (s *OTLPSender) Sends(e Event) bool {
	_, ok := ToRecord(e)
	return ok
}

// otlpBody is one encoded record waiting for a worker.
type otlpBody struct {
	name string
	body []byte
}

// SendRecord queues one TimeTracker 5.x record as it is. The record is
// encoded here, before Send returns: its maps may be the model's borrowed
// ones, which change as the stream goes on.
func (s *OTLPSender) SendRecord(ctx context.Context, rec Record) error {
	s.sent.Add(1)
	s.inFlight.Add(1)
	select {
	case s.work <- otlpBody{rec.Name, rec.JSON()}:
		return nil
	case <-ctx.Done():
		s.fail(ctx.Err())
		return ctx.Err()
	}
}

func (s *OTLPSender) worker() {
	defer s.wg.Done()
	for rec := range s.work {
		if err := s.post(rec.body); err != nil {
			s.fail(fmt.Errorf("%s: %w", rec.name, err))
			continue
		}
		s.delivered.Add(1)
		s.inFlight.Add(-1)
	}
}

// post sends one body, retrying what the OTLP specification says to retry.
func (s *OTLPSender) post(body []byte) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", s.auth)
		resp, err := s.client.Do(req)
		if err != nil {
			if attempt < s.retries {
				time.Sleep(backoff(attempt, ""))
				continue
			}
			return err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return nil
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			if attempt < s.retries {
				time.Sleep(backoff(attempt, resp.Header.Get("Retry-After")))
				continue
			}
		}
		return fmt.Errorf("the collector answered %s", resp.Status)
	}
}

// backoff is Retry-After when the server sent one, else 100 ms doubling.
func backoff(attempt int, retryAfter string) time.Duration {
	if n, err := strconv.Atoi(retryAfter); err == nil && n >= 0 {
		return time.Duration(min(n, 30)) * time.Second
	}
	return 100 * time.Millisecond << min(attempt, 6)
}

func (s *OTLPSender) fail(err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
	s.failed.Add(1)
	s.inFlight.Add(-1)
}

// Flush waits until every record sent so far was delivered or failed.
func (s *OTLPSender) Flush(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for s.inFlight.Load() > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("simulate: flush: %d records still in flight: %w", s.inFlight.Load(), ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Stats reports the counts so far.
func (s *OTLPSender) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Sent: s.sent.Load(), Delivered: s.delivered.Load(), Failed: s.failed.Load(), LastErr: s.lastErr}
}

// Close stops the workers once the queued records are delivered.
func (s *OTLPSender) Close() error {
	close(s.work)
	s.wg.Wait()
	return nil
}
