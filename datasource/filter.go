package datasource

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Scope says whose property a filter reads.
type Scope int

// Scopes. ScopeAuto is what a filter written without a prefix has: it means
// the person property when any person carries that key (like a PostHog
// cohort), else the event property. ResolveScopes settles it.
const (
	ScopeAuto Scope = iota
	ScopePerson
	ScopeEvent
	// ScopeCohort is membership of a backend-side cohort (PostHog's
	// `person_id IN COHORT {id}`): Key is the cohort id, Op is OpEq (member)
	// or OpNeq (not a member). It is written cohort=ID / cohort!=ID.
	// Sources without cohorts reject it with ErrQuery.
	ScopeCohort
)

// String returns "person", "event" or "auto".
func (s Scope) String() string {
	switch s {
	case ScopePerson:
		return "person"
	case ScopeEvent:
		return "event"
	case ScopeCohort:
		return "cohort"
	default:
		return "auto"
	}
}

// MarshalText makes scopes readable in JSON and YAML.
func (s Scope) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "person", "event" or "auto".
func (s *Scope) UnmarshalText(b []byte) error {
	switch string(b) {
	case "person":
		*s = ScopePerson
	case "event":
		*s = ScopeEvent
	case "cohort":
		*s = ScopeCohort
	case "auto", "":
		*s = ScopeAuto
	default:
		return fmt.Errorf("scope %q: use person, event, cohort or auto", b)
	}
	return nil
}

// Op is a filter operator.
type Op int

// Operators, in the order the prompt documents them.
const (
	OpEq Op = iota
	OpNeq
	OpIn
	OpNotIn
	OpIsSet
	OpIsNotSet
	// OpLatest ("current_version is latest") compares with the latest
	// version as LatestRule picks it over the query's range, so a saved
	// cohort keeps meaning "the newest release" as releases come out.
	// ResolveLatest turns it into OpEq before a Source sees it; left
	// unresolved it matches nothing.
	OpLatest
	// OpNotLatest ("current_version is not latest") is OpLatest negated;
	// ResolveLatest turns it into OpNeq.
	OpNotLatest
)

// Filter is one condition on a person or event property. Values are compared
// as strings in the canonical form of ValueString (numbers as JSON numbers,
// booleans as true/false). Negative operators (!=, not in) also match events
// whose property is missing, as PostHog's "is not" does.
type Filter struct {
	Scope  Scope    `json:"scope" yaml:"scope"`
	Key    string   `json:"key" yaml:"key"`
	Op     Op       `json:"op" yaml:"op"`
	Values []string `json:"values,omitempty" yaml:"values,omitempty"`
}

// Match reports whether a property with value v (set says whether it is
// present at all) satisfies the filter.
func (f Filter) Match(v string, set bool) bool {
	switch f.Op {
	case OpEq:
		return set && len(f.Values) > 0 && v == f.Values[0]
	case OpNeq:
		return !set || len(f.Values) == 0 || v != f.Values[0]
	case OpIn:
		return set && slices.Contains(f.Values, v)
	case OpNotIn:
		return !set || !slices.Contains(f.Values, v)
	case OpIsSet:
		return set
	case OpIsNotSet:
		return !set
	}
	return false // OpLatest and OpNotLatest must be resolved first
}

// String renders the filter in the syntax ParseFilter reads, so that
// ParseFilter(f.String()) == f.
func (f Filter) String() string {
	if f.Scope == ScopeCohort {
		op := "="
		if f.Op == OpNeq {
			op = "!="
		}
		return "cohort" + op + quoteIfNeeded(f.Key, nil)
	}
	var b strings.Builder
	switch f.Scope {
	case ScopePerson:
		b.WriteString("person.")
	case ScopeEvent:
		b.WriteString("event.")
	}
	if f.Scope == ScopeAuto && (f.Key == "cohort" || strings.HasPrefix(f.Key, "person.") || strings.HasPrefix(f.Key, "event.")) {
		b.WriteString(strconv.Quote(f.Key))
	} else {
		b.WriteString(quoteIfNeeded(f.Key, isKeyRune))
	}
	switch f.Op {
	case OpEq, OpNeq:
		if f.Op == OpEq {
			b.WriteString("=")
		} else {
			b.WriteString("!=")
		}
		if len(f.Values) > 0 {
			b.WriteString(quoteIfNeeded(f.Values[0], nil))
		}
	case OpIn, OpNotIn:
		if f.Op == OpIn {
			b.WriteString(" in (")
		} else {
			b.WriteString(" not in (")
		}
		for i, v := range f.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIfNeeded(v, isListRune))
		}
		b.WriteString(")")
	case OpIsSet:
		b.WriteString(" is set")
	case OpIsNotSet:
		b.WriteString(" is not set")
	case OpLatest:
		b.WriteString(" is latest")
	case OpNotLatest:
		b.WriteString(" is not latest")
	}
	return b.String()
}

// MarshalText writes an Op as its symbol so config files stay readable.
func (o Op) MarshalText() ([]byte, error) {
	if int(o) < 0 || int(o) >= len(opNames) {
		return nil, fmt.Errorf("unknown operator %d", int(o))
	}
	return []byte(opNames[o]), nil
}

// UnmarshalText reads an operator symbol ("=", "!=", "in", "not in",
// "is set", "is not set", "is latest", "is not latest").
func (o *Op) UnmarshalText(b []byte) error {
	op, ok := OpOf(string(b))
	if !ok {
		return fmt.Errorf("operator %q: use =, !=, in, not in, is set, is not set, is latest or is not latest", b)
	}
	*o = op
	return nil
}

// opNames are the operators as written, indexed by Op: the one list of
// the grammar's operator words (ParseFilter, ScanFilter, completion).
var opNames = []string{"=", "!=", "in", "not in", "is set", "is not set", "is latest", "is not latest"}

// Ops are the operators in the order the prompt documents them.
func Ops() []Op {
	out := make([]Op, len(opNames))
	for i := range out {
		out[i] = Op(i)
	}
	return out
}

// OpOf reads an operator as written, in any case and spacing ("==" is
// "="); false for anything else.
func OpOf(s string) (Op, bool) {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	if s == "==" {
		s = "="
	}
	for i, n := range opNames {
		if n == s {
			return Op(i), true
		}
	}
	return 0, false
}

// TakesList reports whether the operator is followed by a list: in, not in.
func (o Op) TakesList() bool { return o == OpIn || o == OpNotIn }

// TakesNoValue reports whether the operator ends the filter: is set, is
// not set, is latest, is not latest.
func (o Op) TakesNoValue() bool { return o >= OpIsSet && o <= OpNotLatest }

// String returns the operator's symbol.
func (o Op) String() string {
	if int(o) < 0 || int(o) >= len(opNames) {
		return "?"
	}
	return opNames[o]
}

// quoteIfNeeded quotes s unless it reads back as itself: bare keys and
// list items are runs of runes accepted by ok; a bare single value is the
// rest of the line, so only its ends matter (ok == nil).
func quoteIfNeeded(s string, ok func(rune) bool) string {
	plain := s != "" && strings.TrimSpace(s) == s && !strings.ContainsRune(`"'=`, rune(s[0]))
	if plain && ok != nil {
		for _, r := range s {
			if !ok(r) {
				plain = false
				break
			}
		}
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}

// ValueString renders a decoded JSON property value in the canonical form
// filters compare against. ok is false for null and missing values.
func ValueString(v any) (s string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64), true
		}
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x), true
		}
		return string(b), true
	}
}

// ResolveScopes settles ScopeAuto filters against the properties a source
// knows: a key any person carries is a person property, else a key events
// carry is an event property, else it stays a person property (and matches
// nothing, as a cohort on an unknown property would).
func ResolveScopes(fs []Filter, known []Property) []Filter {
	person := map[string]bool{}
	event := map[string]bool{}
	for _, p := range known {
		if p.Scope == ScopePerson {
			person[p.Key] = true
		} else {
			event[p.Key] = true
		}
	}
	out := make([]Filter, len(fs))
	for i, f := range fs {
		if f.Scope == ScopeAuto {
			if !person[f.Key] && event[f.Key] {
				f.Scope = ScopeEvent
			} else {
				f.Scope = ScopePerson
			}
		}
		out[i] = f
	}
	return out
}

// FilterStrings renders filters for JSON output and headers.
func FilterStrings(fs []Filter) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}
