package posthog

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// callRE finds function calls as the adapter writes them: a name directly
// followed by "(" (keywords such as IN and AND are followed by a space).
var callRE = regexp.MustCompile(`\b([A-Za-z_][A-Za-z0-9_]*)\(`)

// TestOnlyExposedFunctions checks every function every generated statement
// calls against the names PostHog's HogQL exposes
// (../shared/data/hogql-functions.txt, read from PostHog's source): an
// unknown one fails on PostHog with "Unsupported function call" although
// ClickHouse, and so the chdb test, accepts it. Names listed in lower case
// are the ones PostHog also accepts in any case (nullIf, ifNull).
func TestOnlyExposedFunctions(t *testing.T) {
	// The list lives beside the repository (../shared/data), or beside
	// the directory of a git worktree; TTMON_HOGQL_FUNCTIONS names it
	// elsewhere.
	var f *os.File
	var err error
	for _, p := range []string{os.Getenv("TTMON_HOGQL_FUNCTIONS"), "../../../shared/data/hogql-functions.txt",
		"../../../../shared/data/hogql-functions.txt"} {
		if p == "" {
			continue
		}
		if f, err = os.Open(p); err == nil {
			break
		}
	}
	if f == nil {
		t.Skip("needs ../shared/data/hogql-functions.txt beside the repository, or TTMON_HOGQL_FUNCTIONS naming it")
	}
	defer f.Close()
	exposed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			exposed[l] = true
		}
	}
	if len(exposed) < 100 {
		t.Fatalf("the function list has %d names", len(exposed))
	}
	for _, c := range everyQuery(t) {
		for _, m := range callRE.FindAllStringSubmatch(c.SQL, -1) {
			name := m[1]
			if !exposed[name] && !exposed[strings.ToLower(name)] {
				t.Errorf("%s: %s is not a function HogQL exposes", c.Name, name)
			}
		}
	}
}
