package pace

import (
	"fmt"
	"time"
)

// Basis says where the budget ttmon paces to comes from.
type Basis int

// The bases of a budget. A configured budget moves only down (a 429 shows
// it is smaller); an assumed one (Auto) also tries the next PostHog tier
// once, after a whole window without a 429.
const (
	// Configured: set by the operator.
	Configured Basis = iota
	// Assumed: Auto's starting point, LegacyBudget.
	Assumed
	// Trying: Auto is trying DefaultBudget; a 429 returns to LegacyBudget.
	Trying
	// Lowered: a 429 showed the budget is smaller than ttmon paced to.
	Lowered
	// Raised: PostHog answered more requests in one window than
	// LegacyBudget allows, so the team has DefaultBudget.
	Raised
)

// String is the basis as the header says it, after the budget.
func (b Basis) String() string {
	switch b {
	case Assumed:
		return "assumed"
	case Trying:
		return "trying"
	case Lowered:
		return "learned from a 429"
	case Raised:
		return "learned"
	}
	return "configured"
}

// Assumption is the budget ttmon paces to, where it comes from, and why,
// in a sentence for `ttmon check`.
type Assumption struct {
	Budget Budget
	Basis  Basis
	Why    string
}

// minLowered is the least budget a 429 lowers to: a refresh every five
// minutes still shows something, where a budget learned from a key
// others use heavily might otherwise fall to a handful an hour.
const minLowered = 12

// probe is Auto's one try of a higher tier.
type probe struct {
	to   Budget    // the tier to try; zero: none
	at   time.Time // not before
	on   bool      // trying now
	from Budget    // the budget to return to on a 429
}

// Assumption returns the budget paced to now and its basis.
func (s *Source) Assumption() Assumption {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tryProbe(s.o.now())
	why := s.why
	switch s.basis {
	case Configured:
		why = "configured"
	case Assumed:
		why = fmt.Sprintf("no budget configured: PostHog allows %s of HogQL queries to a personal API key unless the organisation has "+
			"the API-queries feature (then %s), so ttmon starts at %s and tries %s after a whole %s without a 429",
			LegacyBudget, DefaultBudget, LegacyBudget, s.probe.to, per(LegacyBudget.Per))
	}
	return Assumption{Budget: s.budget, Basis: s.basis, Why: why}
}

// set changes the budget paced to (s.mu held). Requests already counted
// stay counted: the server remembers them too.
func (s *Source) set(b Budget, basis Basis, why string) {
	s.budget, s.basis, s.why = b, basis, why
	s.windows[0].limit, s.windows[0].per = max(b.N, 1), b.Per
	s.lookups.per = b.Per
}

// tryProbe starts Auto's try of the higher tier when its time has come
// (s.mu held). By then ttmon has spent a whole window at the lower one,
// evenly, so on a team that has only the lower tier the server's window
// is full of requests spread over the hour: the 429 that tells ttmon so
// asks it to wait about one poll interval, not most of an hour.
func (s *Source) tryProbe(now time.Time) {
	p := &s.probe
	if p.to.N == 0 || p.on || now.Before(p.at) {
		return
	}
	p.on, p.from = true, s.budget
	s.set(p.to, Trying, fmt.Sprintf("a whole %s at %s passed without a 429; a 429 now returns to %s", per(p.from.Per), p.from, p.from))
}

// confirm settles a try once the server has answered more requests in
// one window than the lower tier allows (s.mu held).
func (s *Source) confirm(now time.Time) {
	p := &s.probe
	if !p.on {
		return
	}
	if n := s.windows[0].count(now); n > p.from.N {
		from := p.from
		s.probe = probe{}
		s.set(s.budget, Raised, fmt.Sprintf("PostHog answered %d requests in one %s, more than %s allows", n, per(from.Per), from))
	}
}

// lower learns from a 429 that came although ttmon kept within its
// budget, and uncounts the refused request, as PostHog does (Django REST
// framework's throttles record only the requests they let through) (every request sent was within it: admit refuses the others).
// While trying a higher tier, any 429 returns to the lower one. Otherwise
// only a wait longer than the burst window says the budget's window is
// full (a burst or concurrency limit asks for seconds): the budget
// becomes what PostHog let ttmon send in that window, which is PostHog's
// legacy tier when ttmon sent at least that many. (s.mu held.)
func (s *Source) lower(now time.Time, wait time.Duration) {
	for _, w := range s.windows {
		w.unadd()
	}
	if s.probe.on {
		tried, from := s.budget, s.probe.from
		s.probe = probe{}
		s.set(from, Lowered, fmt.Sprintf("PostHog answered 429 when ttmon tried %s", tried))
		return
	}
	burst := time.Minute
	if s.o.burst.N > 0 && s.o.burst.Per > 0 {
		burst = s.o.burst.Per
	}
	if wait <= burst {
		return
	}
	b := s.budget
	used := s.windows[0].count(now)
	n := max(used, minLowered)
	if n >= b.N {
		return
	}
	nb := Budget{N: n, Per: b.Per}
	if b.Per == LegacyBudget.Per && n >= LegacyBudget.N {
		nb = LegacyBudget
	}
	s.probe = probe{}
	s.set(nb, Lowered, fmt.Sprintf("PostHog answered 429 after %d requests in the last %s, while ttmon paced to %s", used, per(b.Per), b))
}

// per words a window: "hour", "minute", or the duration.
func per(d time.Duration) string {
	switch d {
	case time.Hour:
		return "hour"
	case time.Minute:
		return "minute"
	case 24 * time.Hour:
		return "day"
	}
	return d.String()
}
