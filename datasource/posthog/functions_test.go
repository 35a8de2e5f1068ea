package posthog

import (
	"bufio"
	"cmp"
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
// (testdata/hogql-functions.txt, read from PostHog's source): an
// unknown one fails on PostHog with "Unsupported function call" although
// ClickHouse, and so the chdb test, accepts it. Names listed in lower case
// are the ones PostHog also accepts in any case (nullIf, ifNull).
func TestOnlyExposedFunctions(t *testing.T) {
	// testdata/hogql-functions.txt is a copy of the list the project was
	// given (../shared/data); TTMON_HOGQL_FUNCTIONS tries a newer one.
	p := cmp.Or(os.Getenv("TTMON_HOGQL_FUNCTIONS"), "testdata/hogql-functions.txt")
	f, err := os.Open(p)
	if err != nil {
		t.Fatalf("the list of HogQL's functions: %v", err)
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
