package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
)

// drillPage puts a drill view on the page stack. It remembers the filters
// its level added, so that going back removes them, and its id, so that a
// poll's answer reaches the page that asked.
type drillPage struct {
	id    uint64
	view  panes.Drill
	added []datasource.Filter
}

var _ page = (*drillPage)(nil)

// Update passes everything to the view.
func (d *drillPage) Update(msg tea.Msg) (page, tea.Cmd) {
	v, cmd := d.view.Update(msg)
	if dv, ok := v.(panes.Drill); ok {
		d.view = dv
	}
	return d, cmd
}

// View is the view's cached string.
func (d *drillPage) View() string { return d.view.View() }

// SetSize gives the view the whole body.
func (d *drillPage) SetSize(w, h int) { d.view.SetSize(w, h) }

// Title is the view's breadcrumb.
func (d *drillPage) Title() string { return d.view.Title() }

// ShortHelp is back, then the view's keys.
func (d *drillPage) ShortHelp() []key.Binding { return d.view.ShortHelp() }

// FullHelp is the view's keys.
func (d *drillPage) FullHelp() [][]key.Binding { return d.view.FullHelp() }

// job is what the next poll asks for: the top drill view's request, or
// the Snapshot (the dashboard, and views that need nothing of their own,
// so the header keeps saying how fresh the data is).
func (m *Model) job() job {
	if d, ok := m.top().(*drillPage); ok && d.view.Request() != nil {
		return job{page: d.id, req: d.view.Request()}
	}
	return job{}
}

// push opens a drill view on top, adds its filters (those not already
// set) and polls for it at once.
func (m *Model) push(msg panes.DrillMsg) tea.Cmd {
	if msg.View == nil {
		return nil
	}
	m.pageSeq++
	d := &drillPage{id: m.pageSeq, view: msg.View}
	for _, f := range msg.Filters {
		if !hasFilter(m.filters, f) {
			m.filters = append(slices.Clone(m.filters), f)
			d.added = append(d.added, f)
		}
	}
	if top, ok := m.top().(*drillPage); ok {
		top.view.Blur()
	}
	d.view.SetSize(max(m.width, 0), max(m.height-chromeH, 0))
	d.view.Focus()
	m.pages = append(m.pages, d)
	return m.refetch()
}

// pop goes back one level, removing the filters that level added.
func (m *Model) pop() tea.Cmd {
	if len(m.pages) < 2 {
		return nil
	}
	d := m.pages[len(m.pages)-1].(*drillPage)
	m.pages = m.pages[:len(m.pages)-1]
	if len(d.added) > 0 {
		m.filters = slices.DeleteFunc(slices.Clone(m.filters), func(f datasource.Filter) bool { return hasFilter(d.added, f) })
	}
	if top, ok := m.top().(*drillPage); ok {
		top.view.Focus()
	}
	return m.refetch()
}

// back is esc: a drill view first drops a kept search, then the level
// goes; on the dashboard it unzooms.
func (m *Model) back(msg tea.KeyPressMsg) tea.Cmd {
	d, ok := m.top().(*drillPage)
	if !ok {
		return m.forward(msg)
	}
	if c, ok := d.view.(panes.Finder); ok && c.ClearFind() {
		return nil
	}
	return m.pop()
}

// deliver hands a drill answer to the page that asked, if it is still
// open.
func (m *Model) deliver(id uint64, data *panes.DrillDataMsg) tea.Cmd {
	mp := m.com.Mapping
	data.NotNarrowed = mp.NotNarrowed(mp.PersonScoped(data.Query.Filters))
	for i, p := range m.pages {
		if d, ok := p.(*drillPage); ok && d.id == id {
			var cmd tea.Cmd
			m.pages[i], cmd = d.Update(*data)
			return cmd
		}
	}
	return nil
}

// crumbs is the path of open pages: "Dashboard › Versions › 4.9.1".
func (m *Model) crumbs() string {
	ts := make([]string, len(m.pages))
	for i, p := range m.pages {
		ts[i] = p.Title()
	}
	return strings.Join(ts, " › ")
}

// capturing reports that the top page takes every key (a find line).
func (m *Model) capturing() bool {
	d, ok := m.top().(*drillPage)
	return ok && d.view.Capturing()
}
