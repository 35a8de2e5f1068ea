// Command sidebyside is the Go half of bench/sidebyside/run.sh (see
// there and BENCHMARKS.md): it makes the embedded store's benchmark data
// (fleetgen, the same generator and size as TTMON_BENCH_SIZES) once, into
// a ttmon store and into files ClickHouse loads, and times ttmon's warm
// in-process Snapshot on that store. It is not built into ttmon.
//
//	go run ./datasource/embedded/internal/sidebyside gen -size 1M -dir /tmp/ttmon-sbs
//	go run ./datasource/embedded/internal/sidebyside snap -dir /tmp/ttmon-sbs
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/embedded/internal/fleetgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: sidebyside gen|snap [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dir := fs.String("dir", filepath.Join(os.TempDir(), "ttmon-sbs"), "where the store and the ClickHouse files go")
	size := fs.String("size", "1M", "events, as TTMON_BENCH_SIZES names them (300k, 1M, 10M)")
	reps := fs.Int("reps", 7, "snap: runs per query; the best is reported")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "gen":
		n, err := parseSize(*size)
		if err != nil {
			return err
		}
		return gen(*dir, n)
	case "snap":
		return snap(*dir, *reps)
	}
	return fmt.Errorf("unknown command %q: use gen or snap", args[0])
}

// parseSize reads 300k, 1M, 10M or a plain number.
func parseSize(s string) (int64, error) {
	mul := int64(1)
	switch {
	case strings.HasSuffix(s, "M"):
		mul, s = 1_000_000, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "k"):
		mul, s = 1_000, strings.TrimSuffix(s, "k")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("size %q: write 300k, 1M or 10M", s)
	}
	return int64(f * float64(mul)), nil
}

// Meta describes a generated data set for run.sh.
type Meta struct {
	Events      int       `json:"events"`
	End         time.Time `json:"end"`
	Newest      string    `json:"newest"`
	DistinctIDs int       `json:"distinct_ids"`
}

// gen writes dir/events.db (a ttmon store, filled with Ingest in batches
// of 10,000 as the benchmarks' stores are), dir/events.ndjson (one event
// a line) and dir/persons.ndjson (each distinct id's person and that
// person's final properties, for ClickHouse's persons-on-events columns).
func gen(dir string, target int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"events.db", "events.db-wal", "events.db-shm", "events.ndjson", "persons.ndjson", "meta.json"} {
		os.Remove(filepath.Join(dir, f))
	}
	start := time.Now()
	plan, err := fleetgen.PlanExact(target)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "plan for %d events (%v)\n", target, time.Since(start).Round(time.Second))
	st, err := embedded.Open(filepath.Join(dir, "events.db"))
	if err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(dir, "events.ndjson"))
	if err != nil {
		st.Close()
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	ps := newPersons()
	n, err := fill(st, w, ps, plan)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if int64(n) != plan.Events {
		return fmt.Errorf("the plan made %d events, not %d: refusing the data set", n, plan.Events)
	}
	if err := ps.write(filepath.Join(dir, "persons.ndjson")); err != nil {
		return err
	}
	rs := fleetgen.Model().Releases()
	meta := Meta{Events: n, End: fleetgen.End, Newest: rs[len(rs)-1].Version, DistinctIDs: len(ps.parent)}
	b, _ := json.MarshalIndent(meta, "", "  ")
	fmt.Fprintf(os.Stderr, "%d events into %s in %v\n", n, dir, time.Since(start).Round(time.Second))
	return os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644)
}

// fill runs the plan once: every event goes to the store and to w, and
// its person updates to ps.
func fill(st *embedded.Store, w *bufio.Writer, ps *persons, plan fleetgen.Plan) (int, error) {
	batch := make([]embedded.Event, 0, 10000)
	n := 0
	flush := func() error {
		if _, err := st.Ingest(context.Background(), batch); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	enc := json.NewEncoder(w)
	for e := range fleetgen.Events(plan) {
		ps.apply(e)
		props, err := json.Marshal(e.Properties)
		if err != nil {
			return n, err
		}
		row := struct {
			UUID       string `json:"uuid"`
			Event      string `json:"event"`
			DistinctID string `json:"distinct_id"`
			Timestamp  string `json:"timestamp"`
			Properties string `json:"properties"`
		}{e.UUID, e.Name, e.DistinctID, e.Timestamp.UTC().Format("2006-01-02 15:04:05.000"), string(props)}
		if err := enc.Encode(row); err != nil {
			return n, err
		}
		batch = append(batch, embedded.Event(e))
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// snap times ttmon's warm in-process Snapshot on dir/events.db: the
// store opened once, the first answer discarded, then the best of reps,
// for a 24h snapshot without filters and a 30d one with the two-condition
// cohort (docker, on the newest release), as the benchmarks define them.
func snap(dir string, reps int) error {
	var meta Meta
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	if err != nil {
		return fmt.Errorf("%w: run gen first", err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return err
	}
	st, err := embedded.Open(filepath.Join(dir, "events.db"), embedded.WithClock(func() time.Time { return meta.End }))
	if err != nil {
		return err
	}
	defer st.Close()
	out := map[string]any{}
	for _, c := range []struct {
		name, span string
		cohort     bool
	}{{"24h", "24h", false}, {"30d_cohort", "30d", true}} {
		r, err := datasource.ParseRange(c.span, meta.End)
		if err != nil {
			return err
		}
		q := datasource.Query{Range: r, TZ: "Europe/Berlin"}
		if c.cohort {
			q.Filters = []datasource.Filter{
				{Scope: datasource.ScopePerson, Key: "deployment_method", Op: datasource.OpEq, Values: []string{"docker"}},
				{Scope: datasource.ScopePerson, Key: "current_version", Op: datasource.OpEq, Values: []string{meta.Newest}},
			}
		}
		var best time.Duration
		var s *datasource.Snapshot
		for i := 0; i <= reps; i++ {
			t0 := time.Now()
			if s, err = st.Snapshot(context.Background(), q); err != nil {
				return err
			}
			if d := time.Since(t0); i == 1 || i > 1 && d < best {
				best = d
			}
		}
		out[c.name] = map[string]any{"ms": float64(best.Microseconds()) / 1000, "active": s.Installs.Active}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
