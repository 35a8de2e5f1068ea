package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/helpview"
)

// openHelp opens the help overlay on the bindings as they are now.
func (m *Model) openHelp() { m.helpView.Open(m.helpSections(false), m.helpSections(true)) }

// refreshHelp keeps the open overlay true to the state it names (the poll
// interval the budget may move, the focused pane's keys) after any
// message.
func (m *Model) refreshHelp() {
	if m.helpView.Active() {
		m.helpView.SetSections(m.helpSections(false), m.helpSections(true))
	}
}

// helpSections lists every enabled binding, grouped, with the keys as they
// are bound now (remaps included) and the state they act on. compact uses
// the footer's short descriptions and folds the four pane keys and the two
// quit keys into one row each, for small terminals.
func (m *Model) helpSections(compact bool) []helpview.Section {
	k := m.keys
	if compact {
		quit := k.Quit
		quit.SetHelp(quit.Help().Key+", "+k.ForceQuit.Help().Key, "quit")
		rng := k.Range
		rng.SetHelp(rng.Help().Key, "next range")
		return []helpview.Section{
			{Title: "Panes", Binds: append(m.top().ShortHelp(), k.Back)},
			{Title: "Filters", Binds: []key.Binding{k.Filter, k.Cohort, k.chipKeys(), k.SaveCohort}},
			{Title: "Data", Binds: []key.Binding{rng, k.Refresh, k.Pause, k.Faster, k.Slower}},
			{Title: "General", Binds: []key.Binding{k.Help, quit}},
		}
	}
	filters := []key.Binding{k.full("filter"), k.full("cohort"), k.full("remove_chip"), k.full("clear_chips"), k.full("save_cohort")}
	rng := k.full("range")
	rng.SetHelp(rng.Help().Key, "range: "+strings.Join(datasource.Presets, " → "))
	slower := k.full("slower")
	slower.SetHelp(slower.Help().Key, "poll less often (now every "+common.Age(m.poll.interval)+")")
	var pageBinds []key.Binding
	for _, g := range m.top().FullHelp() {
		pageBinds = append(pageBinds, g...)
	}
	title := "Panes"
	if len(m.pages) > 1 {
		title = m.top().Title()
		pageBinds = append(pageBinds, k.full("back"))
	}
	return []helpview.Section{
		{Title: title, Binds: pageBinds},
		{Title: "Filters", Binds: filters},
		{Title: "Data", Binds: []key.Binding{rng, k.full("refresh"), k.full("pause"), k.full("faster"), slower}},
		{Title: "General", Binds: []key.Binding{k.full("help"), k.full("quit"), k.full("force_quit")}},
	}
}
