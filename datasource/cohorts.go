package datasource

import (
	"context"
	"strconv"
	"strings"
)

// CohortLister is implemented by sources whose backend keeps its own cohorts
// (PostHog). The cohort picker lists them next to the cohorts from the config
// file; picking one adds the filter Cohort.Filter() returns. Ask for it
// with As, never a type assertion: decorators (pace, shared) that change
// how cohorts are listed implement it as relays (Relayer), which As counts
// only over a source that keeps cohorts.
type CohortLister interface {
	Cohorts(ctx context.Context) ([]Cohort, error)
}

// Cohort is one backend cohort.
type Cohort struct {
	// ID is the backend's id, as written in cohort=ID.
	ID string `json:"id"`
	// Name is what people called it in the backend.
	Name string `json:"name"`
	// Count is the backend's last computed size; -1 when it is unknown
	// (not calculated yet).
	Count int64 `json:"count"`
}

// Filter is the filter that keeps the cohort's members: cohort=ID.
func (c Cohort) Filter() Filter {
	return Filter{Scope: ScopeCohort, Key: c.ID, Op: OpEq}
}

// Checker is implemented by sources that can diagnose their own setup for
// `ttmon check`: is the backend reachable, are the credentials accepted, and
// does it hold events with the names of the Mapping. Check returns an error
// only when it could not produce a report at all; everything it found wrong
// is in the report.
type Checker interface {
	Check(ctx context.Context, m Mapping) (*CheckReport, error)
}

// CheckReport is what `ttmon check` prints: one line per step, in order.
type CheckReport struct {
	Source Info        `json:"source"`
	Steps  []CheckStep `json:"steps"`
	// Seen lists the event names the source holds in the checked window
	// with their counts, most frequent first, so a wrong Mapping can be
	// fixed from what is really there.
	Seen []ValueCount `json:"seen,omitempty"`
}

// CheckStep is one verified fact. A failed step's Detail says what to fix.
type CheckStep struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Warn marks a problem that does not stop ttmon from working (e.g. no
	// permission to list cohorts); OK is false too.
	Warn bool `json:"warn,omitempty"`
}

// OK reports whether every step passed; warnings do not count as failures.
func (r *CheckReport) OK() bool {
	for _, s := range r.Steps {
		if !s.OK && !s.Warn {
			return false
		}
	}
	return true
}

// Add appends a step.
func (r *CheckReport) Add(name string, ok bool, detail string) {
	r.Steps = append(r.Steps, CheckStep{Name: name, OK: ok, Detail: detail})
}

// Warn appends a failed step that does not make the report fail.
func (r *CheckReport) Warn(name, detail string) {
	r.Steps = append(r.Steps, CheckStep{Name: name, Detail: detail, Warn: true})
}

// CheckMapping adds one step per event family of m: passed when at least one
// of the family's names is in seen, else failed naming the configured
// names. Every Checker uses it, so the wording is the same for each source.
// window describes where seen comes from, e.g. "in the last 7 days".
func (r *CheckReport) CheckMapping(m Mapping, seen []ValueCount, window string) {
	counts := make(map[string]int64, len(seen))
	for _, v := range seen {
		counts[v.Value] += v.Count
	}
	for _, k := range []EventKind{KindHeartbeat, KindError, KindTimer} {
		names := m.Names(k)
		var found []string
		var n int64
		for _, name := range names {
			if c := counts[name]; c > 0 {
				found = append(found, name)
				n += c
			}
		}
		step := k.String() + " events"
		if len(found) > 0 {
			r.Add(step, true, formatCount(n)+" "+strings.Join(found, ", ")+" "+window)
			continue
		}
		r.Add(step, false, "none of "+strings.Join(names, ", ")+" "+window+
			": set events."+yamlKey(k)+" in the config to the names this project uses (see the events seen below)")
	}
}

func yamlKey(k EventKind) string {
	switch k {
	case KindError:
		return "errors"
	case KindTimer:
		return "timers"
	}
	return "heartbeat"
}

// formatCount writes n with thousands separators: 12,345.
func formatCount(n int64) string {
	d := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range d {
		if i > 0 && c != '-' && d[i-1] != '-' && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
