// Package embedded is ttmon's local event store: a pure-Go SQLite file
// (modernc.org/sqlite, so ttmon stays one static binary) that the capture
// endpoint in collector/ writes and the TUI reads, implementing
// datasource.Source.
//
// # Layout
//
// This package is the store: Open, the writer goroutine and its caches
// (ingest.go, prepare.go, propsets.go, ids.go, persons.go), the schema as
// numbered migrations (migrate.go runs migrate1.go, migrate2.go, ... in
// order) and the Source methods, which plan a query and fetch the events a
// drill view shows. Three internal packages hold the rest:
//
//   - internal/index is the in-memory column index described under
//     Reading, which answers every query. Its contract with the store is
//     small: it reads the tables through the store's reader pool; the
//     writer hands it each commit's rows (Index.Offer) and fills the open
//     chunk (index.OpenChunk) whose blob it saves in the same transaction;
//     a query waits for the first load (Index.Wait) and catches up with
//     the file (Index.CatchUp) before it runs on the index.Engine.
//   - internal/sqlref is the SQL reference engine (see Reading). Only
//     test files import it, so the binary does not link it; tests open a
//     store withEngine to run every query on it.
//   - internal/propset is the encoding of a stored propset's pair ids.
//
// # Writing
//
// One writer goroutine owns all writes. Ingest queues its events and waits;
// the writer takes everything queued (up to 10,000 events), applies it in one
// transaction and commits, then answers every waiting caller (group commit).
// An event is acknowledged only after its commit; if a commit fails, every
// caller of that group gets the error and none of their events is stored.
// The writer's caches assume it is the file's only writer: run one
// `ttmon collect` per file.
//
// The file runs in WAL mode with synchronous=NORMAL by default: a commit is
// written to the WAL with write(2) before Ingest returns, so it survives the
// process crashing or being killed (kill -9); only an OS crash or power loss
// can lose the last commits (TestKill9 checks the first promise).
// WithSync(true) selects FULL (an fsync per commit) for those who need the
// second; group commit shares one fsync among all waiting callers.
//
// Properties are stored as interned key/value pairs: an event points at a
// propset, a row holding the sorted ids of its pairs (about 30 bytes), and
// the pairs table holds each pair's key and canonical JSON value.
// TimeTracker's product events are nearly unique as a whole (time_entry_id,
// duration_seconds) but made of values that repeat, so this is a tenth of
// the JSON. Interning goes through the writer's caches only (keyed by
// 128-bit hashes; a whole set is found by the sum of its pairs' hashes), so
// a set that fell out of the cache may be stored twice, which changes no
// figure. $set, $set_once and $unset are not part of the propset; they are
// applied to the person and kept per event in person_update. Every distinct
// id belongs to a person; $identify ($anon_distinct_id) and $create_alias
// (alias) merge persons (the event's person survives and its values win),
// $groupidentify upserts groups. Events without a name or distinct id are
// dropped and counted (meta 'dropped').
//
// An event whose UUID is already stored with a timestamp in the same UTC
// hour (or in the neighbouring hour, within a minute of the edge) is a
// duplicate: not stored or applied again. Clients resend a batch with the
// same timestamps, so retries are caught; PostHog's own deduplication key
// has the event's date in it too. The hour also keeps the check cheap: the
// writer holds a set of UUID fingerprints for each hour it writes, read
// from dedup_uuids (each commit's UUIDs, one blob per hour) the first time
// the hour comes up, so storing an event adds no index entry (migrate3.go
// has the measurements).
//
// # Reading
//
// Queries are answered by an in-memory column index: per event about 11
// bytes (time as 16-bit seconds after the chunk's base and milliseconds
// with the family flags, distinct id, and an index into the chunk's
// attribute tuples: the Mapping's version, platform and deployment
// values) plus offset lists of the heartbeats, errors and timers, and of
// each event name (2 bytes per event). It is
// built on the first query, so a process that only ingests never holds
// it. Event ids are dense, so chunk c holds ids c*16,384+1 ..
// (c+1)*16,384; the writer saves each full chunk, in the transaction that
// fills it, as a blob of fixed-width columns (index_chunks, 10 bytes per
// event) with its property postings (index_postings: per event property
// key, which of the chunk's events carry which pair, ~14 bytes per event
// in all). Opening, the index reads the small tables (persons' properties
// and distinct ids' strings only once a query needs them) and the rows
// after the last saved chunk; a saved chunk is decoded when a query's
// range first needs it, so a process that asks once decodes only its
// range, and with only what that query reads (every event's distinct id
// for a person filter, a pane or a drill; the name lists for a pane or a
// drill by name); a later query that needs more reads it from the blob
// then. A process that asks once (`ttmon snapshot`, WithLean) decodes a
// person filter's chunks with each event's class instead of its distinct
// id: one byte whose bits say which of the query's lists of person
// filters the event's person passes (internal/index/lean.go; 30 MB less
// for a 30-day cohort over 10M events), after reading the persons.
// Before the first load, ttmon's reading commands mark the heap's
// next allocations for transparent huge pages (WithHugePages): decoding
// a month fills a few hundred megabytes at once, and 4 KiB page faults
// were half of a 30-day `ttmon snapshot`'s CPU on the reference machine.
// Blobs are derived data: a missing, corrupt or older-format blob
// is rebuilt from the events table and saved again with its postings, and
// one saved for other Mapping properties is rebuilt in memory and left
// alone. Person merges do not touch blobs: the distinct id to person
// mapping is kept apart.
//
// Afterwards the index follows the file: rows the writer commits in the same
// process are handed to it directly, rows another process writes are read
// by id, and names, persons and distinct ids by a store-wide change
// counter, so a TUI next to `ttmon collect` sees new data on its next
// query; once such a chunk is saved, the index swaps it for the saved
// blob. Filters are evaluated once per person (cached between queries,
// re-evaluated for changed persons; a person's properties are kept as
// their JSON and read a key at a time), once per attribute tuple (filters
// on the Mapping's three properties) and, for any other event property,
// once per chunk from the postings of its key into a bitset of passing
// events (kept between queries), never by reading propsets. When the
// families read the filters differently, each family is scanned from its
// offset list under its own. A Snapshot scans chunks on two cores; a
// chunk inside the range is read family by family from its offset lists.
// Event-scope values and breakdowns read their key's postings for the
// range the same way (the Mapping's three from the tuples). Dashboard
// panes too: a chunk also lists each event name's offsets (from the
// blob's name column), so a pane visits only its names' events; its
// Where filters are bitsets like the query's, its breakdown properties
// and the install ids of its installation keys are read from the postings
// of the chunks in its own range (the install ids once per chunk, kept as
// user pairs), and only a new-installations pane decodes all history.
//
// Dashboard panes (Query.Panes) are read from the same index (the
// paragraph above says how their properties are read): installation and
// user keys come from user pairs (install id, distinct id) derived once
// per event, 2 bytes per event; a breakdown by an event property reads a
// column of value ids per event of its range, by a person property a
// column per person. A pane counts per bucket (distinct keys as paged
// bitsets) and keeps each finished bucket's counts until an event lands
// in it or a person input it read changes, so a poll of a 30-day
// dashboard recounts the day that takes new events; new-installations
// panes keep each key's earliest event over all history instead. Panes
// that count distinct installations or users over the heartbeats or over
// every event, and the rates' denominators, read the hours of full chunks
// from two digests (internal/index/hbdigest.go): per (distinct id, user
// pair, attribute tuple), the UTC hours it had events in, so a 30-day
// pane tests its filters once per entry (tens of thousands) instead of
// once per event (millions).
//
// The SQL reference engine (internal/sqlref) computes every figure with
// plain SQL over the tables (a view shows propsets as JSON objects). It is
// the reference the tests hold the index to, on the same data, not a
// production path: only tests link it.
//
// # Measured
//
// On 2 shared cores (AMD EPYC, KVM), with the fleet simulator's month of
// 5,000 installations and 20,000 users (BENCHMARKS.md at the repository
// root has the table, commands and profiles):
//
//   - Snapshot, all four panes, 10M events: 24h 1.0 ms, 24h with a
//     two-condition person cohort 1.3 ms; 30d 15 ms, with the cohort 18 ms
//     (1M: 30d 2.1 ms; 3M: 5.1 ms).
//   - first data after opening a 10M store: ~155 ms (1M: ~145 ms).
//   - disk: 104 bytes per event at 10M with the schema 2 dedup index
//     (events row ~45, dedup index ~30, propsets ~13, index blobs ~10);
//     schema 3 keeps 16 bytes per UUID in dedup_uuids instead.
//   - index heap: ~220 MB at 10M events.
//   - ingest, direct Ingest calls: ~85-120k events/s, flat while the store
//     grows to 10M; through HTTP /batch/: see BENCHMARKS.md.
//
// # Figures
//
// All figures count events with Range.From <= timestamp < Range.To that
// match every filter. Filters without a scope are resolved with
// datasource.ResolveScopes against Properties. A person filter reads the
// event's person's current properties; an event filter reads the event's
// own properties. Values are compared with Filter.Match on
// datasource.ValueString; a missing or null property is "not set".
// Each family reads the filters as datasource.Mapping.FiltersFor says:
// heartbeats (Installs, Versions, Installations, heartbeat breakdowns)
// skip person filters on user properties; errors and timers read a person
// filter on an installation property from the event's own property for
// it (deployment_method=docker: errors from docker installations) and
// skip the installation properties product events do not carry; Totals,
// Values and events of every name apply the filters as written.
// Snapshot.NotNarrowed lists what each pane skipped.
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
//   - Panes: as datasource/pane.go defines them, each with its own range
//     and its events' family reading of the filters
//     (Mapping.FiltersForPane) plus its Where filters. An installation key
//     is the event's install_id when set and not empty, else its person; a
//     user is (installation key, distinct id). A new installation's
//     earliest event is the lowest (timestamp, event id) among its
//     matching events over all history. PanesOnly leaves the built-in
//     figures zero, and so does Query.Figures for those it does not name
//     (Totals are always counted).
package embedded
