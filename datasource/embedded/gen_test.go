package embedded

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// genVersion names the generator's output; bump it whenever genFleet
// changes, so cached stores from an older generator are not reused.
const genVersion = 1

// benchEnd is the end of the generated 30 days.
var benchEnd = time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)

var genVersions = []string{"4.0.0", "4.1.0", "4.1.1", "4.2.0", "4.3.0", "4.4.0-rc1", "4.4.0"}

// genFleet emits a TimeTracker-like month: 5,000 installs and 20,000 users;
// ~70% heartbeats (each $set-ting the install's person, last_seen included),
// ~20% timers, ~3% errors, the rest logins and exports. Deterministic.
func genFleet(total int, emit func([]Event) error) error {
	const installs, users, hours = 5000, 20000, 30 * 24
	r := rand.New(rand.NewPCG(42, genVersion))
	start := benchEnd.Add(-hours * time.Hour)
	perHour := total / hours
	n := 0
	batch := make([]Event, 0, 5000)
	for h := 0; h < hours; h++ {
		count := perHour
		if h == hours-1 {
			count = total - n
		}
		for i := 0; i < count; i++ {
			ts := start.Add(time.Duration(h)*time.Hour + time.Duration(r.Int64N(int64(time.Hour))))
			ts = ts.Truncate(time.Millisecond)
			batch = append(batch, genEvent(r, n, h, ts, installs, users))
			n++
			if len(batch) == cap(batch) {
				if err := emit(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
	}
	if len(batch) > 0 {
		return emit(batch)
	}
	return nil
}

func genEvent(r *rand.Rand, n, h int, ts time.Time, installs, users int) Event {
	ev := Event{UUID: fmt.Sprintf("%08x-0000-4000-8000-%012x", genVersion, n), Timestamp: ts, Properties: M{}}
	roll := r.IntN(100)
	if roll < 70 {
		in := r.IntN(installs)
		// Installs upgrade over the month, each at its own pace.
		v := genVersions[min(len(genVersions)-1, (h+in%200)/(120+in%50))]
		plat := []string{"Linux", "Linux", "Linux", "Windows", "Darwin"}[in%5]
		dep := []string{"docker", "docker", "docker", "native"}[in%4]
		ev.Name = []string{"telemetry.health", "base_telemetry.heartbeat"}[in%2]
		ev.DistinctID = "fp" + strconv.Itoa(in)
		ev.Properties = M{"app_version": v, "platform": plat, "deployment_method": dep,
			"python_version": "3.12", "environment": "production",
			"$set": M{"$set": M{"current_version": v, "deployment_method": dep, "current_platform": plat,
				"last_seen": ts.Truncate(time.Hour).Format(time.RFC3339)},
				"$set_once": M{"first_seen_version": v}}}
		return ev
	}
	u := r.IntN(users)
	ev.DistinctID = "user" + strconv.Itoa(u)
	switch {
	case roll < 90:
		ev.Name = []string{"timer.started", "timer.stopped"}[r.IntN(2)]
		ev.Properties["project_id"] = float64(1 + u%50)
	case roll < 93:
		ev.Name = []string{"error_occurred", "$exception"}[r.IntN(2)]
		ev.Properties["error_type"] = []string{"DatabaseError", "TimeoutError", "ValueError"}[r.IntN(3)]
		ev.Properties["app_version"] = genVersions[min(len(genVersions)-1, h/110)]
	case roll < 97:
		ev.Name = "auth.login"
		auth := []string{"local", "oidc", "oidc", "ldap"}[u%4]
		ev.Properties["auth_method"] = auth
		ev.Properties["$set"] = M{"auth_method": auth, "role": []string{"user", "user", "manager", "admin"}[u%4],
			"is_admin": u%4 == 3}
	default:
		ev.Name = []string{"export.csv", "export.excel"}[r.IntN(2)]
		ev.Properties["num_rows"] = float64(r.IntN(1000))
	}
	return ev
}

// benchSize is the benchmark store's event count: 1M, 10M with
// TTMON_BENCH_LARGE=1, or TTMON_BENCH_EVENTS.
func benchSize() int {
	if v, err := strconv.Atoi(os.Getenv("TTMON_BENCH_EVENTS")); err == nil && v > 0 {
		return v
	}
	if os.Getenv("TTMON_BENCH_LARGE") == "1" {
		return 10_000_000
	}
	return 1_000_000
}

// benchStore opens (generating it once, then caching it outside the repo
// under the user cache dir) a store of benchSize events.
func benchStore(b *testing.B, opts ...Option) *Store {
	b.Helper()
	size := benchSize()
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, "ttmon-bench", fmt.Sprintf("gen%d-%d.db", genVersion, size))
	if _, err := os.Stat(path + ".done"); err != nil {
		_ = os.Remove(path)
		_ = os.Remove(path + "-wal")
		start := time.Now()
		s, err := Open(path, withoutIndex())
		if err != nil {
			b.Fatal(err)
		}
		if err := genFleet(size, func(evs []Event) error {
			_, err := s.Ingest(context.Background(), evs)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.wdb.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d events into %s in %v", size, path, time.Since(start))
	}
	s, err := Open(path, append([]Option{WithClock(func() time.Time { return benchEnd })}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// benchQuery is the 24h or 30d range ending with the generated data,
// optionally with the "Docker users on latest" cohort.
func benchQuery(span string, cohort bool) datasource.Query {
	r, _ := datasource.ParseRange(span, benchEnd)
	q := datasource.Query{Range: r, TZ: "Europe/Berlin"}
	if cohort {
		q.Filters = []datasource.Filter{
			{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
			{Scope: datasource.ScopePerson, Key: "current_version", Op: datasource.OpEq, Values: []string{"4.4.0"}},
		}
	}
	return q
}
