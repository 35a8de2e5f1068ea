package embedded

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

func TestCohortFilterIsRefusedClearly(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, _ := datasource.ParseRange("24h", time.Now())
	f, _ := datasource.ParseFilter("cohort=12")
	_, err = st.Snapshot(context.Background(), datasource.Query{Range: r, Filters: []datasource.Filter{f}})
	if datasource.KindOf(err) != datasource.ErrQuery || !strings.Contains(err.Error(), "no PostHog cohorts") {
		t.Fatalf("Snapshot with a cohort filter: %v", err)
	}
}
