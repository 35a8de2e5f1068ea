package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/ttmon/ttmon/panes"
)

// KeyMap is every key binding of the monitor. Help and the footer are
// generated from these bindings, so remapped keys show up there too.
//
// Bindings live in two scopes. The monitor's own keys (global, dashboard,
// drill views) must all differ, because a page passes on what the root does
// not take. The prompt's keys (complete, prompt_prev, prompt_next, accept,
// cancel) act only while the filter prompt is open and take every other
// key as text, so they only have to differ from each other and from
// force_quit.
type KeyMap struct {
	NextPane, PrevPane         key.Binding
	Pane1, Pane2, Pane3, Pane4 key.Binding
	Zoom                       key.Binding
	Range, Refresh, Pause      key.Binding
	Slower, Faster             key.Binding
	Help, Back                 key.Binding
	Quit, ForceQuit            key.Binding

	// NextDashboard cycles through the dashboards; each dashboard's own
	// key (config's `key:`) switches to it directly.
	NextDashboard key.Binding

	// Filters and cohorts.
	Filter, Cohort, RemoveChip, ClearChips, SaveCohort key.Binding
	// Selection in panes, drill views, tables and the cohort picker.
	Drill, Up, Down, Left, Right, PageUp, PageDown, Home, End key.Binding
	Sort, Reverse, Find                                       key.Binding
	// The prompt's own keys; Yes and No answer its overwrite question.
	Complete, PromptPrev, PromptNext, Accept, Cancel, Yes, No key.Binding
}

// action binds a config name to a binding of the map, with the short
// description the footer shows and the longer one of the help overlay.
type action struct {
	name        string
	bind        func(*KeyMap) *key.Binding
	short, long string
	prompt      bool // in the prompt's scope
}

// actions lists the remappable actions, in help order, by the names config
// uses (ui.keys: {zoom: [z, f]}).
var actions = []action{
	{"next_pane", func(k *KeyMap) *key.Binding { return &k.NextPane }, "next", "next pane", false},
	{"prev_pane", func(k *KeyMap) *key.Binding { return &k.PrevPane }, "prev", "previous pane", false},
	{"pane_1", func(k *KeyMap) *key.Binding { return &k.Pane1 }, "installs", "active installations", false},
	{"pane_2", func(k *KeyMap) *key.Binding { return &k.Pane2 }, "versions", "versions", false},
	{"pane_3", func(k *KeyMap) *key.Binding { return &k.Pane3 }, "errors", "error rate", false},
	{"pane_4", func(k *KeyMap) *key.Binding { return &k.Pane4 }, "timers", "timer usage", false},
	{"next_dashboard", func(k *KeyMap) *key.Binding { return &k.NextDashboard }, "dashboards", "next dashboard", false},
	{"zoom", func(k *KeyMap) *key.Binding { return &k.Zoom }, "zoom", "zoom pane in / out", false},
	{"range", func(k *KeyMap) *key.Binding { return &k.Range }, "range", "next range", false},
	{"refresh", func(k *KeyMap) *key.Binding { return &k.Refresh }, "refresh", "refresh now", false},
	{"pause", func(k *KeyMap) *key.Binding { return &k.Pause }, "pause", "pause / resume polling", false},
	{"faster", func(k *KeyMap) *key.Binding { return &k.Faster }, "faster", "poll more often", false},
	{"slower", func(k *KeyMap) *key.Binding { return &k.Slower }, "slower", "poll less often", false},
	{"help", func(k *KeyMap) *key.Binding { return &k.Help }, "help", "this help", false},
	{"back", func(k *KeyMap) *key.Binding { return &k.Back }, "back", "back one level, unzoom, close", false},
	{"quit", func(k *KeyMap) *key.Binding { return &k.Quit }, "quit", "quit", false},
	{"force_quit", func(k *KeyMap) *key.Binding { return &k.ForceQuit }, "quit", "quit", false},
	{"filter", func(k *KeyMap) *key.Binding { return &k.Filter }, "filter", "add a filter", false},
	{"cohort", func(k *KeyMap) *key.Binding { return &k.Cohort }, "cohort", "pick a cohort", false},
	{"remove_chip", func(k *KeyMap) *key.Binding { return &k.RemoveChip }, "unfilter", "remove the last filter", false},
	{"clear_chips", func(k *KeyMap) *key.Binding { return &k.ClearChips }, "clear", "clear all filters", false},
	{"save_cohort", func(k *KeyMap) *key.Binding { return &k.SaveCohort }, "save", "save filters as a cohort", false},
	{"drill", func(k *KeyMap) *key.Binding { return &k.Drill }, "drill", "drill in", false},
	{"up", func(k *KeyMap) *key.Binding { return &k.Up }, "up", "up", false},
	{"down", func(k *KeyMap) *key.Binding { return &k.Down }, "down", "down", false},
	{"left", func(k *KeyMap) *key.Binding { return &k.Left }, "left", "left", false},
	{"right", func(k *KeyMap) *key.Binding { return &k.Right }, "right", "right", false},
	{"page_up", func(k *KeyMap) *key.Binding { return &k.PageUp }, "page up", "page up", false},
	{"page_down", func(k *KeyMap) *key.Binding { return &k.PageDown }, "page down", "page down", false},
	{"home", func(k *KeyMap) *key.Binding { return &k.Home }, "first", "first", false},
	{"end", func(k *KeyMap) *key.Binding { return &k.End }, "last", "last", false},
	{"sort", func(k *KeyMap) *key.Binding { return &k.Sort }, "sort", "sort by the next column", false},
	{"reverse", func(k *KeyMap) *key.Binding { return &k.Reverse }, "reverse", "reverse the order", false},
	{"find", func(k *KeyMap) *key.Binding { return &k.Find }, "find", "find rows", false},
	{"complete", func(k *KeyMap) *key.Binding { return &k.Complete }, "complete", "complete", true},
	{"prompt_prev", func(k *KeyMap) *key.Binding { return &k.PromptPrev }, "choose", "previous completion", true},
	{"prompt_next", func(k *KeyMap) *key.Binding { return &k.PromptNext }, "choose", "next completion", true},
	{"accept", func(k *KeyMap) *key.Binding { return &k.Accept }, "apply", "apply", true},
	{"cancel", func(k *KeyMap) *key.Binding { return &k.Cancel }, "cancel", "cancel", true},
	{"yes", func(k *KeyMap) *key.Binding { return &k.Yes }, "yes", "yes: overwrite the saved cohort", true},
	{"no", func(k *KeyMap) *key.Binding { return &k.No }, "no", "no: choose another name", true},
}

// full returns the binding of the named action with the help overlay's
// longer description.
func (k KeyMap) full(name string) key.Binding {
	for _, a := range actions {
		if a.name == name {
			b := *a.bind(&k)
			b.SetHelp(b.Help().Key, a.long)
			return b
		}
	}
	panic("tui: unknown action " + name)
}

// defaultKeys are the keys of DefaultKeyMap, by action name.
var defaultKeys = map[string][]string{
	"next_pane": {"tab"}, "prev_pane": {"shift+tab"},
	"pane_1": {"i"}, "pane_2": {"v"}, "pane_3": {"e"}, "pane_4": {"u"}, "next_dashboard": {"d"},
	"zoom": {"z"}, "range": {"t"}, "refresh": {"r"}, "pause": {"p"},
	"faster": {"+", "="}, "slower": {"-"}, "help": {"?"}, "back": {"esc"},
	"quit": {"q"}, "force_quit": {"ctrl+c"},
	"filter": {"/"}, "cohort": {"c"}, "remove_chip": {"x"}, "clear_chips": {"X"}, "save_cohort": {"S"},
	"drill": {"enter"}, "up": {"up", "k"}, "down": {"down", "j"}, "left": {"left", "h"}, "right": {"right", "l"},
	"page_up": {"pgup", "ctrl+u"}, "page_down": {"pgdown", "ctrl+d"}, "home": {"home", "g"}, "end": {"end", "G"},
	"sort": {"s"}, "reverse": {"o"}, "find": {"f"},
	"complete": {"tab"}, "prompt_prev": {"up", "ctrl+p"}, "prompt_next": {"down", "ctrl+n"},
	"accept": {"enter"}, "cancel": {"esc"}, "yes": {"y", "Y"}, "no": {"n", "N"},
}

// ActionNames lists the names ui.keys accepts, sorted.
func ActionNames() []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.name
	}
	sort.Strings(out)
	return out
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	km, err := NewKeyMap(nil)
	if err != nil {
		panic(err) // the defaults are checked by a test
	}
	return km
}

// NewKeyMap returns the default bindings with overrides applied: each entry
// replaces all keys of one action. Unknown actions, empty key lists and a
// key bound to two actions are errors that name what to change.
func NewKeyMap(overrides map[string][]string) (KeyMap, error) {
	var km KeyMap
	var errs []string
	for name := range overrides {
		if !slices.ContainsFunc(actions, func(a action) bool { return a.name == name }) {
			errs = append(errs, fmt.Sprintf("ui.keys: %q is not an action; use one of %s", name, strings.Join(ActionNames(), ", ")))
		}
	}
	owner := map[bool]map[string]string{false: {}, true: {}}
	for _, a := range actions {
		keys := defaultKeys[a.name]
		if o, ok := overrides[a.name]; ok {
			keys = normalizeKeys(o)
			if len(keys) == 0 {
				errs = append(errs, fmt.Sprintf("ui.keys.%s: list at least one key", a.name))
			}
		}
		for _, k := range keys {
			if prev, ok := owner[a.prompt][k]; ok {
				errs = append(errs, fmt.Sprintf("ui.keys: %q is bound to both %s and %s; give one of them another key", panes.KeyLabel(k), prev, a.name))
			}
			owner[a.prompt][k] = a.name
			if a.name == "force_quit" {
				owner[true][k] = a.name // it works in the prompt too
			}
		}
		*a.bind(&km) = key.NewBinding(key.WithKeys(keys...), key.WithHelp(keysLabel(keys), a.short))
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return KeyMap{}, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return km, nil
}

// normalizeKeys maps what people write in config to Bubble Tea key names
// (the space bar is "space").
func normalizeKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == " " {
			k = "space"
		}
		k = strings.TrimSpace(k)
		switch strings.ToLower(k) {
		case "":
			continue
		case "escape":
			k = "esc"
		case "return":
			k = "enter"
		}
		if len([]rune(k)) > 1 {
			k = strings.ToLower(k) // "Ctrl+C" -> "ctrl+c"; single letters keep case
		}
		out = append(out, k)
	}
	return out
}

// keysLabel is the help text for a binding: its first two keys.
func keysLabel(keys []string) string {
	ls := make([]string, 0, 2)
	for _, k := range keys[:min(len(keys), 2)] {
		ls = append(ls, panes.KeyLabel(k))
	}
	return strings.Join(ls, "/")
}

// paneKeys are the bindings panes and drill views react to while focused.
func (k KeyMap) paneKeys() panes.KeyMap {
	return panes.KeyMap{
		Drill: k.Drill, Up: k.Up, Down: k.Down, Left: k.Left, Right: k.Right,
		PageUp: k.PageUp, PageDown: k.PageDown, Home: k.Home, End: k.End,
		Sort: k.Sort, Reverse: k.Reverse, Find: k.Find,
	}
}

// owner is the monitor action (not the prompt's) a key is bound to, ""
// for none: a dashboard's switch key must not take one of them.
func (k KeyMap) owner(key string) string {
	for _, a := range actions {
		if !a.prompt && slices.Contains(a.bind(&k).Keys(), key) {
			return a.name
		}
	}
	return ""
}

// interval is one help entry for the two poll-rate keys: "+" polls more
// often and "-" less, as the signs read (the rate, not the interval).
func (k KeyMap) interval() key.Binding {
	return panes.PairHelp(k.Faster, k.Slower, "poll rate")
}

// chipKeys is one help entry for the two filter-removing keys.
func (k KeyMap) chipKeys() key.Binding {
	return panes.PairHelp(k.RemoveChip, k.ClearChips, "unfilter")
}
