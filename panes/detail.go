package panes

import (
	"encoding/json"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// Field is one name and value of a Detail view.
type Field struct {
	Name, Value string
}

// Detail shows one record (an event with all its properties, an
// installation) as names and values, long values wrapped, scrollable. It
// needs no data of its own: it shows what it was opened with.
type Detail struct {
	drillBase
	fields []Field
	lines  []string // wrapped at the current width
	lw     int      // width the lines were wrapped for
	top    int
}

var _ Drill = (*Detail)(nil)

// NewDetail shows fields under the breadcrumb title.
func NewDetail(com *common.Common, keys KeyMap, title string, fields []Field) *Detail {
	d := &Detail{drillBase: drillBase{base: newBase(com, keys, title), has: true}, fields: fields, lw: -1}
	return d
}

// NewEventDetail shows an event: its name, time, ids, then every property
// by name, nested values as JSON.
func NewEventDetail(com *common.Common, keys KeyMap, title string, ev datasource.Event) *Detail {
	fs := []Field{
		{"event", ev.Name},
		{"time", ev.Time.In(com.Loc).Format("2006-01-02 15:04:05.000 MST")},
		{"distinct_id", ev.DistinctID},
	}
	if ev.UUID != "" {
		fs = append(fs, Field{"uuid", ev.UUID})
	}
	keys2 := make([]string, 0, len(ev.Properties))
	for k := range ev.Properties {
		keys2 = append(keys2, k)
	}
	slices.Sort(keys2)
	for _, k := range keys2 {
		fs = append(fs, Field{k, propText(ev.Properties[k])})
	}
	return NewDetail(com, keys, title, fs)
}

// propText is a property value as text: strings as they are, numbers and
// booleans canonical, objects and lists as compact JSON, null as null.
func propText(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	case nil:
		return "null"
	}
	s, _ := datasource.ValueString(v)
	return s
}

// Request: a detail view shows what it was given.
func (d *Detail) Request() *Request { return nil }

// Update scrolls.
func (d *Detail) Update(msg tea.Msg) (Pane, tea.Cmd) {
	d.restyle(msg)
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !d.focused {
		return d, nil
	}
	_, ih := d.inner()
	top := d.top
	switch {
	case key.Matches(k, d.keys.Up):
		top--
	case key.Matches(k, d.keys.Down):
		top++
	case key.Matches(k, d.keys.PageUp):
		top -= max(ih-1, 1)
	case key.Matches(k, d.keys.PageDown):
		top += max(ih-1, 1)
	case key.Matches(k, d.keys.Home):
		top = 0
	case key.Matches(k, d.keys.End):
		top = len(d.lines)
	}
	top = min(max(top, 0), max(len(d.lines)-ih, 0))
	if top != d.top {
		d.top, d.dirty = top, true
	}
	return d, nil
}

// View returns the cached rendering.
func (d *Detail) View() string { return d.view(d.render) }

// ShortHelp lists the scroll keys.
func (d *Detail) ShortHelp() []key.Binding {
	return []key.Binding{PairHelp(d.keys.Up, d.keys.Down, "scroll")}
}

// FullHelp is ShortHelp for the help overlay.
func (d *Detail) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }

// wrap lays the fields out at inner width iw: names in a column, values
// wrapped beside them.
func (d *Detail) wrap(iw int) {
	st := d.com.Styles
	nw := 0
	for _, f := range d.fields {
		nw = max(nw, ansi.StringWidth(f.Name))
	}
	nw = min(nw, max(iw/3, 8))
	vw := max(iw-nw-2, 8)
	d.lines = d.lines[:0]
	for _, f := range d.fields {
		parts := strings.Split(ansi.Wrap(f.Value, vw, " ,;"), "\n")
		for i, p := range parts {
			name := ""
			if i == 0 {
				name = f.Name
			}
			d.lines = append(d.lines, st.Muted.Render(fit(name, nw))+"  "+st.Text.Render(p))
		}
	}
	d.lw = iw
}

func (d *Detail) render() string {
	iw, ih := d.inner()
	if d.lw != iw {
		d.wrap(iw)
		d.top = min(d.top, max(len(d.lines)-ih, 0))
	}
	st := d.com.Styles
	summary := []string{st.Muted.Render(common.Thousands(int64(len(d.fields))) + " fields")}
	if len(d.lines) > ih && ih > 0 {
		summary = []string{st.Muted.Render(common.Thousands(int64(d.top+1)) + "–" +
			common.Thousands(int64(min(d.top+ih, len(d.lines)))) + " of " + common.Thousands(int64(len(d.lines))) + " lines")}
	}
	return d.frame(summary, d.lines[d.top:min(d.top+ih, len(d.lines))])
}
