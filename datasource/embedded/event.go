package embedded

import "time"

// Event is one captured event as the collector hands it to the store:
// decoded, its distinct id and timestamp settled, nothing else interpreted.
// Person updates travel inside Properties exactly as PostHog keeps them
// ("$set", "$set_once", "$anon_distinct_id", "alias", "$group_type", ...);
// the store applies them, so every ingest path behaves the same.
type Event struct {
	// UUID is the client's event id; "" when the client sent none. Events
	// with a UUID are stored at most once.
	UUID string
	// Name is the event name ("telemetry.health", "$identify", ...).
	Name string
	// DistinctID identifies who sent it.
	DistinctID string
	// Timestamp is when it happened, already corrected for client clock
	// skew by the collector.
	Timestamp time.Time
	// Properties are the event's properties, including "$set" and
	// "$set_once" (top-level ones merged in by the collector).
	Properties map[string]any
}

// IngestResult counts what one Ingest call did with its events.
type IngestResult struct {
	// Stored events are committed and will survive a crash.
	Stored int
	// Duplicates had a UUID the store already holds; they were not stored
	// again (clients retry, so this is normal).
	Duplicates int
	// Dropped events had no name or no distinct id; PostHog drops those too.
	Dropped int
}
