package panes

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/ttmon/ttmon/tui/common"
)

// Split is a drill view made of parts stacked top to bottom (a group's
// installations over its events; an installation over its events and
// users). One part has the keys; left and right move between them. Its
// Request is the parts' requests merged: parts that show the same data
// (events and the users among them) share one answer.
type Split struct {
	drillBase
	parts   []Drill
	weights []int // share of the height; 0: the part's own fixed height
	fixed   []int
	active  int
	req     Request
}

var _ Drill = (*Split)(nil)

// newSplit joins parts under title; weights share the height out, and a
// negative weight is a fixed height of that many rows.
func newSplit(com *common.Common, keys KeyMap, title string, parts []Drill, weights []int) *Split {
	s := &Split{drillBase: drillBase{base: newBase(com, keys, title), has: true}, parts: parts, weights: weights}
	for _, p := range parts {
		r := p.Request()
		if r == nil {
			continue
		}
		s.req.Breakdowns = append(s.req.Breakdowns, r.Breakdowns...)
		if r.Events != nil && s.req.Events == nil {
			s.req.Events = r.Events
		}
		if r.Installations != nil && s.req.Installations == nil {
			s.req.Installations = r.Installations
		}
		s.req.Panes = append(s.req.Panes, r.Panes...)
	}
	return s
}

// Request is the parts' requests merged.
func (s *Split) Request() *Request { return &s.req }

// Capturing is the active part's.
func (s *Split) Capturing() bool { return s.parts[s.active].Capturing() }

// ClearFind clears the active part's search.
func (s *Split) ClearFind() bool {
	if f, ok := s.parts[s.active].(Finder); ok {
		return f.ClearFind()
	}
	return false
}

// Focus focuses the active part.
func (s *Split) Focus() {
	s.base.Focus()
	s.parts[s.active].Focus()
}

// Blur blurs every part.
func (s *Split) Blur() {
	s.base.Blur()
	for _, p := range s.parts {
		p.Blur()
	}
}

// SetSize shares the height among the parts.
func (s *Split) SetSize(w, h int) {
	s.base.SetSize(w, h)
	fixed, total := 0, 0
	for _, wt := range s.weights {
		if wt < 0 {
			fixed += -wt
		} else {
			total += wt
		}
	}
	rest := max(h-fixed, 0)
	y := 0
	for i, p := range s.parts {
		ph := -s.weights[i]
		if s.weights[i] >= 0 {
			ph = rest * s.weights[i] / max(total, 1)
		}
		if i == len(s.parts)-1 {
			ph = max(h-y, 0)
		}
		ph = min(ph, max(h-y, 0))
		p.SetSize(w, ph)
		y += ph
	}
}

// Update gives data to every part and keys to the active one; left and
// right change the active part.
func (s *Split) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if !s.focused {
			return s, nil
		}
		if !s.Capturing() && len(s.parts) > 1 && key.Matches(k, s.keys.Left, s.keys.Right) {
			next := s.active + 1
			if key.Matches(k, s.keys.Left) {
				next = s.active - 1
			}
			next = (next + len(s.parts)) % len(s.parts)
			s.parts[s.active].Blur()
			s.active = next
			s.parts[s.active].Focus()
			return s, nil
		}
		_, cmd := s.parts[s.active].Update(msg)
		return s, cmd
	}
	cmds := make([]tea.Cmd, 0, len(s.parts))
	for _, p := range s.parts {
		_, cmd := p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return s, tea.Batch(cmds...)
}

// View stacks the parts.
func (s *Split) View() string {
	views := make([]string, 0, len(s.parts))
	for _, p := range s.parts {
		if v := p.View(); v != "" {
			views = append(views, v)
		}
	}
	return strings.Join(views, "\n")
}

// ShortHelp is the part switch and the active part's keys.
func (s *Split) ShortHelp() []key.Binding {
	if s.Capturing() {
		return s.parts[s.active].ShortHelp()
	}
	bs := []key.Binding{}
	if len(s.parts) > 1 {
		bs = append(bs, PairHelp(s.keys.Left, s.keys.Right, "section"))
	}
	return append(bs, s.parts[s.active].ShortHelp()...)
}

// FullHelp is the same for the help overlay.
func (s *Split) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{PairHelp(s.keys.Left, s.keys.Right, "next section")}}, s.parts[s.active].FullHelp()...)
}
