package tui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/ttmon/ttmon/panes"
)

// KeyMap is every key binding of the monitor. Help and the footer are
// generated from these bindings, so remapped keys show up there too.
//
// Filter, Cohort, Drill, RemoveChip and ClearChips are reserved for the
// filter and drilldown issue: they are disabled (hidden from help, never
// matched) but take part in clash checks, so a remap cannot take their keys
// now and break later.
type KeyMap struct {
	NextPane, PrevPane         key.Binding
	Pane1, Pane2, Pane3, Pane4 key.Binding
	Zoom                       key.Binding
	Range, Refresh, Pause      key.Binding
	Slower, Faster             key.Binding
	Help, Back                 key.Binding
	Quit, ForceQuit            key.Binding

	Filter, Cohort, Drill, RemoveChip, ClearChips key.Binding
}

// action binds a config name to a binding of the map, with the short
// description the footer shows and the longer one of the help overlay.
type action struct {
	name        string
	bind        func(*KeyMap) *key.Binding
	short, long string
}

// actions lists the remappable actions, in help order, by the names config
// uses (ui.keys: {zoom: [z, f]}).
var actions = []action{
	{"next_pane", func(k *KeyMap) *key.Binding { return &k.NextPane }, "next", "next pane"},
	{"prev_pane", func(k *KeyMap) *key.Binding { return &k.PrevPane }, "prev", "previous pane"},
	{"pane_1", func(k *KeyMap) *key.Binding { return &k.Pane1 }, "installs", "active installations"},
	{"pane_2", func(k *KeyMap) *key.Binding { return &k.Pane2 }, "versions", "versions"},
	{"pane_3", func(k *KeyMap) *key.Binding { return &k.Pane3 }, "errors", "error rate"},
	{"pane_4", func(k *KeyMap) *key.Binding { return &k.Pane4 }, "timers", "timer usage"},
	{"zoom", func(k *KeyMap) *key.Binding { return &k.Zoom }, "zoom", "zoom pane in / out"},
	{"range", func(k *KeyMap) *key.Binding { return &k.Range }, "range", "next range"},
	{"refresh", func(k *KeyMap) *key.Binding { return &k.Refresh }, "refresh", "refresh now"},
	{"pause", func(k *KeyMap) *key.Binding { return &k.Pause }, "pause", "pause / resume polling"},
	{"slower", func(k *KeyMap) *key.Binding { return &k.Slower }, "slower", "poll less often"},
	{"faster", func(k *KeyMap) *key.Binding { return &k.Faster }, "faster", "poll more often"},
	{"help", func(k *KeyMap) *key.Binding { return &k.Help }, "help", "this help"},
	{"back", func(k *KeyMap) *key.Binding { return &k.Back }, "back", "unzoom, close help"},
	{"quit", func(k *KeyMap) *key.Binding { return &k.Quit }, "quit", "quit"},
	{"force_quit", func(k *KeyMap) *key.Binding { return &k.ForceQuit }, "quit", "quit"},
	{"filter", func(k *KeyMap) *key.Binding { return &k.Filter }, "filter", "filter"},
	{"cohort", func(k *KeyMap) *key.Binding { return &k.Cohort }, "cohort", "pick a cohort"},
	{"drill", func(k *KeyMap) *key.Binding { return &k.Drill }, "drill", "drill into the pane"},
	{"remove_chip", func(k *KeyMap) *key.Binding { return &k.RemoveChip }, "remove", "remove a filter"},
	{"clear_chips", func(k *KeyMap) *key.Binding { return &k.ClearChips }, "clear", "clear filters"},
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

// reserved are the actions of the next issue, disabled for now.
var reserved = []string{"filter", "cohort", "drill", "remove_chip", "clear_chips"}

// defaultKeys are the keys of DefaultKeyMap, by action name.
var defaultKeys = map[string][]string{
	"next_pane": {"tab"}, "prev_pane": {"shift+tab"},
	"pane_1": {"1"}, "pane_2": {"2"}, "pane_3": {"3"}, "pane_4": {"4"},
	"zoom": {"z"}, "range": {"t"}, "refresh": {"r"}, "pause": {"p"},
	"slower": {"+", "="}, "faster": {"-"}, "help": {"?"}, "back": {"esc"},
	"quit": {"q"}, "force_quit": {"ctrl+c"},
	"filter": {"/"}, "cohort": {"c"}, "drill": {"enter"}, "remove_chip": {"x"}, "clear_chips": {"X"},
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
	owner := map[string]string{}
	for _, a := range actions {
		keys := defaultKeys[a.name]
		if o, ok := overrides[a.name]; ok {
			keys = normalizeKeys(o)
			if len(keys) == 0 {
				errs = append(errs, fmt.Sprintf("ui.keys.%s: list at least one key", a.name))
			}
		}
		for _, k := range keys {
			if prev, ok := owner[k]; ok {
				errs = append(errs, fmt.Sprintf("ui.keys: %q is bound to both %s and %s; give one of them another key", keyLabel(k), prev, a.name))
			}
			owner[k] = a.name
		}
		b := key.NewBinding(key.WithKeys(keys...), key.WithHelp(keysLabel(keys), a.short))
		if slices.Contains(reserved, a.name) {
			b.SetEnabled(false)
		}
		*a.bind(&km) = b
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return KeyMap{}, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return km, nil
}

// normalizeKeys maps what people write in config to Bubble Tea key names.
func normalizeKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != " " {
			k = strings.TrimSpace(k)
		}
		switch strings.ToLower(k) {
		case "":
			continue
		case "space":
			k = " "
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

func keyLabel(k string) string {
	if k == " " {
		return "space"
	}
	return k
}

// keysLabel is the help text for a binding: its first two keys.
func keysLabel(keys []string) string {
	ls := make([]string, 0, 2)
	for _, k := range keys[:min(len(keys), 2)] {
		ls = append(ls, keyLabel(k))
	}
	return strings.Join(ls, "/")
}

// paneKeys are the bindings a pane reacts to while focused.
func (k KeyMap) paneKeys() panes.KeyMap { return panes.KeyMap{Drill: k.Drill} }

// paneNumbers is one help entry for the four focus keys ("1-4" by default).
func (k KeyMap) paneNumbers() key.Binding {
	ks := []string{k.Pane1.Help().Key, k.Pane2.Help().Key, k.Pane3.Help().Key, k.Pane4.Help().Key}
	label := strings.Join(ks, "/")
	if strings.Join(ks, "") == "1234" {
		label = "1-4"
	}
	return key.NewBinding(key.WithKeys(k.Pane1.Keys()...), key.WithHelp(label, "focus"))
}

// interval is one help entry for the two interval keys.
func (k KeyMap) interval() key.Binding {
	return key.NewBinding(key.WithKeys(k.Slower.Keys()...),
		key.WithHelp(keyLabel(k.Slower.Keys()[0])+"/"+keyLabel(k.Faster.Keys()[0]), "interval"))
}
