package collector

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// capture handles one capture request: wait for a slot, read, decode,
// authenticate, store, answer.
func (c *Collector) capture(w http.ResponseWriter, r *http.Request, kind routeKind) {
	release, ok := c.acquire(r.Context())
	if !ok {
		c.reject(w, errBusy)
		return
	}
	defer release()

	limit := c.limits.EventBytes
	if kind == routeBatch {
		limit = c.limits.BatchBytes
	}
	body, aerr := c.readBody(w, r, limit)
	if aerr != nil {
		c.reject(w, aerr)
		return
	}
	query := r.URL.Query()
	p := payload{
		body:        body,
		query:       query,
		contentType: r.Header.Get("Content-Type"),
		encoding:    r.Header.Get("Content-Encoding"),
	}
	events, aerr := c.decode(p, kind, limit)
	if aerr != nil {
		c.reject(w, aerr)
		return
	}
	if len(events) > 0 {
		res, err := c.ing.Ingest(r.Context(), events)
		if err != nil {
			if r.Context().Err() != nil {
				// The client left; its retry will carry the same uuids.
				c.reject(w, errClientGone)
				return
			}
			c.log.Warn("store did not commit events", "events", len(events), "err", err)
			c.reject(w, errStore)
			return
		}
		c.stored.Add(uint64(res.Stored))
		c.duplicate.Add(uint64(res.Duplicates))
		c.dropped.Add(uint64(res.Dropped))
	}
	if query.Get("beacon") == "1" {
		w.WriteHeader(http.StatusNoContent) // sendBeacon ignores the body
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// decode turns a payload into store events: unwrap, parse, authenticate,
// then settle each event. Bad events are counted and left out.
func (c *Collector) decode(p payload, kind routeKind, limit int) ([]embedded.Event, *apiError) {
	req, formToken, aerr := decodeRequest(p, limit, c.limits.MaxDepth)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.events) > c.limits.MaxEvents {
		return nil, tooLarge("too_many_events", "request holds %d events; the limit is %d", len(req.events), c.limits.MaxEvents)
	}
	token, aerr := tokenOf(req, formToken, p)
	if aerr != nil {
		return nil, aerr
	}
	if token == "" {
		return nil, errMissingToken
	}
	if !c.validToken(token) {
		return nil, errUnknownToken
	}
	c.received.Add(uint64(len(req.events)))

	d := eventDefaults{now: c.now().UTC(), sentAt: req.sentAt, hasSentAt: req.hasSentAt}
	if kind == routeEngage {
		d.name = "$identify"
	}
	if !d.hasSentAt {
		if v := firstNonEmpty(p.query.Get("_"), p.query.Get("sent_at")); v != "" {
			d.sentAt, d.hasSentAt = querySentAt(v)
		}
	}
	events := make([]embedded.Event, 0, len(req.events))
	for i := range req.events {
		ev, why := req.events[i].toEvent(d)
		if why != "" {
			c.dropped.Add(1)
			c.log.Debug("event dropped", "reason", why)
			continue
		}
		events = append(events, ev)
	}
	return events, nil
}

// decodeRequest is the pure part of decoding, shared with FuzzDecode.
func decodeRequest(p payload, limit, maxDepth int) (*request, string, *apiError) {
	text, formToken, err := unwrap(p, limit)
	if err != nil {
		return nil, "", asAPIError(err)
	}
	req, err := parseBody(text, maxDepth)
	if err != nil {
		return nil, "", asAPIError(err)
	}
	return req, formToken, nil
}

func tokenOf(req *request, formToken string, p payload) (string, *apiError) {
	queryToken := firstNonEmpty(p.query.Get("token"), p.query.Get("api_key"))
	token, err := requestToken(req, formToken, queryToken)
	if err != nil {
		return "", asAPIError(err)
	}
	return token, nil
}

func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return badPayload("invalid_payload", "invalid payload")
}

// readBody reads at most limit bytes within BodyTimeout: more is a 413
// (announced by Content-Length or discovered while reading), a client that
// stalls gets a 408. After a failure the read deadline stays and the
// connection is closed, so the server does not wait for the rest of the
// body before sending the refusal.
func (c *Collector) readBody(w http.ResponseWriter, r *http.Request, limit int) ([]byte, *apiError) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(c.limits.BodyTimeout)) // unsupported writers just have no deadline
	if r.ContentLength > int64(limit) {
		w.Header().Set("Connection", "close")
		return nil, tooLarge("too_large", "body exceeds %d bytes", limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, int64(limit)))
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
		return buf.Bytes(), nil
	}
	w.Header().Set("Connection", "close")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, tooLarge("too_large", "body exceeds %d bytes", limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, errBodyTimeout
	}
	return nil, badPayload("read_failed", "failed to read request body")
}
