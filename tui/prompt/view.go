package prompt

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// View is the prompt's part of the header: the input, or the overwrite
// question.
func (m Model) View() string {
	if m.kind == Overwrite {
		return m.st.Warn.Render("cohort "+quote(m.name)+" is saved already: overwrite it?") + m.st.Text.Render(" "+m.yesNo())
	}
	return m.in.View()
}

func quote(s string) string { return "\"" + s + "\"" }

// yesNo is the overwrite question's answer keys, "y/n" by default: the
// first key of each binding, as remapped.
func (m Model) yesNo() string {
	return panes.KeyLabel(m.keys.Yes.Keys()[0]) + "/" + panes.KeyLabel(m.keys.No.Keys()[0])
}

// X is the column of the header the popup starts at: its text lines up
// with the input's.
func (m Model) X() int {
	return max(m.left+ansi.StringWidth(m.in.Prompt)-2, 0)
}

// Popup is what hangs under the prompt, from column X: the parse error
// pointing at its column, then the completions (filter prompt) or the
// filters about to be saved (name prompt).
func (m Model) Popup() []string {
	st := m.st
	var out []string
	if m.err != "" {
		text := m.err
		if m.kind == Filter {
			text = withoutSyntax(text) // the line below has it
		}
		lead := "✗ "
		v := m.in.Value()
		if m.errCol >= 0 && ansi.StringWidth(v) < m.in.Width() {
			col := ansi.StringWidth(string([]rune(v)[:min(m.errCol, len([]rune(v)))]))
			lead = strings.Repeat(" ", col+2) + "↑ "
		}
		// Messages and the grammar are wider than most terminals: wrapped
		// under their first line, not cut.
		avail := max(m.width-m.X()-2, 24)
		var lines []string
		if ansi.StringWidth(lead)+20 > avail {
			lines = append(lines, lead)
			lead = "  "
		}
		lines = append(lines, wrapped(lead, text, avail, " ")...)
		if m.kind == Filter {
			lines = append(lines, wrapped("  ", datasource.FilterSyntax, avail, ",")...)
		}
		// One width for the block, so that it covers what lies under it.
		w := 0
		for _, l := range lines {
			w = max(w, ansi.StringWidth(l)+1)
		}
		for i, l := range lines {
			l += strings.Repeat(" ", w-ansi.StringWidth(l))
			if i == 0 {
				out = append(out, st.Alert.Render(l))
			} else {
				out = append(out, st.Muted.Render(l))
			}
		}
	}
	var lines []string
	switch m.kind {
	case Filter:
		lines = m.completionLines()
	case Name:
		lines = append(lines, st.Muted.Render("saves these filters to "+m.where+":"))
		for _, f := range m.saving {
			lines = append(lines, st.Text.Render(f))
		}
	}
	if len(lines) == 0 {
		return out
	}
	box := st.Popup.Padding(0, 1).Render(strings.Join(lines, "\n"))
	return append(out, strings.Split(box, "\n")...)
}

// wrapped is text word-wrapped to width, the first line after lead and
// the others indented as far.
func wrapped(lead, text string, width int, breaks string) []string {
	ind := strings.Repeat(" ", ansi.StringWidth(lead))
	out := strings.Split(ansi.Wordwrap(text, max(width-len(ind), 16), breaks), "\n")
	for i, l := range out {
		if i == 0 {
			out[i] = lead + strings.TrimSpace(l)
		} else {
			out[i] = ind + strings.TrimSpace(l)
		}
	}
	return out
}

// withoutSyntax is a parse error without the grammar reminder some carry
// ("empty filter: write ..."), which the popup shows on its own lines.
func withoutSyntax(msg string) string {
	if i := strings.Index(msg, datasource.FilterSyntax); i > 0 {
		return strings.TrimRight(strings.TrimSuffix(strings.TrimRight(msg[:i], " "), "write"), ":; ")
	}
	return msg
}

// completionLines lists the completions around the selected one, with a
// title and the note (loading, nothing matches).
func (m Model) completionLines() []string {
	st, l := m.st, m.list
	maxW := max(m.width-m.X()-6, 16)
	lw, nw := 0, 0
	for _, it := range l.items {
		lw = max(lw, ansi.StringWidth(it.label))
		nw = max(nw, ansi.StringWidth(it.note))
	}
	lw = min(lw, max(maxW-nw-2, 8))
	w := min(max(lw+2+nw, ansi.StringWidth(l.head), ansi.StringWidth(l.note), 24), maxW)
	var lines []string
	if l.head != "" {
		lines = append(lines, st.Muted.Render(common.Fit(l.head, w)))
	}
	top := min(max(l.sel-listRows/2, 0), max(len(l.items)-listRows, 0))
	for i := top; i < len(l.items) && i < top+listRows; i++ {
		it := l.items[i]
		label := common.Fit(it.label, max(w-nw-2, 1))
		note := common.PadLeft(it.note, nw)
		if i == l.sel {
			lines = append(lines, st.Selected.Render(common.Fit(label+"  "+note, w)))
			continue
		}
		lines = append(lines, common.Fit(st.Text.Render(label)+"  "+st.Muted.Render(note), w))
	}
	if n := len(l.items); n > listRows {
		lines = append(lines, st.Muted.Render(common.Fit(common.Thousands(int64(l.sel+1))+" of "+common.Thousands(int64(n)), w)))
	}
	if l.note != "" {
		lines = append(lines, st.Empty.Render(common.Fit(l.note, w)))
	}
	return lines
}

// ShortHelp is the footer's keys while the prompt is open.
func (m Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.kind {
	case Overwrite:
		yes, no := k.Yes, k.No
		yes.SetHelp(panes.KeyLabel(k.Yes.Keys()[0]), "overwrite")
		no.SetHelp(panes.KeyLabel(k.No.Keys()[0])+"/"+k.Cancel.Help().Key, "keep it, choose another name")
		return []key.Binding{yes, no}
	case Name:
		save := k.Accept
		save.SetHelp(save.Help().Key, "save")
		return []key.Binding{save, k.Cancel}
	}
	choose := panes.PairHelp(k.Prev, k.Next, "choose")
	return []key.Binding{k.Complete, choose, k.Accept, k.Cancel}
}
