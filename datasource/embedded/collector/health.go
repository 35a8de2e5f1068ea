package collector

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Probe is what /readyz asks of the store; *embedded.Store has it.
type Probe interface {
	// Writable says why events cannot be committed now, or nil.
	Writable() error
	// IndexLag is how far the in-process index trails the commits.
	IndexLag() (rows int, held bool)
}

// maxReadyLag is how many committed events the in-process index may trail
// by and still count as caught up: under load it always trails by the
// group being applied, and a probe must not flap with that.
const maxReadyLag = 50_000

// Ops is the operator's side of a collector process: /healthz (the
// process answers), /readyz (the store takes writes and the index is
// caught up; 503 and the reason otherwise) and /metrics. None of these is
// a PostHog route and none needs a token: they tell nothing about the
// events themselves.
type Ops struct {
	Probe Probe
	// Metrics is nil when nothing is measured.
	Metrics *Metrics
}

// Wrap serves c with the operator's endpoints beside it, /metrics among
// them when serveMetrics is set (it is not when --metrics-listen gives
// metrics an address of their own). Capture requests are counted into
// Metrics on the way through either way.
func (o Ops) Wrap(c *Collector, serveMetrics bool) http.Handler {
	var capture http.Handler = c
	if o.Metrics != nil {
		capture = o.Metrics.instrument(c)
	}
	return o.handler(capture, serveMetrics)
}

// Handler serves the operator's endpoints alone, for --metrics-listen.
func (o Ops) Handler() http.Handler { return o.handler(http.NotFoundHandler(), true) }

func (o Ops) handler(rest http.Handler, serveMetrics bool) http.Handler {
	metrics := rest
	if o.Metrics != nil && serveMetrics {
		metrics = o.Metrics.Handler()
	}
	// Not an http.ServeMux: it redirects unclean paths, and posthog-go
	// posts to "//batch/" when POSTHOG_HOST ends in "/"; a redirected POST
	// becomes a GET and loses its body.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprintln(w, "ok")
		case "/readyz":
			lines, ready := readiness(o.Probe)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if !ready {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			fmt.Fprintln(w, strings.Join(lines, "\n"))
		case "/metrics":
			metrics.ServeHTTP(w, r)
		default:
			rest.ServeHTTP(w, r)
		}
	})
}

// readiness checks each condition and says how it stands, one line each.
func readiness(p Probe) (lines []string, ready bool) {
	ready = true
	if err := p.Writable(); err != nil {
		ready = false
		lines = append(lines, "store: not writable: "+err.Error())
	} else {
		lines = append(lines, "store: writable")
	}
	switch lag, held := p.IndexLag(); {
	case !held:
		lines = append(lines, "index: none in this process (readers build their own)")
	case lag > maxReadyLag:
		ready = false
		lines = append(lines, fmt.Sprintf("index: %d events behind the store", lag))
	default:
		lines = append(lines, fmt.Sprintf("index: caught up (%d events pending)", lag))
	}
	if ready {
		lines = append([]string{"ready"}, lines...)
	} else {
		lines = append([]string{"not ready"}, lines...)
	}
	return lines, ready
}

// Endpoints lists the paths the collector answers (each also with a
// trailing slash), sorted, for the start line.
func Endpoints() []string {
	out := make([]string, 0, len(routes))
	for p := range routes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
