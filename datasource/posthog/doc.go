// Package posthog reads TimeTracker telemetry from a PostHog project
// (Cloud US/EU or self-hosted) through its query API: HogQL over HTTPS,
// POST /api/projects/{id}/query/ with a personal API key (scope
// query:read) in Authorization: Bearer. It implements datasource.Source,
// datasource.CohortLister and datasource.Checker.
//
// # One request per refresh
//
// Snapshot sends one statement that reads the window of events once and
// returns tagged result sets with one column shape (tag, k, b, v1..v4):
// totals, the previous window's installs, per-bucket series, timers by
// local hour, versions and errors by version (see snapshotQuery). The
// visible dashboard's panes (Query.Panes) are rows of the same statement
// (statement, paneSQL), read in the same scan as the figures, with a
// branch over all history per new-installations pane (the one other read
// of events). Drilldowns, Values, Properties and
// cohorts are one request each. Filters written without person./event. are
// resolved against Properties, remembered for 10 minutes, so they add one
// request per 10 minutes, not per poll. The adapter does not pace itself:
// pace.New keeps it within the team's budget and cache.New remembers
// Values; cmd wires both.
//
// # Same figures as the embedded store
//
// The figures are those of datasource/embedded's package doc, computed in
// HogQL:
//
//   - Installations are distinct person_id (PostHog's merged person).
//   - Person filters read the person's current properties: queries are sent
//     with the personsOnEventsMode modifier person_id_override_properties_joined
//     (PostHog's default would read the properties as they were when each
//     event was sent).
//   - A property's value is read from the JSON (JSONType/JSONExtract*), not
//     with properties.key, which PostHog retypes by its property
//     definitions; the result is datasource.ValueString's form: strings as
//     themselves, true/false, numbers as they print, NULL when missing or
//     null. Negative operators match a missing property.
//   - Every bound is fromUnixTimestamp64Milli: windows are exact to the
//     millisecond, as in the embedded store. Buckets are
//     intDiv(toUnixTimestamp64Milli(timestamp) - From, Step) in
//     milliseconds; local hours use the zone's offsets over the range
//     computed in Go, so any zone (even "Local") gives the hours the
//     embedded store gives.
//   - Each event family reads the filters as datasource.Mapping.FiltersFor
//     says (errors and timers read an installation's person property
//     through the event property product events carry; heartbeats skip
//     user-only person properties), in the snapshot and in the drills of
//     that family; Snapshot.NotNarrowed names what a pane skipped.
//   - A version is the person's latest heartbeat's, by argMax over
//     (timestamp, uuid).
//   - Panes follow datasource/pane.go. An installation key is install_id
//     when set and not empty, else the person id; a user is that key and
//     the distinct id. A rate's denominator counts heartbeats under the
//     heartbeat family's filters without the pane's Where; a rate's group
//     exists where it has events, with Value 0 when no installation shares
//     its key. An installation's first event is argMin over timestamp and
//     uuid. A group's versions leave out events without one.
//
// TestSameFiguresOnClickHouse holds these statements, run on ClickHouse
// (chdb) over PostHog-shaped tables, to the embedded store's figures.
//
// Known differences, all at the edges: ties of the latest heartbeat at the
// same instant are broken by uuid, not by arrival order. Numbers: both
// print the shortest digits that read back as the same float64, but
// ClickHouse writes an exponent from 1e21 up and below 1e-6 ("1e21",
// "1e-7") where Go writes plain digits, so a filter or breakdown on such a
// value differs; and ClickHouse's JSON functions reject a whole properties
// object that holds an integer literal beyond 64 bits (every property of
// that event reads as not set), where the embedded store reads it as a
// float (TestNumberEdgesOnClickHouse shows both). Objects and arrays
// compare as PostHog stored their JSON (the embedded store re-encodes them
// with sorted keys); Properties covers the keys seen in the last 7 days
// (including keys whose values are all null), where the embedded store
// lists every key it holds with a non-null value.
//
// # Values, keys and secrets
//
// Every value from a user, the config or the data (filter values, property
// keys, cohort ids, event names, times) is sent as a HogQL placeholder in
// "values", never written into the SQL text. Every query bounds timestamp.
// The API key is sent only in the Authorization header to the configured
// host (redirects are not followed), and is removed from every error text.
package posthog
