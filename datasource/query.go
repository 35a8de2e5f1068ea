package datasource

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Query is everything a Source needs to answer: a resolved time range,
// filters that AND together, and the zone for hour-of-day figures. A Query
// never reads the clock; NewQuery resolves "last 24h" against a given now, so
// tests and the two backends agree to the second.
type Query struct {
	Range   Range    `json:"range"`
	Filters []Filter `json:"filters"`
	// TZ is an IANA zone name for hour-of-day buckets; "" means UTC.
	TZ string `json:"tz,omitempty"`
	// Panes are the visible dashboard's configured panes (pane.go); the
	// Source answers them in Snapshot.Panes, in this order.
	Panes []PaneQuery `json:"panes,omitempty"`
	// PanesOnly skips the built-in figures (Totals, Installs, Versions,
	// Errors, Timers stay zero): a dashboard or drill that shows none of
	// them does not pay for them.
	PanesOnly bool `json:"panes_only,omitempty"`
	// Figures, when set, names the built-in figures (Figures: installs,
	// versions, errors, timers) the caller reads; the others come back
	// zero (KeepFigures), so a dashboard that draws only the timers does
	// not pay for counting installations. Totals are always counted.
	// Empty: all of them (unless PanesOnly).
	Figures []string `json:"figures,omitempty"`
}

// Wants reports whether q asks for built-in figure name (one of Figures).
func (q Query) Wants(name string) bool {
	return !q.PanesOnly && (len(q.Figures) == 0 || slices.Contains(q.Figures, name))
}

// KeepFigures zeroes the built-in figures q does not ask for (Wants), so
// that every source answers such a query the same way whatever it
// computed.
func (s *Snapshot) KeepFigures(q Query) {
	if !q.Wants("installs") {
		s.Installs = Installs{}
	}
	if !q.Wants("versions") {
		s.Versions = nil
	}
	if !q.Wants("errors") {
		s.Errors = Errors{}
	}
	if !q.Wants("timers") {
		s.Timers = Timers{}
	}
}

// Range is a resolved, half-open time window [From, To) cut into buckets of
// Step. From and To are multiples of Step since the Unix epoch, so buckets
// line up with wall-clock hours (UTC days for 30d) and every backend can
// compute a bucket with integer arithmetic: (ts - From) / Step.
type Range struct {
	// Name is the preset ("1h", "24h", "7d", "30d") or "custom".
	Name string        `json:"name"`
	From time.Time     `json:"from"`
	To   time.Time     `json:"to"`
	Step time.Duration `json:"step"`
}

// Presets are the named ranges the UI cycles through, in order.
var Presets = []string{"1h", "24h", "7d", "30d"}

// presetSpan maps a preset to its length and bucket width.
var presetSpan = map[string]struct{ span, step time.Duration }{
	"1h":  {time.Hour, time.Minute},
	"24h": {24 * time.Hour, time.Hour},
	"7d":  {7 * 24 * time.Hour, 6 * time.Hour},
	"30d": {30 * 24 * time.Hour, 24 * time.Hour},
}

// stepLadder is tried in order for custom ranges: the first step that keeps
// the series at or under maxBuckets wins.
var stepLadder = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour,
}

const maxBuckets = 90

// ParseRange accepts a preset ("1h", "24h", "7d", "30d"), any other Go or
// day duration ("90m", "3d", "14d") meaning the last that long, or an
// absolute "FROM..TO" with RFC 3339 times or dates ("2026-11-01..2026-11-03").
// The result is resolved against now.
func ParseRange(s string, now time.Time) (Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "24h"
	}
	if p, ok := presetSpan[s]; ok {
		return lastRange(s, now, p.span, p.step), nil
	}
	if from, to, ok := strings.Cut(s, ".."); ok {
		f, err := parseInstant(from)
		if err != nil {
			return Range{}, fmt.Errorf("range %q: start: %w", s, err)
		}
		t, err := parseInstant(to)
		if err != nil {
			return Range{}, fmt.Errorf("range %q: end: %w", s, err)
		}
		if !t.After(f) {
			return Range{}, fmt.Errorf("range %q: the end must be after the start", s)
		}
		return CustomRange(f, t), nil
	}
	d, err := ParseDuration(s)
	if err != nil || d <= 0 {
		return Range{}, fmt.Errorf("range %q: use 1h, 24h, 7d, 30d, another duration such as 90m or 14d, or FROM..TO dates", s)
	}
	step := pickStep(d)
	return lastRange(s, now, d, step), nil
}

// lastRange builds "the last span" ending with the bucket that holds now.
func lastRange(name string, now time.Time, span, step time.Duration) Range {
	to := ceilTime(now, step)
	return Range{Name: name, From: to.Add(-span), To: to, Step: step}
}

// CustomRange covers [from, to) widened outwards to whole buckets.
func CustomRange(from, to time.Time) Range {
	step := pickStep(to.Sub(from))
	return Range{Name: "custom", From: floorTime(from, step), To: ceilTime(to, step), Step: step}
}

func pickStep(d time.Duration) time.Duration {
	for _, s := range stepLadder {
		if d/s <= maxBuckets {
			return s
		}
	}
	return stepLadder[len(stepLadder)-1]
}

func floorTime(t time.Time, step time.Duration) time.Time {
	s := int64(step / time.Second)
	u := t.Unix()
	r := u % s
	if r < 0 {
		r += s
	}
	return time.Unix(u-r, 0).UTC()
}

func ceilTime(t time.Time, step time.Duration) time.Time {
	f := floorTime(t, step)
	if f.Equal(t) {
		return f
	}
	return f.Add(step)
}

func parseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01) or time (2026-11-01T15:04:05Z)", s)
}

// ParseDuration is time.ParseDuration that also accepts whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

// Span is the range's length.
func (r Range) Span() time.Duration { return r.To.Sub(r.From) }

// Previous is the window of the same length just before this one, used for
// "change vs previous period".
func (r Range) Previous() Range {
	return Range{Name: r.Name, From: r.From.Add(-r.Span()), To: r.From, Step: r.Step}
}

// Buckets is the number of Step-wide buckets in the range.
func (r Range) Buckets() int {
	if r.Step <= 0 {
		return 0
	}
	return int(r.Span() / r.Step)
}

// Bucket returns the index of the bucket holding t, or -1 if t is outside.
func (r Range) Bucket(t time.Time) int {
	if t.Before(r.From) || !t.Before(r.To) {
		return -1
	}
	return int(t.Sub(r.From) / r.Step)
}

// EmptySeries returns one zero point per bucket, ready to be filled.
func (r Range) EmptySeries() []Point {
	n := r.Buckets()
	s := make([]Point, n)
	for i := range s {
		s[i].T = r.From.Add(time.Duration(i) * r.Step)
	}
	return s
}

// Label is what the header shows: the preset name, or the dates.
func (r Range) Label() string {
	if r.Name != "custom" && r.Name != "" {
		return r.Name
	}
	return r.From.Format("2006-01-02 15:04") + ".." + r.To.Format("2006-01-02 15:04")
}

// NextPreset returns the preset after name in Presets, wrapping around; a
// custom range goes to the first preset.
func NextPreset(name string) string {
	for i, p := range Presets {
		if p == name {
			return Presets[(i+1)%len(Presets)]
		}
	}
	return Presets[0]
}

// Location loads the query's zone; "" and "UTC" are UTC, "Local" is the
// machine's zone.
func (q Query) Location() (*time.Location, error) {
	switch q.TZ {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return time.Local, nil
	}
	loc, err := time.LoadLocation(q.TZ)
	if err != nil {
		return nil, fmt.Errorf("time zone %q is unknown: use an IANA name such as Europe/Berlin, or UTC", q.TZ)
	}
	return loc, nil
}

// WithFilters returns a copy of q with extra filters appended; q is not
// changed (its slice is never shared with the result).
func (q Query) WithFilters(fs ...Filter) Query {
	out := q
	out.Filters = append(append([]Filter(nil), q.Filters...), fs...)
	return out
}
