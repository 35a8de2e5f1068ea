package panes

import (
	"context"
	"fmt"
	"testing"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// The drill views' own goldens: each view alone, at several sizes (wide,
// the 80-column terminal, narrow, and below the box's minimum), waiting,
// empty and with the fixture's data, ANSI stripped. Refresh with:
//
//	go test ./panes -run GoldenDrill -update

// drillSizes are the sizes every view is drawn at: side by side and
// stacked breakdowns, full and squeezed tables, and a strip too small for
// a box.
var drillSizes = []struct{ w, h int }{{120, 24}, {80, 16}, {44, 10}, {24, 5}}

// testKeys are the default pane keys, as tui's DefaultKeyMap binds them.
func testKeys() KeyMap {
	b := func(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }
	return KeyMap{
		Drill: b("enter"), Up: b("up", "k"), Down: b("down", "j"), Left: b("left", "h"), Right: b("right", "l"),
		PageUp: b("pgup", "ctrl+u"), PageDown: b("pgdown", "ctrl+d"), Home: b("home", "g"), End: b("end", "G"),
		Sort: b("s"), Reverse: b("o"), Find: b("f"),
	}
}

// drillData is the fixture source's answer to v's request, as the poller
// would hand it over.
func drillData(t *testing.T, v Drill) DrillDataMsg {
	t.Helper()
	src, ctx := &tuitest.Source{}, context.Background()
	var msg DrillDataMsg
	req := v.Request()
	if req == nil {
		return msg
	}
	for _, b := range req.Breakdowns {
		vs, _ := src.Breakdown(ctx, b)
		msg.Breakdowns = append(msg.Breakdowns, vs)
	}
	if req.Events != nil {
		msg.Events, _ = src.Events(ctx, *req.Events)
	}
	if req.Installations != nil {
		msg.Installations, _ = src.Installations(ctx, *req.Installations)
	}
	return msg
}

// runes types s into a focused view, one key at a time.
func runes(v Drill, s string) Drill {
	for _, r := range s {
		p, _ := v.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		v = p.(Drill)
	}
	return v
}

// press sends named keys (enter, esc, or one rune each) to a view.
func press(v Drill, keys ...string) Drill {
	for _, k := range keys {
		r, _ := utf8.DecodeRuneInString(k)
		msg := tea.KeyPressMsg{Code: r, Text: k}
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		}
		p, _ := v.Update(msg)
		v = p.(Drill)
	}
	return v
}

// requireDrill sizes and focuses v, lets prep bring it to the state under
// test, and compares its view with the golden file.
func requireDrill(t *testing.T, v Drill, w, h int, prep func(Drill) Drill) {
	t.Helper()
	v.SetSize(w, h)
	v.Focus()
	if prep != nil {
		v = prep(v)
	}
	s := v.View()
	checkBox(t, t.Name(), s, w, h)
	golden.RequireEqual(t, []byte(ansi.Strip(s)))
}

// eachSize runs one subtest per size, named state-WxH.
func eachSize(t *testing.T, state string, run func(t *testing.T, w, h int)) {
	for _, sz := range drillSizes {
		t.Run(fmt.Sprintf("%s-%dx%d", state, sz.w, sz.h), func(t *testing.T) { run(t, sz.w, sz.h) })
	}
}

func TestGoldenDrillBreakdown(t *testing.T) {
	com := testCommon(noStyle, false)
	views := map[string]func() Drill{
		"version": func() Drill { return NewVersionDrill(com, testKeys(), "4.2.1") },
		"hour":    func() Drill { return NewHourDrill(com, testKeys(), 9, "UTC") },
	}
	for _, name := range []string{"version", "hour"} {
		eachSize(t, name, func(t *testing.T, w, h int) {
			v := views[name]()
			requireDrill(t, v, w, h, func(v Drill) Drill {
				p, _ := v.Update(drillData(t, v))
				return p.(Drill)
			})
		})
	}
	eachSize(t, "waiting", func(t *testing.T, w, h int) {
		requireDrill(t, views["version"](), w, h, nil)
	})
	eachSize(t, "empty", func(t *testing.T, w, h int) {
		requireDrill(t, views["hour"](), w, h, func(v Drill) Drill {
			p, _ := v.Update(DrillDataMsg{Breakdowns: make([][]datasource.ValueCount, 2)})
			return p.(Drill)
		})
	})
}

// TestGoldenDrillBreakdownOther: more values than rows fold into "other".
func TestGoldenDrillBreakdownOther(t *testing.T) {
	com := testCommon(noStyle, false)
	var many []datasource.ValueCount
	for i := range 12 {
		many = append(many, datasource.ValueCount{Value: fmt.Sprintf("4.%d.0", 12-i), Count: int64(100 - 7*i)})
	}
	eachSize(t, "folded", func(t *testing.T, w, h int) {
		requireDrill(t, NewHourDrill(com, testKeys(), 23, "Europe/Berlin"), w, h, func(v Drill) Drill {
			p, _ := v.Update(DrillDataMsg{Breakdowns: [][]datasource.ValueCount{{{Value: "docker", Count: 5}}, many}})
			return p.(Drill)
		})
	})
}

func TestGoldenDrillErrors(t *testing.T) {
	com := testCommon(noStyle, false)
	fill := func(v Drill) Drill {
		p, _ := v.Update(drillData(t, v))
		return p.(Drill)
	}
	eachSize(t, "rows", func(t *testing.T, w, h int) {
		requireDrill(t, NewErrorsDrill(com, testKeys()), w, h, fill)
	})
	eachSize(t, "selected-last", func(t *testing.T, w, h int) {
		requireDrill(t, NewErrorsDrill(com, testKeys()), w, h, func(v Drill) Drill { return press(fill(v), "G") })
	})
	eachSize(t, "waiting", func(t *testing.T, w, h int) {
		requireDrill(t, NewErrorsDrill(com, testKeys()), w, h, nil)
	})
	eachSize(t, "empty", func(t *testing.T, w, h int) {
		requireDrill(t, NewErrorsDrill(com, testKeys()), w, h, func(v Drill) Drill {
			p, _ := v.Update(DrillDataMsg{})
			return p.(Drill)
		})
	})
}

// TestGoldenDrillInstalls draws the table's states: sorted, reversed, a
// find line being typed, a kept find, a find matching nothing.
func TestGoldenDrillInstalls(t *testing.T) {
	com := testCommon(noStyle, false)
	fill := func(v Drill) Drill {
		p, _ := v.Update(drillData(t, v))
		return p.(Drill)
	}
	for _, tc := range []struct {
		state string
		prep  func(Drill) Drill
	}{
		{"rows", fill},
		{"sorted-by-id", func(v Drill) Drill { return press(fill(v), "s") }},
		{"reversed", func(v Drill) Drill { return press(fill(v), "o") }},
		{"finding", func(v Drill) Drill { return runes(press(fill(v), "f"), "dock") }},
		{"found", func(v Drill) Drill { return press(runes(press(fill(v), "f"), "linux"), "enter") }},
		{"found-nothing", func(v Drill) Drill { return press(runes(press(fill(v), "f"), "zz"), "enter") }},
		{"waiting", nil},
		{"empty", func(v Drill) Drill {
			p, _ := v.Update(DrillDataMsg{Installations: []datasource.Installation{}})
			return p.(Drill)
		}},
	} {
		eachSize(t, tc.state, func(t *testing.T, w, h int) {
			requireDrill(t, NewInstallsDrill(com, testKeys()), w, h, tc.prep)
		})
	}
}

// TestGoldenDrillDetail draws an event with every property (a long one
// in wide characters wraps), scrolled and not, and a record with none.
func TestGoldenDrillDetail(t *testing.T) {
	com := testCommon(noStyle, false)
	evs, _ := (&tuitest.Source{}).Events(context.Background(), datasource.EventsQuery{})
	event := func() Drill { return NewEventDetail(com, testKeys(), "09:58 KeyError", evs[1]) }
	eachSize(t, "event", func(t *testing.T, w, h int) {
		requireDrill(t, event(), w, h, nil)
	})
	eachSize(t, "scrolled", func(t *testing.T, w, h int) {
		requireDrill(t, event(), w, h, func(v Drill) Drill {
			v.View() // the lines are laid out when first drawn, as on screen
			return press(v, "j", "G", "k")
		})
	})
	eachSize(t, "empty", func(t *testing.T, w, h int) {
		requireDrill(t, NewDetail(com, testKeys(), "fp-short", nil), w, h, nil)
	})
}
