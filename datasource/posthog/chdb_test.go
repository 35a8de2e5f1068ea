package posthog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource/posthog/posthogtest"
)

// chdbInstall is what a developer runs to get ClickHouse for the
// differential test; .ci/run runs it too. Not npm ci: the lock can only
// list the platform packages of chdb the registry it was made against
// serves, and npm ci refuses a lock without the others; npm install
// --no-save takes the versions from the lock and leaves it alone.
const chdbInstall = "npm install --prefix datasource/posthog/testdata/chdb --no-save --no-audit --no-fund"

// clickhouse is a ClickHouse engine running in a Node process (chdb, through
// testdata/chdb/serve.mjs): one session, one statement at a time.
type clickhouse struct {
	mu  sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
	pid int
}

// chAnswer is serve.mjs's reply to one statement.
type chAnswer struct {
	Text      string  `json:"text"`
	RowsRead  int64   `json:"rows_read"`
	BytesRead int64   `json:"-"` // uncompressed, from the answer's statistics
	Elapsed   float64 `json:"elapsed"`
	Error     string  `json:"error"`
}

// startClickHouse starts serve.mjs, or skips the test when chdb is not
// installed (it is 550 MB, so it is not in every checkout).
func startClickHouse(t testing.TB) *clickhouse {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "chdb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "chdb")); err != nil {
		msg := "needs ClickHouse in-process (chdb): run `" + chdbInstall + "`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg) // CI installs it (.ci/run): a skip there would hide the check
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("chdb is installed but node is not on PATH")
	}
	cmd := exec.Command(node, "serve.mjs")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close() // serve.mjs exits at the end of its input
		cmd.Wait()
	})
	return &clickhouse{in: in, out: bufio.NewReaderSize(out, 1<<20), pid: cmd.Process.Pid}
}

// cpu is the CPU time ClickHouse's process has used (user and system, in
// clock ticks of 10 ms), or 0 where /proc does not say. Unlike elapsed
// time it hardly moves with what else the machine runs.
func (c *clickhouse) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid))
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:])) // state ppid ... utime (12th) stime (13th)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// run executes one statement.
func (c *clickhouse) run(sql string) (chAnswer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	line, _ := json.Marshal(map[string]string{"sql": sql})
	if _, err := c.in.Write(append(line, '\n')); err != nil {
		return chAnswer{}, err
	}
	reply, err := c.out.ReadBytes('\n')
	if err != nil {
		return chAnswer{}, fmt.Errorf("chdb: %w", err)
	}
	var a chAnswer
	if err := json.Unmarshal(reply, &a); err != nil {
		return chAnswer{}, fmt.Errorf("chdb reply %q: %w", reply, err)
	}
	if a.Error != "" {
		return a, fmt.Errorf("ClickHouse: %s", a.Error)
	}
	// The answer's own statistics count the rows every part of the
	// statement read; chdb's result object reports less.
	var st struct {
		Statistics struct {
			Elapsed   float64 `json:"elapsed"`
			RowsRead  int64   `json:"rows_read"`
			BytesRead int64   `json:"bytes_read"`
		} `json:"statistics"`
	}
	if a.Text != "" && json.Unmarshal([]byte(a.Text), &st) == nil && st.Statistics.Elapsed > 0 {
		a.RowsRead, a.BytesRead, a.Elapsed = st.Statistics.RowsRead, st.Statistics.BytesRead, st.Statistics.Elapsed
	}
	return a, nil
}

func (c *clickhouse) must(t testing.TB, sql string) chAnswer {
	t.Helper()
	a, err := c.run(sql)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	return a
}

// table reads a JSONCompact answer as the columns and rows PostHog returns.
func (a chAnswer) table() ([]string, [][]any, error) {
	var r struct {
		Meta []struct{ Name string } `json:"meta"`
		Data [][]any                 `json:"data"`
	}
	if err := json.Unmarshal([]byte(a.Text), &r); err != nil {
		return nil, nil, fmt.Errorf("JSONCompact answer: %w", err)
	}
	cols := make([]string, len(r.Meta))
	for i, m := range r.Meta {
		cols[i] = m.Name
	}
	return cols, r.Data, nil
}

var placeholderRE = regexp.MustCompile(`\{(p[0-9]+)\}`)

// toClickHouse turns one statement as ttmon sends it to PostHog into the
// ClickHouse SQL PostHog would run over the tables schemaSQL creates. It
// does only what PostHog's HogQL printer does for the constructs ttmon
// uses: placeholders become escaped constants, and person.properties (the
// person's current properties under the modifier ttmon sends) is a column
// of the events view, joined from persons. Cohorts are PostHog's own and
// are refused.
func toClickHouse(hogql string, values map[string]any) (string, error) {
	if strings.Contains(hogql, "IN COHORT") {
		return "", fmt.Errorf("cohorts are PostHog's; the differential test has none")
	}
	var bad error
	sql := placeholderRE.ReplaceAllStringFunc(hogql, func(m string) string {
		name := m[1 : len(m)-1]
		switch v := values[name].(type) {
		case string:
			return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
		case float64: // JSON numbers: every number ttmon sends is a whole one
			return strconv.FormatFloat(v, 'f', -1, 64)
		default:
			bad = fmt.Errorf("placeholder %s has value %#v", name, values[name])
			return m
		}
	})
	return strings.ReplaceAll(sql, "person.properties", "person_properties"), bad
}

// schemaSQL shapes the tables like PostHog's: events (sorted by day, then
// event name, as PostHog sorts them), the distinct id -> person mapping
// with merges applied, and persons with their current properties. The
// events view is what HogQL's events table is under
// person_id_override_properties_joined: person_id through the mapping,
// person.properties through persons.
var schemaSQL = []string{
	`CREATE TABLE raw_events (uuid UUID, event String, distinct_id String, properties String,
		timestamp DateTime64(6, 'UTC')) ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp)
		ORDER BY (toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))`,
	`CREATE TABLE person_distinct_ids (distinct_id String, person_id UUID) ENGINE = MergeTree ORDER BY distinct_id`,
	`CREATE TABLE persons (id UUID, properties String) ENGINE = MergeTree ORDER BY id`,
	`CREATE VIEW events AS SELECT e.uuid AS uuid, e.event AS event, e.distinct_id AS distinct_id,
		e.properties AS properties, e.timestamp AS timestamp, pdi.person_id AS person_id,
		p.properties AS person_properties
		FROM raw_events AS e LEFT JOIN person_distinct_ids AS pdi ON e.distinct_id = pdi.distinct_id
		LEFT JOIN persons AS p ON p.id = pdi.person_id`,
}

// answerFrom makes the fake PostHog answer every query by running it on
// ch, and records the rows each statement read.
func answerFrom(t testing.TB, fake *posthogtest.Server, ch *clickhouse, read *int64) {
	fake.Answer = func(q posthogtest.Query) ([]string, [][]any) {
		sql, err := toClickHouse(q.Query.Query, q.Query.Values)
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
			return nil, nil
		}
		a, err := ch.run(sql)
		if err != nil {
			t.Errorf("%s: %v\n%s", q.Name, err, sql)
			return nil, nil
		}
		if read != nil {
			*read += a.RowsRead
		}
		cols, rows, err := a.table()
		if err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
		return cols, rows
	}
}
