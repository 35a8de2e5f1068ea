package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

func TestCheckEmbedded(t *testing.T) {
	env := isolated(t)
	db := filepath.Join(t.TempDir(), "events.db")
	code, out, errs := run(t, env, "check", "--db", db)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.Contains(out, "no store at") {
		t.Errorf("missing store: exit %d, %s%s", code, out, errs)
	}
	seedStore(t, db, time.Now())
	code, out, errs = run(t, env, "check", "--db", db)
	if code != 0 || !strings.Contains(out, "all checks passed") || !strings.Contains(out, "telemetry.health") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
}

// fakeAPI answers the query API like PostHog for one project and key:
// the check query gets the event counts, a snapshot gets a few rows.
func fakeAPI(t *testing.T, key string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(401)
			io.WriteString(w, `{"type":"authentication_error","code":"authentication_failed","detail":"Personal API key found in request Authorization header is invalid.","attr":null}`)
			return
		}
		if r.URL.Path == "/api/projects/12345/cohorts/" {
			io.WriteString(w, `{"next":null,"results":[{"id":1,"name":"Docker users","count":3}]}`)
			return
		}
		if r.URL.Path != "/api/projects/12345/query/" {
			w.WriteHeader(404)
			io.WriteString(w, `{"type":"invalid_request","code":"not_found","detail":"Not found.","attr":null}`)
			return
		}
		var body struct{ Name string }
		json.NewDecoder(r.Body).Decode(&body)
		switch body.Name {
		case "ttmon.check":
			io.WriteString(w, `{"columns":["value","n"],"results":[["telemetry.health",1200],["error_occurred",3],["timer.started",77]],"hasMore":false}`)
		default:
			io.WriteString(w, `{"columns":["tag","k","b","v1","v2","v3","v4"],"results":[["tot","",0,1280,42,3,77],["prev","",0,40,0,0,0],["ver","4.9.1",0,42,0,0,0]],"hasMore":false}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckPostHog(t *testing.T) {
	env := isolated(t)
	srv := fakeAPI(t, "phx_good")
	args := []string{"check", "--source", "posthog", "--posthog-host", srv.URL, "--project", "12345"}
	env["TTMON_POSTHOG_API_KEY"] = "phx_good"
	code, out, errs := run(t, env, args...)
	if code != 0 || !strings.Contains(out, "1200  telemetry.health") || !strings.Contains(out, "all checks passed") {
		t.Errorf("good key: exit %d\n%s%s", code, out, errs)
	}
	env["TTMON_POSTHOG_API_KEY"] = "phx_wrong_SECRET"
	code, out, errs = run(t, env, args...)
	if code != 1 || !strings.Contains(out, "FAIL  API key") || strings.Contains(out+errs, "SECRET") {
		t.Errorf("bad key: exit %d\n%s%s", code, out, errs)
	}
	delete(env, "TTMON_POSTHOG_API_KEY")
	env["POSTHOG_PERSONAL_API_KEY"] = "phx_good"
	code, out, _ = run(t, env, append(args, "--json")...)
	if code != 0 || !strings.Contains(out, `"name": "heartbeat events"`) {
		t.Errorf("POSTHOG_PERSONAL_API_KEY and --json: exit %d\n%s", code, out)
	}
	code, _, errs = run(t, env, "check", "--source", "posthog", "--posthog-host", srv.URL, "--project", "12345", "--query-budget", "lots")
	if code != 1 || !strings.Contains(errs, "posthog.query_budget") {
		t.Errorf("bad budget: exit %d %s", code, errs)
	}
}

func TestSnapshotPostHog(t *testing.T) {
	env := isolated(t)
	env["TTMON_POSTHOG_API_KEY"] = "phx_good"
	srv := fakeAPI(t, "phx_good")
	code, out, errs := run(t, env, "snapshot", "--source", "posthog", "--posthog-host", srv.URL, "--project", "12345", "--json", "--tz", "UTC")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Source   string `json:"source"`
		Installs struct {
			Active, Previous int64
		} `json:"installs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err, out)
	}
	if doc.Installs.Active != 42 || doc.Installs.Previous != 40 || !strings.HasPrefix(doc.Source, "posthog "+srv.URL) {
		t.Errorf("snapshot %+v", doc)
	}
}

// TestCheckSaysBudget: ttmon check says which query budget ttmon paces to
// and why: assumed by default, as configured when set.
func TestCheckSaysBudget(t *testing.T) {
	env := isolated(t)
	env["TTMON_POSTHOG_API_KEY"] = "phx_good"
	srv := fakeAPI(t, "phx_good")
	args := []string{"check", "--source", "posthog", "--posthog-host", srv.URL, "--project", "12345"}
	code, out, errs := run(t, env, args...)
	if code != 0 || !strings.Contains(out, "query budget") || !strings.Contains(out, "120/h, assumed: no budget configured") ||
		!strings.Contains(out, "API-queries feature") {
		t.Errorf("default: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run(t, env, append(args, "--query-budget", "2400/h")...)
	if code != 0 || !strings.Contains(out, "2400/h, as configured") {
		t.Errorf("--query-budget 2400/h: exit %d\n%s%s", code, out, errs)
	}
}

// TestCheckListsAFleetsEvents: the text report names every event of a
// TimeTracker fleet (about 35 names), rare ones included, and says how
// many it leaves out beyond checkNames.
func TestCheckListsAFleetsEvents(t *testing.T) {
	rep := &datasource.CheckReport{}
	for i := range 36 {
		rep.Seen = append(rep.Seen, datasource.ValueCount{Value: fmt.Sprintf("event.%02d", i), Count: int64(1000 - i)})
	}
	var b strings.Builder
	writeCheckReport(&b, rep)
	if !strings.Contains(b.String(), "event.35") || strings.Contains(b.String(), "more (--json") {
		t.Errorf("36 names: want all listed:\n%s", b.String())
	}
	for i := 36; i < checkNames+3; i++ {
		rep.Seen = append(rep.Seen, datasource.ValueCount{Value: fmt.Sprintf("event.%02d", i), Count: 1})
	}
	b.Reset()
	writeCheckReport(&b, rep)
	if !strings.Contains(b.String(), "... and 3 more (--json lists all)") {
		t.Errorf("%d names: want the last 3 left out:\n%s", len(rep.Seen), b.String())
	}
}
