package collector

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/ttmon/ttmon/datasource/embedded"
)

// capture handles one capture request: read the body within the read
// budget, then take a slot to decode, authenticate and store it, and answer.
// Reading takes no slot, so clients that send slowly only hold the budget
// for the bytes they have sent.
func (c *Collector) capture(w http.ResponseWriter, r *http.Request, kind routeKind) {
	limit := c.limits.EventBytes
	if kind == routeBatch {
		limit = c.limits.BatchBytes
	}
	body, held, aerr := c.readBody(w, r, limit)
	// The body stays in memory until the answer, so it keeps its budget
	// through decoding and storing too.
	defer c.reads.give(held)
	if aerr != nil {
		c.reject(w, aerr)
		return
	}
	release, ok := c.acquire(r.Context())
	if !ok {
		c.reject(w, errBusy)
		return
	}
	defer release()

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
	if aerr := c.store(r, events); aerr != nil {
		c.reject(w, aerr)
		return
	}
	if query.Get("beacon") == "1" {
		w.WriteHeader(http.StatusNoContent) // sendBeacon ignores the body
		return
	}
	writeJSON(w, http.StatusOK, okBody)
}

// store commits events, if any, and counts what the store did with them.
// Any failure is a refusal the client retries; its retry carries the same
// uuids, so nothing is counted twice.
func (c *Collector) store(r *http.Request, events []embedded.Event) *apiError {
	if len(events) == 0 {
		return nil
	}
	res, err := c.ing.Ingest(r.Context(), events)
	if err != nil {
		if r.Context().Err() != nil {
			return errClientGone // the client left
		}
		c.log.Warn("store did not commit events", "events", len(events), "err", err)
		return errStore
	}
	c.stored.Add(uint64(res.Stored))
	c.duplicate.Add(uint64(res.Duplicates))
	c.dropped.Add(uint64(res.Dropped))
	return nil
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
			c.metrics.observeDrop(why)
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

// firstRead is the buffer a body starts in, and the read budget a client
// holds before it has sent anything.
const firstRead = 4 << 10

// readBody reads at most limit bytes within BodyTimeout, reserving read
// budget as the bytes arrive: the buffer starts at firstRead and doubles,
// never past the Content-Length (when sent) or limit plus one byte, the
// room that lets the last read see the end without growing again. It
// returns the bytes reserved, also on failure; the caller gives them back
// when the request is done. More than limit is a 413 (announced by
// Content-Length or discovered while reading), a client that stalls gets a
// 408, and one for which no budget comes free within QueueWait a 503.
// After a failure the read deadline stays and the connection is closed, so
// the server does not wait for the rest of the body before sending the
// refusal.
func (c *Collector) readBody(w http.ResponseWriter, r *http.Request, limit int) (body []byte, held int, aerr *apiError) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(c.limits.BodyTimeout)) // unsupported writers just have no deadline
	if r.ContentLength > int64(limit) {
		w.Header().Set("Connection", "close")
		return nil, 0, tooLarge("too_large", "body exceeds %d bytes", limit)
	}
	if r.ContentLength == 0 { // a GET, or an empty POST
		_ = rc.SetReadDeadline(time.Time{})
		return nil, 0, nil
	}
	most := limit + 1
	if r.ContentLength > 0 {
		most = int(r.ContentLength) + 1
	}
	src := http.MaxBytesReader(w, r.Body, int64(limit))
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if len(buf) == most {
				// More than the Content-Length said: only a handler called
				// directly sees that. src still stops at limit.
				most = limit + 1
			}
			size := min(max(2*cap(buf), firstRead), most)
			if !c.reads.take(r.Context(), size-held, c.limits.QueueWait) {
				w.Header().Set("Connection", "close")
				return nil, held, errBusy
			}
			held = size
			buf = append(make([]byte, 0, size), buf...)
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			_ = rc.SetReadDeadline(time.Time{})
			return buf, held, nil
		}
		if err != nil {
			w.Header().Set("Connection", "close")
			return nil, held, readError(err, limit)
		}
	}
}

// readError is the refusal for a body that could not be read.
func readError(err error, limit int) *apiError {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge("too_large", "body exceeds %d bytes", limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errBodyTimeout
	}
	return badPayload("read_failed", "failed to read request body")
}
