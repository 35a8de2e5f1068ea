// Package embedded is ttmon's local event store: a pure-Go SQLite file
// (modernc.org/sqlite, so ttmon stays one static binary) that the capture
// endpoint in collector/ writes and the TUI reads, implementing
// datasource.Source.
//
// # Writing
//
// One writer goroutine owns all writes. Ingest queues its events and waits;
// the writer takes everything queued (up to 10,000 events), applies it in one
// transaction and commits, then answers every waiting caller (group commit).
// An event is acknowledged only after its commit; if a commit fails, every
// caller of that group gets the error and none of their events is stored.
//
// The file runs in WAL mode with synchronous=NORMAL by default: a commit is
// written to the WAL with write(2) before Ingest returns, so it survives the
// process crashing or being killed (kill -9); only an OS crash or power loss
// can lose the last commits (TestKill9 checks the first promise).
// WithSync(true) selects FULL (an fsync per commit) for those who need the
// second. Measured with BenchmarkIngest (8 goroutines, batches of 100,
// TimeTracker-like events, 2 shared cores; figures vary with load):
// NORMAL 21k-39k events/s, FULL 5-10% slower, because group commit shares
// one fsync among all waiting callers. The main cost is person processing
// (every heartbeat $sets last_seen): 57k events/s without it. The events_ts
// index costs ~30% of ingest; it stays because every SQL-engine query is
// bounded by time, and without it the fallback scans the whole table.
//
// On disk a 1M-event month takes 219 bytes per event: the events row 169
// (of which the per-event person_update JSON ~123), the uuid index 29 and
// the ts index 17. Persons, distinct ids and propsets are negligible
// (1,116 propsets for 1M events).
//
// Properties are interned: an event points at a propset row holding its
// canonical JSON (sorted keys), shared by every event with the same
// properties. $set, $set_once and $unset are not part of it; they are
// applied to the person and kept per event in person_update. Every distinct
// id belongs to a person; $identify ($anon_distinct_id) and $create_alias
// (alias) merge persons (the event's person survives and its values win),
// $groupidentify upserts groups. Events without a name or distinct id are
// dropped and counted (meta 'dropped'); events whose UUID is already stored
// are duplicates and are not stored or applied again.
//
// # Reading
//
// Two engines compute the same figures. The SQL engine queries the tables
// directly; it is the reference the tests hold the other to, and the answer
// while the index loads. The index is an in-memory column store (14 bytes
// per event in chunks of 65,536) built in the background at Open; it tails
// the file (events and propsets by id, persons and distinct ids by a
// store-wide change counter), so a TUI reading a file that `ttmon collect`
// writes sees new data on its next query. Filters are evaluated once per
// person and once per propset, never per event. At 1M events (BenchmarkSnapshot)
// a full Snapshot takes ~1-2 ms for 24h and ~15 ms for 30d on the index,
// 0.2-0.4 s and 3-7 s on SQL; loading the index takes ~1.2 s.
//
// # Figures
//
// All figures count events with Range.From <= timestamp < Range.To that
// match every filter. Filters without a scope are resolved with
// datasource.ResolveScopes against Properties. A person filter reads the
// event's person's current properties; an event filter reads the event's
// own properties. Values are compared with Filter.Match on
// datasource.ValueString; a missing or null property is "not set".
//
//   - Totals.Events: matching events of any name.
//   - Installs.Active: distinct persons with at least one heartbeat
//     (Mapping.Heartbeat); Previous: the same over Range.Previous();
//     Series: distinct persons per bucket (timestamp-From)/Step.
//   - Versions: each active person once, under Mapping.VersionProperty of
//     its latest heartbeat in range (ties: the higher event id), missing
//     as datasource.Unknown, built with datasource.BuildVersions.
//   - Errors: Total counts Mapping.Errors events; PerInstall = Total/Active
//     (0 without active installs); Series per bucket; ByVersion per the
//     error event's own version property (missing: Unknown), errors
//     descending, ties datasource.NewestFirst.
//   - Timers: Total counts Mapping.Timers events; ByHour by local hour in
//     Query.Location(); Series per bucket.
//   - Values: person scope counts persons that sent any matching event, per
//     value of their property; event scope counts matching events per value.
//     Missing values are not listed. Count descending, then value.
//   - Breakdown: heartbeats count distinct persons per value (event scope:
//     of the person's latest heartbeat; person scope: the person's
//     property); other families count events per value of the event's (or
//     its person's) property. Hour >= 0 keeps only events in that local
//     hour. Missing values count as Unknown. Count descending, then value.
//   - Installations: one row per active person: ID is the distinct id of its
//     latest heartbeat, Version/Platform/Deployment that heartbeat's Mapping
//     properties (missing: Unknown), Heartbeats its count in range; LastSeen
//     descending, then ID.
//   - Events: matching events of the family, timestamp then id descending.
package embedded
