package datasource

import "time"

// ParseInstant reads a moment as ranges and --at take it: a date
// (2026-11-01, midnight UTC), a minute (2026-11-01T15:04, UTC) or an RFC
// 3339 time with its zone. Ranges resolved against it (ParseRange(s, t))
// get the same buckets as against now: "24h" at 2026-11-03 is the 24
// hourly buckets of 2026-11-02.
func ParseInstant(s string) (time.Time, error) { return parseInstant(s) }
