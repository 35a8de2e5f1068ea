package posthog

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestHogQLGrammar parses every statement the adapter can generate with
// PostHog's own grammar (@posthog/hogql-parser, installed into
// testdata/hogql by .ci/run) and checks that the placeholders in the AST
// are exactly the values sent with it. Outside CI it skips when Node or
// the package is missing; in CI (CI set) that is a failure.
func TestHogQLGrammar(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "hogql"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "@posthog", "hogql-parser"))
	if err != nil || modErr != nil {
		msg := "needs node and @posthog/hogql-parser: run `npm ci --prefix datasource/posthog/testdata/hogql`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cases := everyQuery(t)
	results := make([]parsed, len(cases))
	// The WebAssembly parser reads ~3 KB/s; two processes use both cores.
	const procs = 2
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var idx []int
			var chunk []generated
			for i := p; i < len(cases); i += procs {
				idx = append(idx, i)
				chunk = append(chunk, cases[i])
			}
			got, err := parseAll(node, dir, t.TempDir(), chunk)
			if err == nil && len(got) != len(chunk) {
				err = fmt.Errorf("parsed %d of %d statements", len(got), len(chunk))
			}
			if err != nil {
				errs[p] = err
				return
			}
			for j, i := range idx {
				results[i] = got[j]
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range results {
		c := cases[i]
		if r.Error {
			t.Errorf("%s: PostHog's grammar rejects it: %s\n%s", c.Name, r.Message, c.SQL)
			continue
		}
		var want []string
		for k := range c.Values {
			want = append(want, k)
		}
		sort.Strings(want)
		if !slices.Equal(r.Placeholders, want) {
			t.Errorf("%s: placeholders in the AST %v, values sent %v", c.Name, r.Placeholders, want)
		}
	}
}

type parsed struct {
	Name         string   `json:"name"`
	Error        bool     `json:"error"`
	Message      string   `json:"message"`
	Placeholders []string `json:"placeholders"`
}

// parseAll runs testdata/hogql/parse.mjs over cases.
func parseAll(node, dir, tmp string, cases []generated) ([]parsed, error) {
	in := filepath.Join(tmp, "queries.json")
	data, _ := json.Marshal(cases)
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(node, filepath.Join(dir, "parse.mjs"), in)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("parser: %v\n%s", err, exitStderr(err))
	}
	var results []parsed
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("parser output: %v\n%s", err, out)
	}
	return results, nil
}

// TestNoUserTextInSQL: user-supplied keys, values and cohort names travel
// only as placeholder values, never in the statement text; and every
// statement bounds timestamp to the millisecond.
func TestNoUserTextInSQL(t *testing.T) {
	for _, c := range everyQuery(t) {
		for _, u := range c.User {
			if strings.Contains(c.SQL, u) || strings.Contains(c.SQL, "OR 1=1") {
				t.Errorf("%s: %q is in the SQL text", c.Name, u)
			}
			found := false
			for _, v := range c.Values {
				if v == u {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: %q is not among the values %v", c.Name, u, c.Values)
			}
		}
		if !strings.Contains(c.SQL, "timestamp >= fromUnixTimestamp64Milli(") || !strings.Contains(c.SQL, "timestamp < fromUnixTimestamp64Milli(") {
			t.Errorf("%s: timestamp is not bounded:\n%s", c.Name, c.SQL)
		}
		// A bound in whole seconds moves an edge that is not on one.
		if strings.Contains(c.SQL, "fromUnixTimestamp(") || strings.Contains(c.SQL, "toUnixTimestamp(timestamp) - ") {
			t.Errorf("%s: a time bound or bucket in whole seconds:\n%s", c.Name, c.SQL)
		}
	}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
