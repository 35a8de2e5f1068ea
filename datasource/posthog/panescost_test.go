package posthog

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// TestDashboardCostOnClickHouse measures what one refresh of each built-in
// dashboard costs PostHog's ClickHouse: rows read and time of the one
// statement (built-in figures and panes) against the built-in figures
// alone, on chdb with TTMON_CHDB_EVENTS events over 60 days in a table
// shaped like PostHog's events with persons on events. Not part of the
// default suite:
//
//	TTMON_CHDB_EVENTS=1000000 go test -run TestDashboardCostOnClickHouse -v ./datasource/posthog/
func TestDashboardCostOnClickHouse(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("TTMON_CHDB_EVENTS"))
	if err != nil || n <= 0 {
		t.Skip("set TTMON_CHDB_EVENTS (e.g. 1000000) to measure")
	}
	ch := startClickHouse(t)
	now := time.Date(2026, 3, 29, 12, 30, 0, 0, time.UTC)
	loadDashboardData(t, ch, now, n)
	s := testSource(t, "http://127.0.0.1:1")
	t.Logf("| dashboard | range | statement | rows read | rows in the table | time (best of 5) |")
	for _, d := range builtinDashboards(t) {
		for _, rng := range []string{"24h", "30d"} {
			r, _ := datasource.ParseRange(rng, now)
			q := datasource.Query{Range: r}
			q.Panes, _ = d.Queries(r, now)
			for _, st := range []struct {
				name string
				h    *hq
			}{{"built-in figures only", s.snapshotQuery(q, time.UTC, nil)}, {"figures + panes", s.statement(q, time.UTC, nil, q.Panes)}} {
				sql, err := toClickHouse(st.h.String(), jsonValues(st.h.values))
				if err != nil {
					t.Fatal(err)
				}
				var best time.Duration
				var a chAnswer
				for rep := range 5 {
					a = ch.must(t, sql)
					if el := time.Duration(a.Elapsed * float64(time.Second)); rep == 0 || el < best {
						best = el
					}
				}
				t.Logf("| %s | %s | %s | %d | %d | %v |", d.Name, rng, st.name, a.RowsRead, n, best.Round(time.Millisecond))
			}
		}
	}
}

// loadDashboardData fills ch's events with n events over the 60 days
// before now, shaped like PostHog's events with persons on events.
func loadDashboardData(t testing.TB, ch *clickhouse, now time.Time, n int) {
	ch.must(t, `CREATE TABLE events (uuid UUID, event String, distinct_id String, properties String,
		timestamp DateTime64(6, 'UTC'), person_id UUID, person_properties String) ENGINE = MergeTree
		PARTITION BY toYYYYMM(timestamp) ORDER BY (toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))`)
	// 5,000 installations send the heartbeats (20 %, one install event
	// each at most) and updates; 20,000 users (user ids repeat per
	// installation) the errors, timers, logins, exports and projects, with
	// install_id; over the 60 days a 30d snapshot reads.
	start := time.Now()
	ch.must(t, fmt.Sprintf(`INSERT INTO events SELECT generateUUIDv4(number),
		multiIf(r < 20, if(r %% 2 = 0, 'telemetry.health', 'base_telemetry.heartbeat'), r < 21, 'telemetry.update',
			r < 25, 'error_occurred', r < 60, 'timer.started', r < 75, 'auth.login', r < 85, 'export.csv', r < 90, 'export.excel',
			r < 95, 'project.created', 'timer.stopped'),
		if(r < 21, concat('inst-', toString(p)), toString(p %% 50)),
		concat('{"app_version":"4.', toString(h %% 11), '.0","deployment_method":"', if(p %% 2 = 0, 'docker', 'native'),
			'","platform":"', ['Linux', 'Windows', 'Darwin'][p %% 3 + 1], '","auth_method":"', ['local', 'oidc', 'ldap'][h %% 3 + 1],
			'","old_version":"4.', toString(h %% 10), '.0","new_version":"4.', toString(h %% 10 + 1), '.0"',
			if(r < 21, '', concat(',"install_id":"inst-', toString(p %% 5000), '"')), '}'),
		fromUnixTimestamp64Milli(toInt64(%d - cityHash64(number, 2) %% 5184000000)),
		toUUID(concat('00000000-0000-4000-', if(r < 21, '8', '9'), '000-', leftPad(toString(p), 12, '0'))),
		concat('{"deployment_method":"', if(p %% 2 = 0, 'docker', 'native'), '","is_admin":', if(p %% 7 = 0, 'true', 'false'),
			',"role":"', if(p %% 7 = 0, 'admin', 'user'), '"}')
		FROM (SELECT number, cityHash64(number) %% 100 AS r, cityHash64(number, 1) AS h,
			if(r < 21, h %% 5000, h %% 20000) AS p FROM numbers(%d))`, now.UnixMilli(), n))
	t.Logf("loaded %d events in %v", n, time.Since(start).Round(time.Millisecond))
}
