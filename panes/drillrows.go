package panes

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Limits of the row drill views: enough to scroll through, bounded so a
// busy fleet cannot grow memory or a backend query without end.
const (
	errorsLimit   = 200
	installsLimit = 1000
)

// rowsView is a drill view that is a table: recent errors, or active
// installations.
type rowsView struct {
	drillBase
	tbl   *table
	req   Request
	open  string // what enter does to a row, for help ("details")
	noun  string // "errors", "installations"
	empty string
}

// Capturing is true while the find line takes the keys.
func (v *rowsView) Capturing() bool { return v.tbl.finding }

// Request asks for the rows.
func (v *rowsView) Request() *Request { return &v.req }

// View returns the cached rendering.
func (v *rowsView) View() string { return v.view(v.render) }

// ShortHelp lists the table's keys, or the find line's while it is open.
func (v *rowsView) ShortHelp() []key.Binding {
	if v.tbl.finding {
		return findHelp()
	}
	return v.tbl.help(v.open)
}

// FullHelp is the table's keys, described in full, for the help overlay.
func (v *rowsView) FullHelp() [][]key.Binding {
	bs := v.tbl.help(v.open)
	long := map[string]string{"sort": "sort by the next column", "reverse": "reverse the order",
		"find": "find rows (enter keeps, esc clears)", "move": "move", v.open: "show the row's " + v.open}
	for i, b := range bs {
		if d, ok := long[b.Help().Desc]; ok {
			bs[i].SetHelp(b.Help().Key, d)
		}
	}
	return [][]key.Binding{bs}
}

// key moves the table; esc clears a kept find before it means back.
func (v *rowsView) key(k tea.KeyPressMsg) (handled bool) {
	if !v.tbl.finding && k.Code == tea.KeyEscape {
		if v.tbl.clearFind() {
			v.dirty = true
			return true
		}
		return false
	}
	if v.tbl.handleKey(k) {
		v.dirty = true
		return true
	}
	return false
}

var _ Finder = (*rowsView)(nil)

// ClearFind drops a kept search; it reports whether there was one (esc
// then means "clear", not "back").
func (v *rowsView) ClearFind() bool {
	if v.tbl.clearFind() {
		v.dirty = true
		return true
	}
	return false
}

func (v *rowsView) render() string {
	st := v.com.Styles
	iw, ih := v.inner()
	if !v.has {
		return v.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	}
	n := common.Thousands(int64(len(v.tbl.cells)))
	summary := []string{st.Number.Render(n) + st.Muted.Render(" "+v.noun)}
	if len(v.tbl.cells) == 0 {
		return v.frame(summary, centerLines(st.Empty.Render(v.empty), iw, ih))
	}
	var body []string
	if f := v.tbl.findLine(iw); f != "" {
		body = append(body, f)
	}
	body = append(body, v.tbl.render(iw, ih-len(body), v.focused)...)
	return v.frame(summary, body)
}

// Errors drill: the recent error events.

// ErrorsDrill lists recent error events, newest first; enter shows one
// event with all its properties.
type ErrorsDrill struct {
	rowsView
	events []datasource.Event
}

var _ Drill = (*ErrorsDrill)(nil)

// NewErrorsDrill returns the recent-errors view.
func NewErrorsDrill(com *common.Common, keys KeyMap) *ErrorsDrill {
	d := &ErrorsDrill{rowsView: rowsView{drillBase: drillBase{base: newBase(com, keys, TitleErrors)},
		open: "details", noun: "recent errors, newest first", empty: "no errors in range"}}
	d.tbl = newTable(com, keys, []column{
		{title: "time", min: 8, max: 14}, {title: "version", min: 5, max: 14},
		{title: "type", min: 6, max: 24}, {title: "message", min: 10, max: 200, flex: true},
	}, nil)
	d.req.Events = &datasource.EventsQuery{Kind: datasource.KindError, Limit: errorsLimit}
	return d
}

// Update takes events and keys.
func (d *ErrorsDrill) Update(msg tea.Msg) (Pane, tea.Cmd) {
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
				return d, drill(NewEventDetail(d.com, d.keys, d.tbl.cells[r][0]+" "+d.tbl.cells[r][2], ev))
			}
			return d, nil
		}
		d.key(m)
	}
	return d, nil
}

func (d *ErrorsDrill) setEvents(evs []datasource.Event) {
	m := mapping(d.com)
	now := d.com.Now()
	cells := make([][]string, len(evs))
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ver := prop(ev, m.VersionProperty)
		if ver == "" {
			ver = datasource.Unknown
		}
		typ := firstProp(ev, "error_type", "$exception_type")
		if typ == "" {
			typ = ev.Name
		}
		cells[i] = []string{eventTime(ev.Time.In(d.com.Loc), now), ver, oneLine(typ), oneLine(firstProp(ev, "error_message", "$exception_message"))}
		ids[i] = ev.UUID + "@" + strconv.FormatInt(ev.Time.UnixNano(), 10) + "/" + ev.DistinctID
	}
	d.events = evs
	d.tbl.setRows(cells, ids)
	d.has, d.dirty = true, true
}

// eventTime is a clock time for today's events, with the date otherwise.
func eventTime(t, now time.Time) string {
	if y, m, dd := t.Date(); y == now.Year() && m == now.Month() && dd == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("Jan 2 15:04")
}

func prop(ev datasource.Event, k string) string {
	s, _ := datasource.ValueString(ev.Properties[k])
	return s
}

func firstProp(ev datasource.Event, keys ...string) string {
	for _, k := range keys {
		if s := prop(ev, k); s != "" {
			return s
		}
	}
	return ""
}

// oneLine flattens whitespace (stack traces, multi-line messages).
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Installations drill: the active installations.

// InstallsDrill lists the installations active in range: shortened id,
// version, platform, deployment and last seen, sortable by any column.
type InstallsDrill struct {
	rowsView
	rows []datasource.Installation
}

var _ Drill = (*InstallsDrill)(nil)

// NewInstallsDrill returns the installations view, latest seen first.
func NewInstallsDrill(com *common.Common, keys KeyMap) *InstallsDrill {
	d := &InstallsDrill{rowsView: rowsView{drillBase: drillBase{base: newBase(com, keys, TitleInstalls)},
		open: "details", noun: "installations", empty: "no heartbeats in range"}}
	d.tbl = newTable(com, keys, []column{
		{title: "last seen", min: 8, max: 12, desc: true}, {title: "id", min: 8, max: 64},
		{title: "version", min: 7, max: 16, desc: true}, {title: "platform", min: 8, max: 16},
		{title: "deployment", min: 10, max: 16, flex: true},
	}, d.compare)
	d.req.Installations = &datasource.InstallationsQuery{Limit: installsLimit}
	return d
}

func (d *InstallsDrill) compare(a, b, col int) int {
	x, y := d.rows[a], d.rows[b]
	var c int
	switch col {
	case 0:
		c = x.LastSeen.Compare(y.LastSeen)
	case 1:
		c = strings.Compare(x.ID, y.ID)
	case 2:
		// Descending (the default) is newest first with unknown last.
		c = -datasource.NewestFirst(x.Version, y.Version)
	case 3:
		c = strings.Compare(x.Platform, y.Platform)
	case 4:
		c = strings.Compare(x.Deployment, y.Deployment)
	}
	return cmp.Or(c, strings.Compare(x.ID, y.ID))
}

// Update takes installations and keys.
func (d *InstallsDrill) Update(msg tea.Msg) (Pane, tea.Cmd) {
	d.restyle(msg)
	switch m := msg.(type) {
	case DrillDataMsg:
		d.setRows(m.Installations)
	case tea.KeyPressMsg:
		if !d.focused {
			return d, nil
		}
		if !d.tbl.finding && key.Matches(m, d.keys.Drill) {
			if r := d.tbl.selected(); r >= 0 {
				in := d.rows[r]
				return d, drill(NewInstallationDrill(d.com, d.keys, in), InstallFilter(in.ID))
			}
			return d, nil
		}
		d.key(m)
	}
	return d, nil
}

func (d *InstallsDrill) setRows(rows []datasource.Installation) {
	now := d.com.Clock()
	cells := make([][]string, len(rows))
	ids := make([]string, len(rows))
	for i, in := range rows {
		cells[i] = []string{common.Age(now.Sub(in.LastSeen)) + " ago", common.Printable(in.ID), in.Version, in.Platform, in.Deployment}
		ids[i] = in.ID
	}
	d.rows = rows
	d.tbl.setRows(cells, ids)
	d.has, d.dirty = true, true
}

func installFields(in datasource.Installation, com *common.Common) []Field {
	return []Field{
		{"id", in.ID}, {"version", in.Version}, {"platform", in.Platform}, {"deployment", in.Deployment},
		{"last seen", in.LastSeen.In(com.Loc).Format("2006-01-02 15:04:05 MST") + " (" + common.Age(com.Clock().Sub(in.LastSeen)) + " ago)"},
		{"heartbeats in range", common.Thousands(in.Heartbeats)},
	}
}
