package posthog

import (
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

// fakePostHog answers like PostHog's API (DESIGN.md section 4): the same
// routes, the same status codes and the same JSON bodies for success and
// for each error. Queries are answered by answer; scripted responses, when
// queued, are sent first, one per request.
type fakePostHog struct {
	t       testing.TB
	srv     *httptest.Server
	key     string
	project string
	scopes  []string
	answer  func(q fakeQuery) (cols []string, rows [][]any)
	cohorts []map[string]any

	mu       sync.Mutex
	requests []fakeRequest
	script   []scripted
}

type fakeRequest struct {
	Method, Path, Query, Auth, ContentType string
	Body                                   fakeQuery
}

// fakeQuery is the request body of POST /api/projects/{id}/query/.
type fakeQuery struct {
	Query struct {
		Kind      string         `json:"kind"`
		Query     string         `json:"query"`
		Values    map[string]any `json:"values"`
		Modifiers map[string]any `json:"modifiers"`
	} `json:"query"`
	Name    string `json:"name"`
	Refresh string `json:"refresh"`
}

type scripted struct {
	status int
	header map[string]string
	body   string
}

// PostHog's error bodies (Django REST framework's exception format).
const (
	body401 = `{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid.","attr":null}`
	body404 = `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`
	body500 = `{"type":"server_error","code":"error","detail":"A server error occurred.","attr":null}`
)

func body403(scope string) string {
	return `{"type":"authentication_error","code":"permission_denied","detail":"API key missing required scope '` + scope + `'","attr":null}`
}

func body429(seconds int) string {
	return fmt.Sprintf(`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in %d seconds.","attr":null}`, seconds)
}

func body400(detail string) string {
	d, _ := json.Marshal(detail)
	return `{"type":"validation_error","code":"query_error","detail":` + string(d) + `,"attr":null}`
}

func newFakePostHog(t testing.TB) *fakePostHog {
	f := &fakePostHog{t: t, key: testKey, project: "12345", scopes: []string{"query:read", "cohort:read"}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePostHog) push(status int, body string, header map[string]string) {
	f.mu.Lock()
	f.script = append(f.script, scripted{status: status, body: body, header: header})
	f.mu.Unlock()
}

func (f *fakePostHog) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakePostHog) last() fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

var routeRE = regexp.MustCompile(`^/api/projects/([^/]+)/(query|cohorts)/$`)

func (f *fakePostHog) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := fakeRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type")}
	_ = json.Unmarshal(raw, &req.Body)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var sc *scripted
	if len(f.script) > 0 {
		sc = &f.script[0]
		f.script = f.script[1:]
	}
	f.mu.Unlock()
	reply := func(status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	if sc != nil {
		for k, v := range sc.header {
			w.Header().Set(k, v)
		}
		reply(sc.status, sc.body)
		return
	}
	if req.Auth != "Bearer "+f.key {
		reply(http.StatusUnauthorized, body401)
		return
	}
	m := routeRE.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != f.project {
		reply(http.StatusNotFound, body404)
		return
	}
	need := map[string]string{"query": "query:read", "cohorts": "cohort:read"}[m[2]]
	if !slices.Contains(f.scopes, need) {
		reply(http.StatusForbidden, body403(need))
		return
	}
	if m[2] == "cohorts" {
		f.serveCohorts(w, r)
		return
	}
	if r.Method != http.MethodPost || req.Body.Query.Kind != "HogQLQuery" {
		reply(http.StatusBadRequest, body400("Expected a HogQLQuery"))
		return
	}
	cols, rows := f.answer(req.Body)
	types := make([][2]string, len(cols))
	for i, c := range cols {
		types[i] = [2]string{c, "String"}
	}
	if rows == nil {
		rows = [][]any{}
	}
	out, _ := json.Marshal(map[string]any{
		"results": rows, "columns": cols, "types": types, "hasMore": false, "limit": 50000, "offset": 0,
		"is_cached": false, "hogql": req.Body.Query.Query,
	})
	reply(http.StatusOK, string(out))
}

// serveCohorts pages the cohort list two at a time, with absolute next
// links like PostHog's.
func (f *fakePostHog) serveCohorts(w http.ResponseWriter, r *http.Request) {
	offset := 0
	fmt.Sscanf(r.URL.Query().Get("offset"), "%d", &offset)
	end := min(offset+2, len(f.cohorts))
	page := map[string]any{"count": len(f.cohorts), "next": nil, "previous": nil, "results": f.cohorts[offset:end]}
	if end < len(f.cohorts) {
		page["next"] = fmt.Sprintf("%s%s?limit=2&offset=%d", f.srv.URL, r.URL.Path, end)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// valueStrings lists every string value a request carried.
func (q fakeQuery) valueStrings() []string {
	var out []string
	for _, v := range q.Query.Values {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// hasValue reports whether v (a string or a whole number) was sent.
func (q fakeQuery) hasValue(v any) bool {
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

func (q fakeQuery) has(sql string) bool { return strings.Contains(q.Query.Query, sql) }
