package sqlref

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNotLinked: the reference engine is for tests only, so nothing the
// ttmon binary is built from may import it.
func TestNotLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/ttmon/ttmon").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/ttmon/ttmon/datasource/embedded/internal/sqlref" {
			t.Fatal("the ttmon binary links the SQL reference engine; import it from _test.go files only")
		}
	}
}
