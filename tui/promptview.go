package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
)

// promptHead is what the header shows left of the prompt.
const promptHead = " ttmon │ "

// promptLine is the header while the prompt is open.
func (m *Model) promptLine() string {
	st := m.com.Styles
	head := " " + st.App.Render("ttmon") + st.Sep.Render(" │ ")
	p := m.prompt
	if p.kind == promptOverwrite {
		q := st.Warn.Render("cohort "+quote(p.name)+" is saved already: overwrite it?") + st.Text.Render(" "+yesNo(m.keys))
		return fit(head+q, m.width)
	}
	return fit(head+p.in.View(), m.width)
}

func quote(s string) string { return "\"" + s + "\"" }

// yesNo is the overwrite question's answer keys, "y/n" by default: the
// first key of each binding, as remapped.
func yesNo(k KeyMap) string {
	return panes.KeyLabel(k.Yes.Keys()[0]) + "/" + panes.KeyLabel(k.No.Keys()[0])
}

// promptX is the column the popup under the prompt starts at: its text
// lines up with the input's.
func (m *Model) promptX() int {
	return max(ansi.StringWidth(promptHead+m.prompt.in.Prompt)-2, 0)
}

// promptPopup is what hangs under the prompt: the parse error pointing at
// its column, then the completions (filter prompt) or the filters about
// to be saved (name prompt).
func (m *Model) promptPopup() []string {
	st := m.com.Styles
	p := m.prompt
	var out []string
	if p.err != "" {
		msg := "✗ " + p.err
		if p.errCol >= 0 && ansi.StringWidth(p.in.Value()) < p.in.Width() {
			col := ansi.StringWidth(string([]rune(p.in.Value())[:min(p.errCol, len([]rune(p.in.Value())))]))
			msg = strings.Repeat(" ", col+2) + "↑ " + p.err
		}
		out = append(out, st.Alert.Render(msg))
		if p.kind == promptFilter {
			out = append(out, st.Muted.Render("  "+datasource.FilterSyntax))
		}
	}
	var lines []string
	switch p.kind {
	case promptFilter:
		lines = m.completionLines()
	case promptName:
		lines = append(lines, st.Muted.Render("saves these filters to "+shortPath(m.configPath)+":"))
		for _, f := range m.filters {
			lines = append(lines, st.Text.Render(filterText(f)))
		}
	}
	if len(lines) == 0 {
		return out
	}
	box := st.Popup.Padding(0, 1).Render(strings.Join(lines, "\n"))
	return append(out, strings.Split(box, "\n")...)
}

// completionLines lists the completions around the selected one, with a
// title and the note (loading, nothing matches).
func (m *Model) completionLines() []string {
	st := m.com.Styles
	p := m.prompt
	maxW := max(m.width-m.promptX()-6, 16)
	lw, nw := 0, 0
	for _, it := range p.items {
		lw = max(lw, ansi.StringWidth(it.label))
		nw = max(nw, ansi.StringWidth(it.note))
	}
	lw = min(lw, max(maxW-nw-2, 8))
	w := min(max(lw+2+nw, ansi.StringWidth(p.head), ansi.StringWidth(p.note), 24), maxW)
	var lines []string
	if p.head != "" {
		lines = append(lines, st.Muted.Render(fit(p.head, w)))
	}
	top := min(max(p.sel-listRows/2, 0), max(len(p.items)-listRows, 0))
	for i := top; i < len(p.items) && i < top+listRows; i++ {
		it := p.items[i]
		label := fit(it.label, max(w-nw-2, 1))
		note := padLeft(it.note, nw)
		if i == p.sel {
			lines = append(lines, st.Selected.Render(fit(label+"  "+note, w)))
			continue
		}
		lines = append(lines, fit(st.Text.Render(label)+"  "+st.Muted.Render(note), w))
	}
	if n := len(p.items); n > listRows {
		lines = append(lines, st.Muted.Render(fit(itoa(p.sel+1)+" of "+itoa(n), w)))
	}
	if p.note != "" {
		lines = append(lines, st.Empty.Render(fit(p.note, w)))
	}
	return lines
}

// padLeft right-aligns s in w cells.
func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(w-ansi.StringWidth(s), 0)) + s
}

// promptKeys are the footer's keys while the prompt is open.
func (m *Model) promptKeys() []key.Binding {
	k := m.keys
	switch m.prompt.kind {
	case promptOverwrite:
		return []key.Binding{
			key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "overwrite")),
			key.NewBinding(key.WithKeys("n"), key.WithHelp("n/"+k.Cancel.Help().Key, "keep it, choose another name")),
		}
	case promptName:
		save := k.Accept
		save.SetHelp(save.Help().Key, "save")
		return []key.Binding{save, k.Cancel}
	}
	choose := panes.PairHelp(k.PromptPrev, k.PromptNext, "choose")
	return []key.Binding{k.Complete, choose, k.Accept, k.Cancel}
}
