package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// helpSection is a titled column of the help overlay.
type helpSection struct {
	title string
	binds []key.Binding
}

// helpSections lists every enabled binding, grouped, with the keys as they
// are bound now (remaps included) and the state they act on.
func (m *Model) helpSections() []helpSection {
	k := m.keys
	rng := k.full("range")
	rng.SetHelp(rng.Help().Key, "range: "+strings.Join(datasource.Presets, " → "))
	slower := k.full("slower")
	slower.SetHelp(slower.Help().Key, "poll less often (every "+common.Age(m.poll.interval)+")")
	page := m.top().FullHelp()
	var pageBinds []key.Binding
	for _, g := range page {
		pageBinds = append(pageBinds, g...)
	}
	return []helpSection{
		{"Panes", pageBinds},
		{"Data", []key.Binding{rng, k.full("refresh"), k.full("pause"), slower, k.full("faster")}},
		{"General", []key.Binding{k.full("help"), k.full("quit"), k.full("force_quit")}},
	}
}

// render draws a section as aligned key/description rows.
func (s helpSection) render(st *common.Styles) []string {
	kw := 0
	for _, b := range s.binds {
		if b.Enabled() {
			kw = max(kw, ansi.StringWidth(b.Help().Key))
		}
	}
	out := []string{st.HelpTitle.Render(s.title)}
	for _, b := range s.binds {
		if !b.Enabled() {
			continue
		}
		h := b.Help()
		out = append(out, st.HelpKey.Render(fit(h.Key, kw))+"  "+st.HelpDesc.Render(h.Desc))
	}
	return out
}

// helpOverlay is the full help, centred in the body: sections side by
// side when they fit, else stacked, cut to the body's height.
func (m *Model) helpOverlay(w, h int) string {
	st := m.com.Styles
	secs := m.helpSections()
	cols := make([][]string, len(secs))
	widths := make([]int, len(secs))
	total := 0
	for i, s := range secs {
		cols[i] = s.render(st)
		for _, l := range cols[i] {
			widths[i] = max(widths[i], ansi.StringWidth(l))
		}
		total += widths[i] + 4
	}
	if total+4 > w && len(cols) == 3 {
		// Two columns: the first and last sections share the left one.
		cols = [][]string{append(append(cols[0], ""), cols[2]...), cols[1]}
		widths = []int{max(widths[0], widths[2]), widths[1]}
		total = widths[0] + widths[1] + 8
	}
	var lines []string
	if total+4 <= w {
		lines = sideBySide(cols, widths)
	} else {
		for i, c := range cols {
			if i > 0 {
				lines = append(lines, "")
			}
			lines = append(lines, c...)
		}
	}
	box := strings.Split(st.HelpBox.Render(strings.Join(lines, "\n")), "\n")
	if ansi.StringWidth(box[0]) > w || len(box) > h {
		box = lines // no room for the border
	}
	return center(box, w, h, false)
}

// sideBySide joins columns with four cells between them.
func sideBySide(cols [][]string, widths []int) []string {
	var lines []string
	for r := range maxLen(cols) {
		var b strings.Builder
		for i, c := range cols {
			l := ""
			if r < len(c) {
				l = c[r]
			}
			if i < len(cols)-1 {
				l = fit(l, widths[i]+4)
			}
			b.WriteString(l)
		}
		lines = append(lines, b.String())
	}
	return lines
}

func maxLen(cols [][]string) int {
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	return n
}
