package embedded

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	st, err := Open(filepath.Join(t.TempDir(), "events.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	rep, err := st.Check(ctx, datasource.DefaultMapping())
	if err != nil || rep.OK() || !strings.Contains(rep.Steps[len(rep.Steps)-1].Detail, "no events") {
		t.Fatalf("empty store: %+v %v", rep, err)
	}
	ev := func(name string, ago time.Duration) Event {
		return Event{Name: name, DistinctID: "a", Timestamp: now.Add(-ago)}
	}
	st.Ingest(ctx, []Event{ev("telemetry.health", time.Hour), ev("telemetry.health", 2*time.Hour),
		ev("error_occurred", time.Hour), ev("timer_started_v2", time.Hour), ev("timer.started", 30*24*time.Hour)})
	rep, err = st.Check(ctx, datasource.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	var fails []string
	for _, s := range rep.Steps {
		if !s.OK {
			fails = append(fails, s.Name+": "+s.Detail)
		}
	}
	if rep.OK() || len(fails) != 1 || !strings.HasPrefix(fails[0], "timer events: none of timer.started in the last 7 days") {
		t.Errorf("failures %q", fails)
	}
	if len(rep.Seen) != 3 || rep.Seen[0] != (datasource.ValueCount{Value: "telemetry.health", Count: 2}) {
		t.Errorf("seen %v", rep.Seen)
	}
}
