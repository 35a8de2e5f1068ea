package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ttmon/ttmon/datasource"
)

const commented = `# ttmon settings, kept by hand
version: 1

source: embedded   # local store

ui:
  range: 7d        # a week by default
  interval: 10s

cohorts:
    # the team's favourite
    - name: Docker on 4.9
      filters: ["deployment_method=docker", "current_version in (4.9.0, 4.9.1)"]

    - name: Admins
      filters:
        - is_admin=true

log: /tmp/ttmon.log # last line
`

var oidc = Cohort{Name: "OIDC admins", Filters: []string{"is_admin=true", "auth_method=oidc"}}

func TestAddCohortKeepsTheFile(t *testing.T) {
	out, err := AddCohort([]byte(commented), oidc, false)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(commented, "        - is_admin=true\n", `        - is_admin=true
    - name: OIDC admins
      filters:
        - is_admin=true
        - auth_method=oidc
`, 1)
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestAddCohortOverwrite(t *testing.T) {
	c := Cohort{Name: "Docker on 4.9", Filters: []string{`error_message = "Database is locked"`, "platform: x=1"}}
	_, err := AddCohort([]byte(commented), c, false)
	if !errors.Is(err, ErrCohortExists) || !strings.Contains(err.Error(), `"Docker on 4.9"`) {
		t.Fatalf("duplicate without overwrite: %v", err)
	}
	out, err := AddCohort([]byte(commented), c, true)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(commented, `    - name: Docker on 4.9
      filters: ["deployment_method=docker", "current_version in (4.9.0, 4.9.1)"]
`, `    - name: Docker on 4.9
      filters:
        - error_message = "Database is locked"
        - 'platform: x=1'
`, 1)
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	var cfg Config
	if err := Decode(out, &cfg); err != nil || len(cfg.Cohorts) != 2 || cfg.Cohorts[0].Filters[1] != "platform: x=1" {
		t.Fatalf("read back: %+v, %v", cfg.Cohorts, err)
	}
}

func TestAddCohortNewKey(t *testing.T) {
	for _, in := range []string{"version: 1\nsource: embedded # no newline at the end", "version: 1\n", ""} {
		out, err := AddCohort([]byte(in), oidc, false)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		head := in
		if head == "" {
			head = "version: 1"
		}
		want := strings.TrimSuffix(head, "\n") + "\ncohorts:\n  - name: OIDC admins\n    filters:\n      - is_admin=true\n      - auth_method=oidc\n"
		if string(out) != want {
			t.Errorf("%q: got\n%s\nwant\n%s", in, out, want)
		}
	}
}

// TestAddCohortFallback: layouts the splice does not handle are
// re-encoded from the YAML tree, which keeps the comments.
func TestAddCohortFallback(t *testing.T) {
	for _, in := range []string{
		"version: 1 # v\ncohorts: [] # none yet\n",
		"version: 1\ncohorts:\n",
		"version: 1\n# saved\ncohorts: [{name: a, filters: [x=1]}]\n",
		"{version: 1}\n",
	} {
		out, err := AddCohort([]byte(in), oidc, false)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		var cfg Config
		if err := Decode(out, &cfg); err != nil {
			t.Fatalf("%q: %v\n%s", in, err, out)
		}
		last := cfg.Cohorts[len(cfg.Cohorts)-1]
		if last.Name != oidc.Name || strings.Join(last.Filters, ";") != "is_admin=true;auth_method=oidc" {
			t.Errorf("%q: cohorts %+v", in, cfg.Cohorts)
		}
		for _, c := range []string{"# v", "# saved"} {
			if strings.Contains(in, c) && !strings.Contains(string(out), c) {
				t.Errorf("%q: lost comment %q:\n%s", in, c, out)
			}
		}
	}
}

func TestAddCohortRefuses(t *testing.T) {
	for _, tc := range []struct {
		in   string
		c    Cohort
		want string
	}{
		{"version: 1\nbogus: 1\n", oidc, "unknown setting bogus"},
		{"- a\n", oidc, "version"},
		{"version: 1\n", Cohort{Name: " ", Filters: []string{"a=b"}}, "give the cohort a name"},
		{"version: 1\n", Cohort{Name: "x"}, "no filters"},
		{"version: 1\n", Cohort{Name: "x", Filters: []string{"a in (b"}}, `filter "a in (b"`},
		{"version: 1\n", Cohort{Name: "two\nlines", Filters: []string{"a=b"}}, "line breaks"},
	} {
		err := checkCohort(tc.c)
		if err == nil {
			_, err = AddCohort([]byte(tc.in), tc.c, false)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %+v: %v, want %q", tc.in, tc.c, err, tc.want)
		}
	}
}

func TestSaveCohortFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ttmon", "config.yaml")
	if err := SaveCohort(path, oidc, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("new file: %v %v", st, err)
	}
	cfg, _, err := Load(path)
	if err != nil || len(cfg.Cohorts) != 1 || cfg.Cohorts[0].Name != oidc.Name {
		t.Fatalf("load: %+v %v", cfg.Cohorts, err)
	}
	if err := SaveCohort(path, oidc, false); !errors.Is(err, ErrCohortExists) {
		t.Fatalf("second save: %v", err)
	}
	// A file others may read keeps its mode; a symlink keeps pointing at it.
	real := filepath.Join(dir, "real.yaml")
	if err := os.WriteFile(real, []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := SaveCohort(link, oidc, false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link replaced: %v %v", fi, err)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	data, _ := os.ReadFile(real)
	if !strings.Contains(string(data), "# the team's favourite") || !strings.Contains(string(data), "- name: OIDC admins") {
		t.Errorf("file:\n%s", data)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSaveLatestKeepsItsMeaning: a cohort on "the newest release" is
// saved as `current_version is latest`, which reads back as the same
// filter (not a frozen version).
func TestSaveLatestKeepsItsMeaning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	c := Cohort{Name: "Docker on latest", Filters: []string{"deployment_method=docker", "current_version is latest"}}
	if err := SaveCohort(path, c, false); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Cohorts) != 1 || strings.Join(cfg.Cohorts[0].Filters, "|") != "deployment_method=docker|current_version is latest" {
		t.Fatalf("read back %+v", cfg.Cohorts)
	}
	fs, err := ParseFilters(cfg.Cohorts[0].Filters)
	if err != nil || fs[1].Op != datasource.OpLatest {
		t.Fatalf("parsed %+v, %v", fs, err)
	}
}
