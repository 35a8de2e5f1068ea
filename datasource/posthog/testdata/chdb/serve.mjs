// Runs ClickHouse statements for datasource/posthog's tests with chdb
// (ClickHouse in-process). One session for the process's life; requests
// arrive one JSON object a line on stdin, {"sql": "..."}, and each gets one
// line on stdout: {"text": <the answer in JSONCompact, or "">,
// "rows_read": n, "elapsed": seconds} or {"error": "..."}.
import { createInterface } from 'node:readline'
import { Session } from 'chdb'

const session = new Session()
// chdb 26.7 has use_variant_as_common_type on: branches of if/multiIf/
// array with no common type become a Variant. ClickHouse documents it as
// something to turn on, and a PostHog that has it off would refuse such a
// statement, so the tests turn it off.
await session.queryAsync('SET use_variant_as_common_type = 0')
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
    if (!line.trim()) continue
    let out
    try {
        const { sql } = JSON.parse(line)
        const r = await session.queryAsync(sql, { format: 'JSONCompact' })
        out = { text: r.text(), rows_read: Number(r.rowsRead ?? 0), elapsed: Number(r.elapsed ?? 0) }
    } catch (e) {
        out = { error: String(e && e.message ? e.message : e) }
    }
    process.stdout.write(JSON.stringify(out) + '\n')
}
session.close()
