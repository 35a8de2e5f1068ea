package tui

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

// compCtx is where the caret is in a filter expression, read the way
// datasource.ParseFilter reads it: what kind of token, the rune span a
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

func isKeyR(r rune) bool  { return !unicode.IsSpace(r) && !strings.ContainsRune(`=!(),"'`, r) }
func isListR(r rune) bool { return !unicode.IsSpace(r) && !strings.ContainsRune(`(),"'`, r) }

// analyze finds the completion context at caret pos (in runes) of s.
func analyze(in string, pos int) compCtx {
	s := []rune(in)
	pos = min(max(pos, 0), len(s))
	i := 0
	skip := func() {
		for i < len(s) && unicode.IsSpace(s[i]) {
			i++
		}
	}
	// word reads a quoted string or a run of ok runes from i: its span,
	// and the quote that opened it (0 for bare).
	word := func(ok func(rune) bool) (start, end int, q rune) {
		start = i
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q = s[i]
			i++
			for i < len(s) && s[i] != q {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i+1, len(s))
			return start, i, q
		}
		for i < len(s) && ok(s[i]) {
			i++
		}
		return start, i, 0
	}
	unq := func(a, b int, q rune) string {
		t := string(s[a:b])
		if q != 0 {
			t = strings.TrimPrefix(t, string(q))
		}
		return t
	}
	skip()
	ks, ke, kq := word(isKeyR)
	if pos <= ke {
		return compCtx{kind: compKey, start: min(ks, pos), end: ke, prefix: unq(min(ks, pos), pos, kq)}
	}
	key, scope := string(s[ks:ke]), datasource.ScopeAuto
	if kq == 0 {
		if k, ok := strings.CutPrefix(key, "person."); ok {
			key, scope = k, datasource.ScopePerson
		} else if k, ok := strings.CutPrefix(key, "event."); ok {
			key, scope = k, datasource.ScopeEvent
		}
	} else if f, err := datasource.ParseFilter(string(s[ks:ke]) + " is set"); err == nil {
		key = f.Key
	}
	skip()
	if pos < i {
		return compCtx{kind: compOp, start: pos, end: pos, key: key, scope: scope}
	}
	value := func() compCtx {
		skip()
		vs := i
		c := compCtx{kind: compValue, start: min(vs, pos), end: len(s), key: key, scope: scope}
		if vs < len(s) && (s[vs] == '"' || s[vs] == '\'') {
			c.quote = s[vs]
		}
		c.prefix = unq(c.start, pos, c.quote)
		return c
	}
	switch rest := string(s[i:]); {
	case strings.HasPrefix(rest, "!="), strings.HasPrefix(rest, "=="):
		i += 2
		return value()
	case strings.HasPrefix(rest, "="):
		i++
		return value()
	}
	os := i
	var words []string
	for range 3 {
		ws := i
		for i < len(s) && unicode.IsLetter(s[i]) {
			i++
		}
		if i == ws {
			break
		}
		words = append(words, strings.ToLower(string(s[ws:i])))
		if pos <= i {
			return compCtx{kind: compOp, start: os, end: i, prefix: string(s[os:pos]), key: key, scope: scope}
		}
		if w := strings.Join(words, " "); w == "in" || w == "not in" || endsFilter(w) {
			break
		}
		skip()
		if pos < i {
			return compCtx{kind: compOp, start: os, end: pos, prefix: string(s[os:pos]), key: key, scope: scope}
		}
	}
	if w := strings.Join(words, " "); w != "in" && w != "not in" {
		if pos == len(s) && i == len(s) && !endsFilter(w) {
			return compCtx{kind: compOp, start: os, end: pos, prefix: string(s[os:pos]), key: key, scope: scope}
		}
		return compCtx{}
	}
	skip()
	if i >= len(s) || s[i] != '(' {
		return compCtx{}
	}
	i++
	for {
		skip()
		is, ie, q := word(isListR)
		if pos >= is && pos <= ie {
			return compCtx{kind: compItem, start: is, end: ie, prefix: unq(is, pos, q), key: key, scope: scope, quote: q}
		}
		skip()
		if i >= len(s) || s[i] != ',' || pos < is {
			return compCtx{}
		}
		i++
	}
}

// compItem is one completion: what the list shows and what tab inserts.
type compEntry struct {
	label, note string
	insert      string
}

// ops are the operators offered after a property name.
var ops = []compEntry{
	{"=", "equals", "="},
	{"!=", "differs, or not set", "!="},
	{"in (…)", "one of", "in ("},
	{"not in (…)", "none of, or not set", "not in ("},
	{"is set", "has the property", "is set"},
	{"is not set", "lacks it", "is not set"},
	{"is latest", "the latest version (★)", "is latest"},
	{"is not latest", "any other version, or not set", "is not latest"},
}

// endsFilter reports operators that take no value.
func endsFilter(op string) bool {
	switch op {
	case "is set", "is not set", "is latest", "is not latest":
		return true
	}
	return false
}

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
