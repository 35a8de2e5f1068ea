package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
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
// are bound now (remaps included) and the state they act on. compact uses
// the footer's short descriptions and folds the four pane keys and the two
// quit keys into one row each, for small terminals.
func (m *Model) helpSections(compact bool) []helpSection {
	k := m.keys
	filters := []key.Binding{k.full("filter"), k.full("cohort"), k.full("remove_chip"), k.full("clear_chips"), k.full("save_cohort")}
	if compact {
		quit := k.Quit
		quit.SetHelp(quit.Help().Key+", "+k.ForceQuit.Help().Key, "quit")
		rng := k.Range
		rng.SetHelp(rng.Help().Key, "next range")
		return []helpSection{
			{"Panes", append(m.top().ShortHelp(), k.Back)},
			{"Filters", []key.Binding{k.Filter, k.Cohort, k.chipKeys(), k.SaveCohort}},
			{"Data", []key.Binding{rng, k.Refresh, k.Pause, k.Faster, k.Slower}},
			{"General", []key.Binding{k.Help, quit}},
		}
	}
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
	return []helpSection{
		{title, pageBinds},
		{"Filters", filters},
		{"Data", []key.Binding{rng, k.full("refresh"), k.full("pause"), k.full("faster"), slower}},
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

// helpOverlay is the full help, centred in the body. It takes the first
// layout that fits: four columns, three, two, then compact rows, in a box,
// then without the box; the last resort is cut to the body's height.
func (m *Model) helpOverlay(w, h int) string {
	st := m.com.Styles
	var lines []string
	for _, compact := range []bool{false, true} {
		cols := m.helpColumns(compact)
		for _, ncol := range []int{4, 3, 2, 1} {
			if ncol == 1 && !compact {
				continue
			}
			lines = arrange(cols, ncol)
			box := strings.Split(st.HelpBox.Render(strings.Join(lines, "\n")), "\n")
			if ansi.StringWidth(box[0]) <= w && len(box) <= h {
				return center(box, w, h, false)
			}
			if compact && blockWidth(lines) <= w && len(lines) <= h {
				return center(lines, w, h, false)
			}
		}
	}
	return center(lines, w, h, false)
}

// helpColumns renders each section as a column of lines.
func (m *Model) helpColumns(compact bool) [][]string {
	secs := m.helpSections(compact)
	cols := make([][]string, len(secs))
	for i, s := range secs {
		cols[i] = s.render(m.com.Styles)
	}
	return cols
}

// arrange lays the section columns out in n columns, keeping their order
// and stacking neighbours so that the tallest column is as short as it can
// be.
func arrange(cols [][]string, n int) []string {
	stack := func(cs [][]string) []string {
		var out []string
		for i, c := range cs {
			if i > 0 {
				out = append(out, "")
			}
			out = append(out, c...)
		}
		return out
	}
	n = min(max(n, 1), len(cols))
	var best [][]string
	bestH := -1
	// Each way to cut the sections into n runs, by the run each one starts.
	var try func(start, left int, acc [][]string)
	try = func(start, left int, acc [][]string) {
		if left == 1 {
			cand := append(append([][]string(nil), acc...), stack(cols[start:]))
			if h := maxLen(cand); bestH < 0 || h < bestH {
				best, bestH = cand, h
			}
			return
		}
		for end := start + 1; end <= len(cols)-left+1; end++ {
			try(end, left-1, append(acc, stack(cols[start:end])))
		}
	}
	try(0, n, nil)
	return sideBySide(best)
}

// sideBySide joins columns with four cells between them.
func sideBySide(cols [][]string) []string {
	var lines []string
	for r := range maxLen(cols) {
		var b strings.Builder
		for i, c := range cols {
			l := ""
			if r < len(c) {
				l = c[r]
			}
			if i < len(cols)-1 {
				l = fit(l, blockWidth(c)+4)
			}
			b.WriteString(l)
		}
		lines = append(lines, b.String())
	}
	return lines
}

func blockWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

func maxLen(cols [][]string) int {
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	return n
}
