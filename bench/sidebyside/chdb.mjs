// The ClickHouse half of run.sh: loads DIR/events.ndjson and
// DIR/persons.ndjson (made by `sidebyside gen`) into chdb (ClickHouse
// in-process, its data kept in DIR/chdb) as a table shaped like PostHog's
// events with persons on events and materialized property columns, and
// runs the work of a ttmon snapshot there: 24h without filters, 30d with
// the cohort "docker, on the newest release".
//
//   node bench/sidebyside/chdb.mjs DIR load            load the table (once)
//   node bench/sidebyside/chdb.mjs DIR once CASE       one snapshot, for timing a new process
//   node bench/sidebyside/chdb.mjs DIR report [REPS]   warm timings beside DIR/ttmon.json's
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Session } from 'chdb'

const dir = resolve(process.argv[2] ?? '/tmp/ttmon-sbs-1M')
const mode = process.argv[3] ?? 'report'
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
const loadedBefore = existsSync(join(dir, 'chdb'))
const session = new Session(join(dir, 'chdb'))

async function q(sql) {
    const t0 = performance.now()
    const r = await session.queryAsync(sql, { format: 'JSONCompact' })
    return { ms: performance.now() - t0, rows: JSON.parse(r.text() || '{"data":[]}').data }
}

if (mode === 'load') {
    if (loadedBefore) await q('DROP TABLE IF EXISTS events')
    // PostHog keeps person properties on each event and reads properties
    // through materialized columns; so does this table.
    await q(`CREATE TABLE events (
        uuid UUID, event String, distinct_id String, person_id String,
        timestamp DateTime64(3, 'UTC'), properties String, person_properties String,
        mat_app_version String MATERIALIZED JSONExtractString(properties, 'app_version'),
        mat_deployment_method String MATERIALIZED JSONExtractString(properties, 'deployment_method'),
        mat_pp_deployment_method String MATERIALIZED JSONExtractString(person_properties, 'deployment_method'),
        mat_pp_current_version String MATERIALIZED JSONExtractString(person_properties, 'current_version')
    ) ENGINE = MergeTree ORDER BY (toDate(timestamp), event, cityHash64(distinct_id), cityHash64(uuid))`)
    const t0 = performance.now()
    await q(`INSERT INTO events (uuid, event, distinct_id, person_id, timestamp, properties, person_properties)
        SELECT e.uuid, e.event, e.distinct_id, p.person_id, e.timestamp, e.properties, p.person_properties
        FROM file('${join(dir, 'events.ndjson')}', 'JSONEachRow',
            'uuid UUID, event String, distinct_id String, timestamp DateTime64(3, \\'UTC\\'), properties String') AS e
        LEFT JOIN file('${join(dir, 'persons.ndjson')}', 'JSONEachRow',
            'distinct_id String, person_id String, person_properties String') AS p USING distinct_id`)
    await q('OPTIMIZE TABLE events FINAL')
    const n = (await q('SELECT count() FROM events')).rows[0][0]
    console.log(`ClickHouse: ${n} events loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${meta.events} generated)`)
    session.close()
    process.exit(Number(n) === meta.events ? 0 : 1)
}

const hb = `event IN ('telemetry.health', 'base_telemetry.heartbeat')`
const errs = `event IN ('error_occurred', '$exception')`
const dt = ms => `fromUnixTimestamp64Milli(toInt64(${ms}), 'UTC')`

// statements is the work of one snapshot: installations (now and the
// previous window, and per bucket), versions (each installation's latest),
// errors by version and per bucket, timers by hour of day.
function statements(days, cohort) {
    const to = Date.parse(meta.end), from = to - days * 86400e3, prev = from - days * 86400e3
    const step = days === 1 ? 3600 : 86400
    const win = `timestamp >= ${dt(from)} AND timestamp < ${dt(to)}`
    // Installations are persons; product events carry their
    // installation's deployment and version, as TimeTracker's do.
    const fp = cohort ? `AND mat_pp_deployment_method = 'docker' AND mat_pp_current_version = '${meta.newest}'` : ''
    const fe = cohort ? `AND mat_deployment_method = 'docker' AND mat_app_version = '${meta.newest}'` : ''
    return [
        `SELECT uniqExactIf(person_id, timestamp >= ${dt(from)}), uniqExactIf(person_id, timestamp < ${dt(from)})
            FROM events WHERE ${hb} AND timestamp >= ${dt(prev)} AND timestamp < ${dt(to)} ${fp}`,
        `SELECT toStartOfInterval(timestamp, INTERVAL ${step} SECOND) AS b, uniqExact(person_id)
            FROM events WHERE ${hb} AND ${win} ${fp} GROUP BY b ORDER BY b`,
        `SELECT v, count() FROM (SELECT person_id, argMax(mat_app_version, timestamp) AS v
            FROM events WHERE ${hb} AND ${win} ${fp} GROUP BY person_id) GROUP BY v ORDER BY 2 DESC`,
        `SELECT mat_app_version, count() FROM events WHERE ${errs} AND ${win} ${fe} GROUP BY 1`,
        `SELECT toStartOfInterval(timestamp, INTERVAL ${step} SECOND) AS b, count()
            FROM events WHERE ${errs} AND ${win} ${fe} GROUP BY b ORDER BY b`,
        `SELECT toHour(toTimeZone(timestamp, 'Europe/Berlin')) AS h, count()
            FROM events WHERE event = 'timer.started' AND ${win} ${fe} GROUP BY h ORDER BY h`,
    ]
}

const cases = [['24h', 1, false], ['30d_cohort', 30, true]]
if (mode === 'once') {
    const [, days, cohort] = cases.find(c => c[0] === process.argv[4])
    for (const st of statements(days, cohort)) await q(st)
    session.close()
    process.exit(0)
}

const reps = Number(process.argv[4] ?? 7)
const ttmon = JSON.parse(readFileSync(join(dir, 'ttmon.json'), 'utf8'))
const results = {}
for (const [name, days, cohort] of cases) {
    const sts = statements(days, cohort)
    const best = sts.map(() => Infinity)
    let active = 0
    for (let rep = 0; rep <= reps; rep++) {
        for (let i = 0; i < sts.length; i++) {
            const r = await q(sts[i])
            if (rep > 0) best[i] = Math.min(best[i], r.ms) // the first run warms up
            if (i === 0) active = Number(r.rows[0][0])
        }
    }
    results[name] = { ms: best.reduce((a, b) => a + b, 0), active }
}
session.close()

const f = x => x < 10 ? x.toFixed(2) : x.toFixed(0)
const ratio = (a, b) => (a / b).toFixed(a / b < 10 ? 1 : 0) + 'x'
console.log(`${meta.events} events; each cell is the best of several runs (run.sh says how many)`)
console.log('| snapshot | ttmon warm, in-process | ClickHouse warm, in-process | ratio | `ttmon snapshot`, new process | chdb, new process | ratio | active installations, ttmon / ClickHouse |')
console.log('|---|---|---|---|---|---|---|---|')
for (const [name] of cases) {
    const t = ttmon.warm[name], c = results[name], tp = ttmon.process[name], cp = ttmon.chdb_process[name]
    console.log(`| ${name.replace('_', ' + ')} | ${f(t.ms)} ms | ${f(c.ms)} ms | ${ratio(c.ms, t.ms)} | ${f(tp)} ms | ${f(cp)} ms | ${ratio(cp, tp)} | ${t.active} / ${c.active} |`)
}
