// Package posthogtest is a fake PostHog query API for tests: a real HTTP
// server (httptest) that answers like PostHog (ARCHITECTURE.md, TimeTracker's data), with
// the same routes, status codes and JSON bodies for success and for each
// error. Queries are answered by Server.Answer; scripted responses, when
// queued, are sent first, one per request; a fault, while set, answers
// every request after them. It lives outside package posthog so that the
// UI's tests can drive the real adapter against it too.
package posthogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Server is the fake. Set its fields before the first request; Push,
// PushFunc and Fail may be called at any time.
type Server struct {
	*httptest.Server
	// Key is the personal API key it accepts (as "Bearer <Key>").
	Key string
	// Project is the one project id it knows.
	Project string
	// Scopes are the key's scopes (query:read, cohort:read).
	Scopes []string
	// Answer gives the columns and rows of a query's result. An answer
	// with the built-in figures' columns to a snapshot that also asks for
	// dashboard panes gets the pane columns added (no pane rows: every
	// pane zero), so fakes written before panes keep working.
	Answer func(q Query) (cols []string, rows [][]any)
	// Cohorts is what GET /api/projects/{id}/cohorts/ lists, two a page.
	Cohorts []map[string]any

	mu       sync.Mutex
	requests []Request
	script   []http.HandlerFunc
	fault    http.HandlerFunc
}

// Request is what one request carried.
type Request struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   Query
}

// Query is the request body of POST /api/projects/{id}/query/.
type Query struct {
	Query struct {
		Kind      string         `json:"kind"`
		Query     string         `json:"query"`
		Values    map[string]any `json:"values"`
		Modifiers map[string]any `json:"modifiers"`
	} `json:"query"`
	Name    string `json:"name"`
	Refresh string `json:"refresh"`
}

// PostHog's error bodies (Django REST framework's exception format).
const (
	Body401 = `{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid.","attr":null}`
	Body404 = `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`
	Body500 = `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`
)

// Body403 is the answer for a key without scope.
func Body403(scope string) string {
	return `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope '` + scope + `'","attr":null}`
}

// Body429 is the answer of a throttled request.
func Body429(seconds int) string {
	return fmt.Sprintf(`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in %d seconds.","attr":null}`, seconds)
}

// Body400 is the answer to a query PostHog refuses.
func Body400(detail string) string {
	d, _ := json.Marshal(detail)
	return `{"type":"validation_error","code":"query_error","detail":` + string(d) + `,"attr":null}`
}

// New starts a fake for project 12345 that accepts key with the
// query:read and cohort:read scopes and answers every query with no rows;
// it stops when the test ends.
func New(t testing.TB, key string) *Server {
	f := &Server{Key: key, Project: "12345", Scopes: []string{"query:read", "cohort:read"},
		Answer: func(Query) ([]string, [][]any) { return nil, nil }}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Push queues one response with a status, a body and headers.
func (f *Server) Push(status int, body string, header map[string]string) {
	f.PushFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		reply(w, status, body)
	})
}

// PushFunc queues one response written by h.
func (f *Server) PushFunc(h http.HandlerFunc) {
	f.mu.Lock()
	f.script = append(f.script, h)
	f.mu.Unlock()
}

// Fail makes h answer every request that no scripted response takes,
// until Fail(nil) heals the server.
func (f *Server) Fail(h http.HandlerFunc) {
	f.mu.Lock()
	f.fault = h
	f.mu.Unlock()
}

// Count is the number of requests received.
func (f *Server) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// Last is the latest request.
func (f *Server) Last() Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

var routeRE = regexp.MustCompile(`^/api/projects/([^/]+)/(query|cohorts)/$`)

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
	_ = json.Unmarshal(raw, &req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	h := f.fault
	if len(f.script) > 0 {
		h = f.script[0]
		f.script = f.script[1:]
	}
	f.mu.Unlock()
	if h != nil {
		r.Body = io.NopCloser(bytes.NewReader(raw)) // a fault handler may read it again
		h(w, r)
		return
	}
	if req.Auth != "Bearer "+f.Key {
		reply(w, http.StatusUnauthorized, Body401)
		return
	}
	m := routeRE.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != f.Project {
		reply(w, http.StatusNotFound, Body404)
		return
	}
	need := map[string]string{"query": "query:read", "cohorts": "cohort:read"}[m[2]]
	if !slices.Contains(f.Scopes, need) {
		reply(w, http.StatusForbidden, Body403(need))
		return
	}
	if m[2] == "cohorts" {
		f.serveCohorts(w, r)
		return
	}
	if r.Method != http.MethodPost || req.Body.Query.Kind != "HogQLQuery" {
		reply(w, http.StatusBadRequest, Body400("Expected a HogQLQuery"))
		return
	}
	reply(w, http.StatusOK, string(f.AnswerJSON(req.Body)))
}

// AnswerJSON is the body of a 200 answer to q, as PostHog writes it: the
// rows of Answer, widened to every column the statement selects. A fault
// handler that answers late writes this.
func (f *Server) AnswerJSON(q Query) []byte {
	cols, rows := f.Answer(q)
	cols, rows = widen(q, cols, rows)
	types := make([][2]string, len(cols))
	for i, c := range cols {
		types[i] = [2]string{c, "String"}
	}
	if rows == nil {
		rows = [][]any{}
	}
	out, _ := json.Marshal(map[string]any{
		"results": rows, "columns": cols, "types": types, "hasMore": false, "limit": 50000, "offset": 0,
		"is_cached": false, "hogql": q.Query.Query,
	})
	return out
}

// paneColumns are the columns a snapshot with dashboard panes has beyond
// the built-in figures' (tag, k, b, v1..v4), with the value a built-in row
// carries in each.
var paneColumns = []struct {
	name string
	zero any
}{{"k2", ""}, {"v5", 0}, {"v6", 0}, {"v7", 0}, {"v8", 0}, {"vk", []string{}}, {"vn", []int{}}}

// widen gives an Answer written for the built-in figures alone the
// columns a snapshot that also asks for panes returns, so a fake that
// knows nothing of panes answers such a snapshot as PostHog would with no
// pane rows (every pane zero).
func widen(q Query, cols []string, rows [][]any) ([]string, [][]any) {
	if !q.Has(" AS vn") || !slices.Contains(cols, "tag") || slices.Contains(cols, "vn") {
		return cols, rows
	}
	cols = slices.Clone(cols)
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	for _, c := range paneColumns {
		if slices.Contains(cols, c.name) {
			continue
		}
		cols = append(cols, c.name)
		for i := range out {
			out[i] = append(out[i], c.zero)
		}
	}
	return cols, out
}

// serveCohorts pages the cohort list two at a time, with absolute next
// links like PostHog's.
func (f *Server) serveCohorts(w http.ResponseWriter, r *http.Request) {
	offset := 0
	fmt.Sscanf(r.URL.Query().Get("offset"), "%d", &offset)
	offset = min(max(offset, 0), len(f.Cohorts))
	end := min(offset+2, len(f.Cohorts))
	page := map[string]any{"count": len(f.Cohorts), "next": nil, "previous": nil, "results": f.Cohorts[offset:end]}
	if end < len(f.Cohorts) {
		page["next"] = fmt.Sprintf("%s%s?limit=2&offset=%d", f.URL, r.URL.Path, end)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// ValueStrings lists every string value a request carried.
func (q Query) ValueStrings() []string {
	var out []string
	for _, v := range q.Query.Values {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// HasValue reports whether v (a string or a whole number) was sent.
func (q Query) HasValue(v any) bool {
	for _, x := range q.Query.Values {
		switch y := x.(type) {
		case string:
			if s, ok := v.(string); ok && s == y {
				return true
			}
		case float64:
			if n, ok := v.(int64); ok && float64(n) == y {
				return true
			}
		}
	}
	return false
}

// Has reports whether the HogQL text contains sql.
func (q Query) Has(sql string) bool { return strings.Contains(q.Query.Query, sql) }
