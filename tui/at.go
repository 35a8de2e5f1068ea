package tui

// rangeText is the range as the header names it: "24h", or with --at the
// moment it is pinned to ("24h to 2026-11-03 00:00"), since those figures
// are not the last 24 hours.
func (m *Model) rangeText() string {
	if m.at.IsZero() {
		return m.rng
	}
	return m.rng + " to " + m.at.In(m.com.Loc).Format("2006-01-02 15:04")
}
