package tui

import (
	"time"

	"github.com/ttmon/ttmon/tui/common"
)

// freshness is the header's refresh part, in three widths: full says when
// the last poll succeeded and how long it took, how often polls run (and
// why not as often as asked: the query budget), and, when that poll
// brought the same figures again, when they last changed; mid keeps the
// time and, when the budget raised it, the interval and why; short is
// the time alone. The time is always the
// last good fetch: a quiet fleet's figures may not change for an hour
// while every poll succeeds, and that is what the operator must be able
// to read.
func (m *Model) freshness() (full, mid, short string) {
	st := m.com.Styles
	switch {
	case m.poll.lastOK.IsZero():
		s := st.Muted.Render("waiting for first data")
		return s, s, s
	case m.pending:
		s := st.Status.Render("updating…")
		return s, s, s
	}
	at := m.clock(m.poll.lastOK)
	every := " · every " + common.Age(m.poll.interval)
	if m.poll.why != "" {
		every += ": " + m.poll.why
	}
	full = "↻ " + at + " in " + common.Took(m.poll.okTook) + every
	if c := m.changed.at; !c.IsZero() && !c.Equal(m.poll.lastOK) {
		full += " · changed " + m.clock(c)
	}
	short = st.Muted.Render("↻ " + at)
	mid = short
	if m.poll.why != "" {
		mid = st.Muted.Render("↻ " + at + every)
	}
	return st.Muted.Render(full), mid, short
}

// clock is a time of day in the monitor's zone.
func (m *Model) clock(t time.Time) string { return t.In(m.com.Loc).Format("15:04:05") }
