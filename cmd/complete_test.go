package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// completions runs cobra's hidden __complete as the shell scripts do and
// returns the candidates (the directive line dropped).
func completions(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	code, out, errs := run(t, env, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d %s", args, code, errs)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, ":") {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return got
}

func TestCompletionOffersValues(t *testing.T) {
	env := isolated(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "events.db")
	seedStore(t, db, time.Now())
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("version: 1\ncohorts:\n  - name: Docker on 4.9\n    filters: [deployment_method=docker]\n"), 0o600)

	if got := completions(t, env, "snapshot", "--range", ""); !containsAll(got, "1h", "24h", "7d", "30d") {
		t.Errorf("--range: %v", got)
	}
	got := completions(t, env, "--config", cfg, "--cohort", "")
	if !containsAll(got, "Docker users on latest", "Admins using OIDC", "Docker on 4.9") {
		t.Errorf("--cohort: %v", got)
	}
	if got := completions(t, env, "snapshot", "--config", cfg, "--cohort", "Adm"); len(got) != 1 || got[0] != "Admins using OIDC" {
		t.Errorf("--cohort Adm: %v", got)
	}
	got = completions(t, env, "snapshot", "--db", db, "--filter", "dep")
	if len(got) != 1 || got[0] != "deployment_method=" {
		t.Errorf("--filter dep: %v", got)
	}
	if got := completions(t, env, "snapshot", "--format", ""); !containsAll(got, "json", "openmetrics") {
		t.Errorf("--format: %v", got)
	}
	// No store: nothing to offer, and no error in the user's shell.
	if got := completions(t, env, "snapshot", "--db", filepath.Join(dir, "none.db"), "--filter", ""); len(got) != 0 {
		t.Errorf("--filter without a store: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("completion created a store")
	}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, _ := run(t, env, "completion", sh)
		if code != 0 || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d, no dynamic completion in the script", sh, code)
		}
	}
}

func containsAll(got []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestManPage(t *testing.T) {
	env := isolated(t)
	code, out, errs := run(t, env, "man")
	if code != 0 || !strings.Contains(out, `.TH "TTMON" "1"`) || !strings.Contains(out, "ttmon-collect(1)") {
		t.Fatalf("ttmon man: exit %d %s\n%.300s", code, errs, out)
	}
	dir := filepath.Join(t.TempDir(), "man1")
	if code, _, errs := run(t, env, "man", "--dir", dir); code != 0 {
		t.Fatalf("man --dir: exit %d %s", code, errs)
	}
	page, err := os.ReadFile(filepath.Join(dir, "ttmon-collect.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"tls-cert", "metrics-listen", "insecure-http"} {
		if !strings.Contains(string(page), flag) {
			t.Errorf("ttmon-collect.1 lacks --%s", flag)
		}
	}
}
