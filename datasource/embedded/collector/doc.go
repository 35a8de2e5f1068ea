// Package collector is a PostHog-compatible capture endpoint: TimeTracker
// (posthog-python), posthog-go and browser posthog-js can point their
// POSTHOG_HOST at it, and the events they send land in the embedded store.
//
// It mirrors PostHog's capture service (the Rust `capture` crate in
// PostHog/posthog, rust/capture, and the Django capture.py before it) where a
// client can tell the difference, and is stricter where a local monitor has
// to protect itself.
//
// # Routes
//
// /batch, /capture, /e, /i/v0/e, /track and /engage, each with or without a
// trailing slash, accept POST, GET (payload in ?data=) and OPTIONS (CORS
// preflight). /flags and /decide answer every query (?v=2, ...) with a valid
// "no flags" body so SDKs that ask for feature flags stay content. Anything
// else is a JSON 404; another method on a known route is a JSON 405.
//
// # OTLP/HTTP
//
// /v1/logs and /otlp/v1/logs take OpenTelemetry log records, as TimeTracker
// 5.x and OpenTelemetry SDKs and Collectors send them (otlp*.go): JSON or
// protobuf, decoded with the OpenTelemetry project's generated types,
// optionally gzip. Each record becomes an event (see logToEvent for the
// mapping). The token comes from Authorization (Bearer, or Basic with the
// token, or base64 id:secret whose whole or either half is a token); the
// body shares the read budget, slots and 20 MiB limit of /batch.
// Refusals carry a google.rpc.Status in the request's encoding; a 200
// carries an ExportLogsServiceResponse whose partial_success names the
// records left out. /v1/traces and /v1/metrics are decoded, counted
// (Stats.OTLPIgnored) and not kept.
//
// # Payloads
//
// A body is JSON — {"api_key"|"token": ..., "batch": [...]}, one event, or an
// array of events — possibly gzip-compressed (Content-Encoding: gzip,
// ?compression=gzip|gzip-js, or just the gzip magic bytes), LZ-string
// compressed (compression=lz64, as older posthog-js sends), base64-encoded,
// or wrapped in an application/x-www-form-urlencoded form whose "data" field
// holds any of those (with an optional "compression" field).
//
// # Timestamps
//
// Each event's time is settled here, the way PostHog's ingestion does it
// (rust/common/types/src/timestamp.rs), with now taken once per request from
// the injected clock:
//
//   - with "offset" (ms): now - offset; offset wins over everything else;
//   - with a parseable "timestamp" and a "sent_at" (the event's own, else the
//     batch's "sent_at", else the ?_= / ?sent_at= query in ms):
//     now + (timestamp - sent_at), which cancels the client's clock skew;
//     "$ignore_sent_at": true in properties skips the correction;
//   - with a parseable "timestamp" only: that timestamp;
//   - otherwise (none, or unparseable): now.
//
// Then an event more than 23 hours in the future is clamped to now, and one
// outside years 0..9999 becomes the Unix epoch. Past timestamps are kept:
// historical backfill is normal. "timestamp" may be RFC 3339 / ISO 8601 (with
// or without zone, "+03"-style zones, a space instead of "T", date only) or a
// number or numeric string of milliseconds (more than 11 digits) or seconds.
// posthog-python sends its send time as "sentAt", which PostHog ignores; so
// does this package.
//
// # Answers
//
// 200 {"status":"Ok"} once the store has committed every event (204 for
// ?beacon=1); 400 for bodies that cannot be decoded; 401 for a missing or
// unknown project token; 408 when a client stops sending its body; 413 when a
// body — or what it decompresses to — exceeds 20 MiB on /batch or 2 MiB
// elsewhere, or holds too many events; 503 with Retry-After when the store
// fails or the collector is busy (see Limits). Error bodies have
// PostHog's shape: {"type":..., "code":..., "detail":..., "attr":null}.
//
// Events without an event name or a distinct id, or with a malformed uuid,
// are counted in Stats().EventsDropped and left out, and the request still
// succeeds; this package counts them, and adds whatever the store reports in
// IngestResult.Dropped. (PostHog's Django capture dropped nameless events the
// same way but rejected a request with a missing distinct id, and the Rust
// capture rejects both with 400; a 400 loses the whole batch, since SDKs do
// not retry it, so only the bad events are left out here.)
//
// # Limits
//
// Slow or stalled clients cannot exhaust the collector. NewServer bounds
// the time for headers and for whole requests. Reading a body takes memory
// from a read budget that all requests share (Limits.ReadBytes, 64 MiB),
// reserved as the bytes arrive: 4 KiB first, then doubling, never past the
// Content-Length or the route's limit. A client that announces 20 MiB and
// sends nothing holds 4 KiB, and gets a 408 if its body is not complete
// within Limits.BodyTimeout (20 s). A body keeps its budget until its
// request is answered. Only a request whose body has arrived takes one of
// the Limits.MaxInFlight (8) slots to decompress, decode and store, so
// decoding memory is bounded too, and slow senders never hold a slot. A
// request that finds no budget, or no slot, within Limits.QueueWait (2 s)
// gets a 503 with Retry-After.
package collector
