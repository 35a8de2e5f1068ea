package pace

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Budget is a request allowance: at most N requests in any window of Per.
type Budget struct {
	N   int
	Per time.Duration
}

// PostHog's documented per-team limits for its query API (ARCHITECTURE.md,
// the PostHog adapter). Teams on the legacy limit have 120 HogQL queries per hour.
var (
	DefaultBudget = Budget{N: 2400, Per: time.Hour}
	LegacyBudget  = Budget{N: 120, Per: time.Hour}
	BurstBudget   = Budget{N: 240, Per: time.Minute}
)

// Auto is the budget of a team that did not say which it has: New paces
// to LegacyBudget, which every team has, and tries DefaultBudget once a
// whole window at LegacyBudget has passed without a 429 (see
// Source.Assumption). Starting low is what keeps a team on the legacy
// limit seeing data all hour: spending 120 queries in the first ten
// minutes would leave it blind for the other fifty.
var Auto = Budget{}

// IsAuto reports whether b is Auto.
func (b Budget) IsAuto() bool { return b.N == 0 }

// DefaultConcurrency is PostHog's limit of concurrent queries per team.
const DefaultConcurrency = 3

var budgetRE = regexp.MustCompile(`^(\d+)\s*/\s*([a-z]+)$`)

var budgetUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

// ParseBudget reads "2400/h", "120/hour", "240/m" or "240/min": a whole
// number of requests per second, minute, hour or day; "auto" (or "") is
// Auto.
func ParseBudget(s string) (Budget, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" || in == "auto" {
		return Auto, nil
	}
	m := budgetRE.FindStringSubmatch(in)
	if m == nil {
		return Budget{}, fmt.Errorf("query budget %q: write auto, or requests per hour or minute, such as 2400/h, 120/h or 240/m", s)
	}
	n, err := strconv.Atoi(m[1])
	per, ok := budgetUnits[m[2]]
	if err != nil || !ok || n < 1 {
		return Budget{}, fmt.Errorf("query budget %q: write auto, or requests per hour or minute, such as 2400/h, 120/h or 240/m", s)
	}
	return Budget{N: n, Per: per}, nil
}

// String writes the budget the way ParseBudget reads it.
func (b Budget) String() string {
	if b.IsAuto() {
		return "auto"
	}
	unit := b.Per.String()
	switch b.Per {
	case time.Second:
		unit = "s"
	case time.Minute:
		unit = "min"
	case time.Hour:
		unit = "h"
	case 24 * time.Hour:
		unit = "day"
	}
	return strconv.Itoa(b.N) + "/" + unit
}

// window is a sliding-window log, the way PostHog (Django REST framework's
// throttles) counts: a request is allowed when fewer than limit requests
// were made in the last per. Keeping the log rather than a token bucket
// makes ttmon refuse exactly when the server would.
type window struct {
	limit int
	per   time.Duration
	at    []time.Time // ascending
}

func (w *window) prune(now time.Time) {
	cut := now.Add(-w.per)
	i := 0
	for i < len(w.at) && !w.at[i].After(cut) {
		i++
	}
	if i > 0 {
		w.at = append(w.at[:0], w.at[i:]...)
	}
}

// wait is how long until one more request fits; 0 if it fits now.
func (w *window) wait(now time.Time) time.Duration {
	w.prune(now)
	if len(w.at) < w.limit {
		return 0
	}
	return w.at[len(w.at)-w.limit].Add(w.per).Sub(now)
}

func (w *window) add(now time.Time, n int) {
	for range n {
		w.at = append(w.at, now)
	}
}

// unadd takes back the latest request.
func (w *window) unadd() {
	if len(w.at) > 0 {
		w.at = w.at[:len(w.at)-1]
	}
}

func (w *window) count(now time.Time) int {
	w.prune(now)
	return len(w.at)
}
