package panes

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// EventsList lists the recent events of a drill level (a group of a
// pane, an installation), newest first; enter shows one event whole.
type EventsList struct {
	rowsView
	match  groupMatch
	events []datasource.Event
}

var _ Drill = (*EventsList)(nil)

// NewEventsList lists the events match keeps among those the query
// returns. Its title names what they are.
func NewEventsList(com *common.Common, keys KeyMap, title string, match groupMatch) *EventsList {
	d := &EventsList{rowsView: rowsView{drillBase: drillBase{base: newBase(com, keys, title)},
		open: "details", noun: "recent events, newest first", empty: "no matching events in range"}, match: match}
	d.tbl = newTable(com, keys, []column{
		{title: "time", min: 8, max: 14}, {title: "event", min: 8, max: 28},
		{title: "user", min: 6, max: 40}, {title: "version", min: 7, max: 12},
		{title: "properties", min: 10, max: 400, flex: true},
	}, nil)
	m := fullMapping(com)
	d.req.Events = &datasource.EventsQuery{Kind: kindOf(m, match.names), Names: match.names, Category: match.category,
		Hours: match.hours(), Limit: groupEventsLimit}
	return d
}

// Update takes events and keys.
func (d *EventsList) Update(msg tea.Msg) (Pane, tea.Cmd) {
	d.restyle(msg)
	switch m := msg.(type) {
	case DrillDataMsg:
		d.setEvents(m.Events)
	case tea.KeyPressMsg:
		if !d.focused {
			return d, nil
		}
		if !d.tbl.finding && key.Matches(m, d.keys.Drill) {
			if r := d.tbl.selected(); r >= 0 {
				ev := d.events[r]
				return d, drill(NewEventDetail(d.com, d.keys, d.tbl.cells[r][0]+" "+d.tbl.cells[r][1], ev))
			}
			return d, nil
		}
		d.key(m)
	}
	return d, nil
}

func (d *EventsList) setEvents(all []datasource.Event) {
	ver := mapping(d.com).VersionProperty
	now := d.com.Now()
	var evs []datasource.Event
	for _, ev := range all {
		if d.match.keep(ev, d.com) {
			evs = append(evs, ev)
		}
	}
	cells := make([][]string, len(evs))
	ids := make([]string, len(evs))
	for i, ev := range evs {
		v := prop(ev, ver)
		if v == "" {
			v = datasource.Unknown
		}
		cells[i] = []string{eventTime(ev.Time.In(d.com.Loc), now), common.Printable(ev.Name),
			common.Printable(ev.DistinctID), common.Printable(v), common.Printable(propsLine(ev, ver))}
		ids[i] = eventID(ev)
	}
	d.events = evs
	d.tbl.setRows(cells, ids)
	d.has, d.dirty = true, true
}

func eventID(ev datasource.Event) string {
	return ev.UUID + "@" + ev.Time.String() + "/" + ev.DistinctID
}

// propsLine is an event's properties as "k=v" in name order, the
// version (its own column) and PostHog's $-properties left out.
func propsLine(ev datasource.Event, skip string) string {
	ks := make([]string, 0, len(ev.Properties))
	for k := range ev.Properties {
		if k != skip && !strings.HasPrefix(k, "$") {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	parts := make([]string, 0, len(ks))
	for _, k := range ks {
		parts = append(parts, k+"="+oneLine(propText(ev.Properties[k])))
	}
	return strings.Join(parts, " ")
}

// UsersList counts the users among the events its view got (an
// installation's recent events): distinct id, events, last seen.
type UsersList struct {
	rowsView
}

var _ Drill = (*UsersList)(nil)

// NewUsersList returns the users view; it asks for nothing itself and
// reads the events its Split asked for.
func NewUsersList(com *common.Common, keys KeyMap) *UsersList {
	d := &UsersList{rowsView: rowsView{drillBase: drillBase{base: newBase(com, keys, "users in these events")},
		noun: "users", empty: "no users in these events"}}
	d.tbl = newTable(com, keys, []column{
		{title: "user", min: 6, max: 64, flex: true}, {title: "events", min: 6, max: 10, right: true, desc: true},
		{title: "last seen", min: 9, max: 12, desc: true},
	}, nil)
	return d
}

// Request: none of its own.
func (d *UsersList) Request() *Request { return nil }

// Update counts the users in the events.
func (d *UsersList) Update(msg tea.Msg) (Pane, tea.Cmd) {
	d.restyle(msg)
	switch m := msg.(type) {
	case DrillDataMsg:
		d.setUsers(m.Events)
	case tea.KeyPressMsg:
		if d.focused {
			d.key(m)
		}
	}
	return d, nil
}

func (d *UsersList) setUsers(evs []datasource.Event) {
	type user struct {
		id   string
		n    int64
		last datasource.Event
	}
	by := map[string]*user{}
	var order []*user
	for _, ev := range evs {
		u := by[ev.DistinctID]
		if u == nil {
			u = &user{id: ev.DistinctID, last: ev}
			by[ev.DistinctID] = u
			order = append(order, u)
		}
		u.n++
		if ev.Time.After(u.last.Time) {
			u.last = ev
		}
	}
	slices.SortStableFunc(order, func(a, b *user) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.id, b.id)) })
	now := d.com.Clock()
	cells := make([][]string, len(order))
	ids := make([]string, len(order))
	for i, u := range order {
		cells[i] = []string{common.Printable(u.id), common.Thousands(u.n), ago(u.last.Time, now)}
		ids[i] = u.id
	}
	d.tbl.setRows(cells, ids)
	d.has, d.dirty = true, true
}

// PaneDrill is a dashboard pane shown as a drill view (the error groups):
// it asks for its figures through Source.Snapshot with PanesOnly, and
// enter opens a group's events.
type PaneDrill struct {
	*Generic
	crumb string
	req   Request
}

var _ Drill = (*PaneDrill)(nil)

// NewPaneDrill shows spec as a drill level whose breadcrumb is crumb.
func NewPaneDrill(com *common.Common, keys KeyMap, th Thresholds, crumb string, spec datasource.PaneSpec) *PaneDrill {
	g := NewGeneric(com, keys, spec, th)
	g.crumb, g.inDrill = "", true
	return &PaneDrill{Generic: g, crumb: crumb, req: Request{Panes: []datasource.PaneSpec{spec}}}
}

// NewErrorGroupsDrill is the error-rate pane's drill: errors grouped by
// type and message over the most recent errors (left/right move between
// them; the list also serves a source that does not group them yet).
func NewErrorGroupsDrill(com *common.Common, keys KeyMap, th Thresholds) Drill {
	groups := NewPaneDrill(com, keys, th, TitleErrors, ErrorGroupsSpec())
	return newSplit(com, keys, TitleErrors, []Drill{groups, NewErrorsDrill(com, keys)}, []int{3, 2})
}

// Title is the breadcrumb.
func (d *PaneDrill) Title() string { return d.crumb }

// Request asks for the pane.
func (d *PaneDrill) Request() *Request { return &d.req }

// Capturing is true while the table's find line takes the keys.
func (d *PaneDrill) Capturing() bool { return d.tbl != nil && d.tbl.finding }

// ClearFind drops a kept search.
func (d *PaneDrill) ClearFind() bool {
	if d.tbl != nil && d.tbl.clearFind() {
		d.dirty = true
		return true
	}
	return false
}

// Update takes the pane's figures from a drill answer; the rest goes to
// the pane.
func (d *PaneDrill) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if m, ok := msg.(DrillDataMsg); ok {
		pq := datasource.PaneQuery{Spec: d.spec, Range: m.Query.Range}
		d.take(&datasource.Snapshot{Query: datasource.Query{Range: m.Query.Range, Panes: []datasource.PaneQuery{pq}}, Panes: m.Panes})
		return d, nil
	}
	_, cmd := d.Generic.Update(msg)
	return d, cmd
}

// ShortHelp is the table's keys.
func (d *PaneDrill) ShortHelp() []key.Binding {
	if d.Capturing() {
		return findHelp()
	}
	return d.tbl.help("events")
}

// FullHelp is the same for the help overlay.
func (d *PaneDrill) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
