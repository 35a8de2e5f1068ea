// Package helpview is the monitor's help overlay: every key binding,
// grouped in titled sections, laid out to fit the body it covers.
//
// It is a component: while it is open the root routes keys to it, and it
// is modal (only its own keys close it; nothing else acts). The root gives
// it the sections, built from the live key map, so remapped keys and the
// state they act on show as they are. It has nothing to ask of the root,
// so it emits no messages.
package helpview

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/tui/common"
)

// Section is a titled column of the overlay.
type Section struct {
	Title string
	Binds []key.Binding
}

// KeyMap is the overlay's keys: Help and Back close it; Help and Quit are
// what the footer shows while it is open.
type KeyMap struct {
	Help, Back, Quit key.Binding
}

// Model is the help overlay. Create it with New.
type Model struct {
	st            *common.Styles
	keys          KeyMap
	open          bool
	full, compact []Section
}

// New builds a closed overlay.
func New(com *common.Common, keys KeyMap) Model { return Model{st: com.Styles, keys: keys} }

// Open shows the overlay with its sections (see SetSections).
func (m *Model) Open(full, compact []Section) {
	m.open = true
	m.SetSections(full, compact)
}

// SetSections replaces what the overlay lists: full with the long
// descriptions, compact with the footer's short ones and fewer rows, for
// small terminals.
func (m *Model) SetSections(full, compact []Section) { m.full, m.compact = full, compact }

// Active reports that the overlay is open and takes the keys.
func (m Model) Active() bool { return m.open }

// Update closes the overlay on its keys and ignores every other.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && m.open && key.Matches(k, m.keys.Help, m.keys.Back) {
		m.open = false
	}
	return m, nil
}

// ShortHelp is the footer's keys while the overlay is open.
func (m Model) ShortHelp() []key.Binding { return []key.Binding{m.keys.Help, m.keys.Quit} }

// render draws a section as aligned key/description rows.
func (s Section) render(st *common.Styles) []string {
	kw := 0
	for _, b := range s.Binds {
		if b.Enabled() {
			kw = max(kw, ansi.StringWidth(b.Help().Key))
		}
	}
	out := []string{st.HelpTitle.Render(s.Title)}
	for _, b := range s.Binds {
		if !b.Enabled() {
			continue
		}
		h := b.Help()
		out = append(out, st.HelpKey.Render(common.Fit(h.Key, kw))+"  "+st.HelpDesc.Render(h.Desc))
	}
	return out
}

// View is the overlay centred in a w x h body. It takes the first layout
// that fits: four columns, three, two, then compact rows, in a box, then
// without the box; the last resort is cut to the body's height.
func (m Model) View(w, h int) string {
	var lines []string
	for _, compact := range []bool{false, true} {
		cols := m.columns(compact)
		for _, ncol := range []int{4, 3, 2, 1} {
			if ncol == 1 && !compact {
				continue
			}
			lines = arrange(cols, ncol)
			box := strings.Split(m.st.HelpBox.Render(strings.Join(lines, "\n")), "\n")
			if ansi.StringWidth(box[0]) <= w && len(box) <= h {
				return common.Center(box, w, h, false)
			}
			if compact && common.BlockWidth(lines) <= w && len(lines) <= h {
				return common.Center(lines, w, h, false)
			}
		}
	}
	return common.Center(lines, w, h, false)
}

// columns renders each section as a column of lines.
func (m Model) columns(compact bool) [][]string {
	secs := m.full
	if compact {
		secs = m.compact
	}
	cols := make([][]string, len(secs))
	for i, s := range secs {
		cols[i] = s.render(m.st)
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
				l = common.Fit(l, common.BlockWidth(c)+4)
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
