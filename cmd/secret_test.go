package cmd

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// canaryKey is a personal API key no output may hold, whole or in part.
const canaryKey = "phx_SECRET_canary_1234567890"

func requireNoCanary(t *testing.T, where, text string) {
	t.Helper()
	for _, bad := range []string{canaryKey, "SECRET_canary", "1234567890"} {
		if strings.Contains(text, bad) {
			t.Fatalf("%s holds the API key (%q):\n%s", where, bad, text)
		}
	}
}

// canaryAPI is the fake PostHog for canaryKey, answering the check query
// with the configured events and a snapshot with a few rows.
func canaryAPI(t *testing.T) *posthogtest.Server {
	f := posthogtest.New(t, canaryKey)
	f.Answer = func(q posthogtest.Query) ([]string, [][]any) {
		if q.Name == "ttmon.check" {
			return []string{"value", "n"}, [][]any{{"telemetry.health", 1200}, {"error_occurred", 3}, {"timer.started", 77}}
		}
		return []string{"tag", "k", "b", "v1", "v2", "v3", "v4"}, [][]any{{"tot", "", 0, 1280, 42, 3, 77}, {"ver", "4.9.1", 0, 42, 0, 0, 0}}
	}
	return f
}

// echoing answers every request with status and a body that quotes the
// Authorization header, the key and a piece of it, as a careless proxy or
// a debugging middleware might.
func echoing(status int, page bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		key := strings.TrimPrefix(auth, "Bearer ")
		if page {
			w.WriteHeader(status)
			fmt.Fprintf(w, "<html><pre>%s\nkey=%s</pre></html>", auth, key)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"type":"x","code":"y","detail":"request with %s (key %s, %s...) failed","attr":null}`, auth, key, key[:16])
	}
}

// TestSecretsNeverShown runs ttmon check and ttmon snapshot (text, JSON
// and --check) with a distinctive key, against a PostHog that answers,
// one that echoes the key back in every kind of failure, and hosts that
// cannot be reached; the key must not be in stdout, stderr or the --log
// file, whatever the outcome.
func TestSecretsNeverShown(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}()
	redirect := func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		http.Redirect(w, r, "https://"+key+"@eu.posthog.com/login?next=/api&token="+key, http.StatusFound)
	}
	cases := []struct {
		name  string
		host  string // "" is the fake
		fault http.HandlerFunc
		ok    bool
	}{
		{"answers", "", nil, true},
		{"401 echo", "", echoing(401, false), false},
		{"403 echo", "", echoing(403, false), false},
		{"400 echo", "", echoing(400, false), false},
		{"500 echo", "", echoing(500, false), false},
		{"503 page", "", echoing(503, true), false},
		{"200 page", "", echoing(200, true), false},
		{"redirect", "", redirect, false},
		{"connection refused", closed, nil, false},
		{"unknown host", "http://ttmon-test.invalid", nil, false},
	}
	commands := [][]string{
		{"check"}, {"check", "--json"},
		{"snapshot", "--tz", "UTC"}, {"snapshot", "--json", "--tz", "UTC"}, {"snapshot", "--check", "--tz", "UTC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := isolated(t)
			env["TTMON_POSTHOG_API_KEY"] = canaryKey
			host := c.host
			if host == "" {
				f := canaryAPI(t)
				f.Fail(c.fault)
				host = f.URL
			}
			logFile := filepath.Join(t.TempDir(), "ttmon.log")
			for _, args := range commands {
				args = append(args, "--source", "posthog", "--posthog-host", host, "--project", "12345", "--log", logFile)
				code, out, errs := run(t, env, args...)
				if (code == 0) != c.ok {
					t.Errorf("%v: exit %d\n%s%s", args[:2], code, out, errs)
				}
				requireNoCanary(t, strings.Join(args[:2], " ")+" output", out+errs)
			}
			logs, err := os.ReadFile(logFile)
			if err != nil || !strings.Contains(string(logs), "posthog source") {
				t.Fatalf("the log was not written: %v\n%s", err, logs)
			}
			requireNoCanary(t, "the log", string(logs))
		})
	}
}

// TestSecretsInSettings: the key in the config file or swapped into
// another setting is never quoted back.
func TestSecretsInSettings(t *testing.T) {
	env := isolated(t)
	f := canaryAPI(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("version: 1\nsource: posthog\nposthog:\n  host: "+f.URL+"\n  project: \"12345\"\n  api_key: "+canaryKey+"\n"), 0o644)
	code, out, errs := run(t, env, "check", "--config", cfg)
	if code != 0 || !strings.Contains(errs, "chmod 600") {
		t.Errorf("key in a readable config: exit %d\n%s%s", code, out, errs)
	}
	requireNoCanary(t, "check with the key in the config", out+errs)

	for name, e := range map[string]map[string]string{
		"key as project":    {"TTMON_POSTHOG_PROJECT": canaryKey},
		"key as host":       {"TTMON_POSTHOG_HOST": canaryKey},
		"key in a host URL": {"TTMON_POSTHOG_HOST": "https://user:" + canaryKey + "@" + strings.TrimPrefix(f.URL, "http://")},
		"key as budget":     {"TTMON_QUERY_BUDGET": canaryKey},
		"key as range":      {"TTMON_RANGE": canaryKey},
	} {
		t.Run(name, func(t *testing.T) {
			env := isolated(t)
			env["TTMON_SOURCE"], env["TTMON_POSTHOG_HOST"], env["TTMON_POSTHOG_PROJECT"] = "posthog", f.URL, "12345"
			env["TTMON_POSTHOG_API_KEY"] = canaryKey
			for k, v := range e {
				env[k] = v
			}
			for _, args := range [][]string{{"check"}, {"snapshot"}} {
				code, out, errs := run(t, env, args...)
				if code == 0 && name != "key in a host URL" {
					t.Errorf("%s: exit 0\n%s%s", args[0], out, errs)
				}
				requireNoCanary(t, args[0]+" output", out+errs)
			}
		})
	}
}
