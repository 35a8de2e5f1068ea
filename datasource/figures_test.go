package datasource

import (
	"fmt"
	"testing"
)

func TestErrorsByVersionCapped(t *testing.T) {
	m := map[string]int64{}
	for i := range 10000 {
		m[fmt.Sprintf("1.%d.0", i)] = int64(i%7 + 1)
	}
	got := ErrorsByVersion(m)
	if len(got) != MaxErrorVersions {
		t.Fatalf("%d versions listed, want %d", len(got), MaxErrorVersions)
	}
	for _, v := range got {
		if v.Errors != 7 {
			t.Fatalf("kept %+v; the most-erroring versions (7 errors) should come first", v)
		}
	}
}
