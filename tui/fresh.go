package tui

import (
	"time"

	"github.com/ttmon/ttmon/tui/common"
)

// freshness is the header's refresh part, longest first: full says when
// the last poll succeeded and how long it took, how often polls run (and
// why not as often as asked: the query budget), and, when that poll
// brought the same figures again, when they last changed; then the time
// with the interval and why; the time with the interval; the time alone.
// The middle two are the time alone unless the budget set the interval.
// The time is always the last good fetch: a quiet fleet's figures may
// not change for an hour while every poll succeeds, and that is what the
// operator must be able to read.
func (m *Model) freshness() [4]string {
	st := m.com.Styles
	switch {
	case m.poll.lastOK.IsZero():
		s := st.Muted.Render("waiting for first data")
		return [4]string{s, s, s, s}
	case m.pending:
		s := st.Status.Render("updating…")
		return [4]string{s, s, s, s}
	}
	at := "↻ " + m.clock(m.poll.lastOK)
	every := " · every " + common.Age(m.poll.interval)
	why := every
	if m.poll.why != "" {
		why += ": " + m.poll.why
	}
	// History still arriving (a demo's backfill) is in every form: the
	// figures are not whole until it is, and the narrowest header must
	// not show them as if they were.
	fill := ""
	if m.poll.filling != "" {
		fill = " · " + m.poll.filling
	}
	full := at + " in " + common.Took(m.poll.okTook) + why + fill
	if c := m.changed.at; !c.IsZero() && !c.Equal(m.poll.lastOK) {
		full += " · changed " + m.clock(c)
	}
	out := [4]string{st.Muted.Render(full), st.Muted.Render(at + fill), st.Muted.Render(at + fill), st.Muted.Render(at + fill)}
	if m.poll.why != "" {
		out[1], out[2] = st.Muted.Render(at+why+fill), st.Muted.Render(at+every+fill)
	}
	return out
}

// clock is a time of day in the monitor's zone.
func (m *Model) clock(t time.Time) string { return t.In(m.com.Loc).Format("15:04:05") }
