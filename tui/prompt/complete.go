package prompt

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// compKind is what the caret is on in a filter being typed.
type compKind int

const (
	compNone  compKind = iota
	compKey            // the property name
	compOp             // the operator
	compValue          // the value of = or !=
	compItem           // an item of an in (...) list
)

// compCtx is where the caret is in a filter expression, as
// datasource.ScanFilter reads it: what kind of token, the rune span a
// completion replaces, the part already typed, and for values the
// property they belong to.
type compCtx struct {
	kind       compKind
	start, end int // runes of the input the completion replaces
	prefix     string
	scope      datasource.Scope
	key        string
	quote      rune // the value's opening quote, if typed
}

// compKinds maps the scan's caret contexts to the prompt's.
var compKinds = map[datasource.CaretContext]compKind{
	datasource.InKey: compKey, datasource.InOp: compOp,
	datasource.InValue: compValue, datasource.InItem: compItem,
}

// analyze finds the completion context at caret pos (in runes) of s.
func analyze(in string, pos int) compCtx {
	at := datasource.ScanFilter(in, pos).At
	if at.Context == datasource.InNothing {
		return compCtx{}
	}
	return compCtx{kind: compKinds[at.Context], start: at.Start, end: at.End, prefix: at.Prefix,
		scope: at.Scope, key: at.Key, quote: at.Quote}
}

// compItem is one completion: what the list shows and what tab inserts.
type compEntry struct {
	label, note string
	insert      string
}

// opNotes say what each operator keeps, in the completion list.
var opNotes = map[datasource.Op]string{
	datasource.OpEq:        "equals",
	datasource.OpNeq:       "differs, or not set",
	datasource.OpIn:        "one of",
	datasource.OpNotIn:     "none of, or not set",
	datasource.OpIsSet:     "has the property",
	datasource.OpIsNotSet:  "lacks it",
	datasource.OpLatest:    "the latest version (★)",
	datasource.OpNotLatest: "any other version, or not set",
}

// ops are the operators offered after a property name: the grammar's,
// in its order; a list operator inserts its opening parenthesis.
var ops = func() []compEntry {
	var out []compEntry
	for _, o := range datasource.Ops() {
		e := compEntry{label: o.String(), note: opNotes[o], insert: o.String()}
		if o.TakesList() {
			e.label, e.insert = o.String()+" (…)", o.String()+" ("
		}
		out = append(out, e)
	}
	return out
}()

// opEntries are the operators matching what is typed; keyword operators
// get a space before them when the caret is right after the name.
func opEntries(prefix string, afterName bool) []compEntry {
	p := strings.ToLower(strings.Join(strings.Fields(prefix), " "))
	var out []compEntry
	for _, o := range ops {
		if !strings.HasPrefix(o.insert, p) {
			continue
		}
		if afterName && unicode.IsLetter(rune(o.insert[0])) {
			o.insert = " " + o.insert
		}
		out = append(out, o)
	}
	return out
}

// keyEntries are the properties matching prefix: names starting with it
// first, then names containing it; PostHog's own $ properties after the
// rest. A typed person./event. prefix keeps to that scope and is kept.
func keyEntries(props []datasource.Property, prefix string) []compEntry {
	scopes := map[string][]string{}
	want, typed := datasource.ScopeAuto, ""
	if rest, ok := strings.CutPrefix(prefix, "person."); ok {
		want, typed, prefix = datasource.ScopePerson, "person.", rest
	} else if rest, ok := strings.CutPrefix(prefix, "event."); ok {
		want, typed, prefix = datasource.ScopeEvent, "event.", rest
	}
	for _, p := range props {
		if want != datasource.ScopeAuto && p.Scope != want {
			continue
		}
		if !slices.Contains(scopes[p.Key], p.Scope.String()) {
			scopes[p.Key] = append(scopes[p.Key], p.Scope.String())
		}
	}
	lp := strings.ToLower(prefix)
	type cand struct {
		key  string
		rank int
	}
	var cs []cand
	for k := range scopes {
		lk := strings.ToLower(k)
		rank := 0
		switch {
		case strings.HasPrefix(lk, lp):
		case strings.Contains(lk, lp):
			rank = 2
		default:
			continue
		}
		if strings.HasPrefix(k, "$") && !strings.HasPrefix(lp, "$") {
			rank++
		}
		cs = append(cs, cand{k, rank})
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.key, b.key)) })
	out := make([]compEntry, len(cs))
	for i, c := range cs {
		sc := scopes[c.key]
		slices.Sort(sc)
		out[i] = compEntry{label: typed + c.key, note: strings.Join(sc, " · "), insert: typed + keyText(c.key)}
	}
	return out
}

// valueEntries are the values matching prefix (case-insensitively; those
// starting with it first), most frequent first, with their counts, quoted
// for where they go.
func valueEntries(vals []datasource.ValueCount, prefix string, kind compKind) []compEntry {
	lp := strings.ToLower(prefix)
	var first, then []compEntry
	for _, v := range vals {
		lv := strings.ToLower(v.Value)
		e := compEntry{label: v.Value, note: common.Thousands(v.Count), insert: singleText(v.Value)}
		if kind == compItem {
			e.insert = itemText(v.Value)
		}
		switch {
		case strings.HasPrefix(lv, lp):
			first = append(first, e)
		case strings.Contains(lv, lp):
			then = append(then, e)
		}
	}
	return append(first, then...)
}

// keyText, singleText and itemText write a name, a value of =, and a list
// item the way ParseFilter reads them back (quoted only when needed), by
// asking Filter.String, the one place that knows the rules.
func keyText(k string) string {
	return strings.TrimSuffix(datasource.Filter{Key: k, Op: datasource.OpIsSet}.String(), " is set")
}

func singleText(v string) string {
	return strings.TrimPrefix(datasource.Filter{Key: "k", Op: datasource.OpEq, Values: []string{v}}.String(), "k=")
}

func itemText(v string) string {
	s := datasource.Filter{Key: "k", Op: datasource.OpIn, Values: []string{v}}.String()
	return strings.TrimSuffix(strings.TrimPrefix(s, "k in ("), ")")
}

// insert replaces the context's span of in with text and returns the new
// input and caret.
func (c compCtx) insert(in, text string) (string, int) {
	s := []rune(in)
	start, end := min(c.start, len(s)), min(max(c.end, c.start), len(s))
	out := string(s[:start]) + text + string(s[end:])
	return out, start + len([]rune(text))
}
