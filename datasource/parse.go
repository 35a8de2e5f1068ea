package datasource

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseError says where a filter expression stops making sense and what to
// write instead.
type ParseError struct {
	Input string
	Pos   int // byte offset into Input
	Msg   string
}

// Error includes the column so the prompt can point at it.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s (column %d)", e.Msg, utf8.RuneCountInString(e.Input[:e.Pos])+1)
}

// FilterSyntax is the one-line grammar reminder shown with parse errors.
const FilterSyntax = `property=value, property!=value, property in (a, b), property not in (a, b), property is set, property is not set, current_version is latest`

// ParseFilter reads one filter expression:
//
//	deployment_method=docker
//	person.is_admin != true
//	event.app_version in (4.2.0, "4.2.1")
//	auth_method not in (ldap, both)
//	current_version is set
//	current_version is latest
//	error_message = "Database is locked"
//
// Keys may be prefixed person. or event.; without a prefix the scope is
// ScopeAuto. Values may be bare or quoted with "..." or '...'. The bare key
// cohort is special: cohort=12 and cohort!=12 mean membership of backend
// cohort 12 (ScopeCohort); write person.cohort for a property of that name.
func ParseFilter(s string) (Filter, error) {
	p := &parser{in: s}
	return p.filter()
}

type parser struct {
	in  string
	pos int
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return &ParseError{Input: p.in, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

func (p *parser) rest() string { return p.in[p.pos:] }

func (p *parser) filter() (Filter, error) {
	p.skipSpace()
	if p.pos == len(p.in) {
		return Filter{}, p.errf(p.pos, "empty filter: write "+FilterSyntax)
	}
	f, quoted, err := p.key()
	if err != nil {
		return f, err
	}
	p.skipSpace()
	if f.Key == "cohort" && !quoted && f.Scope == ScopeAuto {
		return p.cohort()
	}
	return f, p.op(&f)
}

// key reads the property name with its person./event. scope; quoted says
// it was written in quotes, which makes "cohort" an ordinary name.
func (p *parser) key() (f Filter, quoted bool, err error) {
	keyPos := p.pos
	if r, _ := utf8.DecodeRuneInString(p.rest()); !isKeyRune(r) && r != '"' && r != '\'' {
		return f, false, p.errf(keyPos, "expected a property name, e.g. deployment_method=docker")
	}
	key, quoted, err := p.word(isKeyRune)
	if err != nil {
		return f, quoted, err
	}
	if !quoted {
		if k, ok := strings.CutPrefix(key, "person."); ok {
			f.Scope, key = ScopePerson, k
		} else if k, ok := strings.CutPrefix(key, "event."); ok {
			f.Scope, key = ScopeEvent, k
		}
		if f.Scope != ScopeAuto && key == "" && p.pos < len(p.in) && (p.in[p.pos] == '"' || p.in[p.pos] == '\'') {
			if key, err = p.quoted(); err != nil {
				return f, quoted, err
			}
		}
	}
	if key == "" {
		return f, quoted, p.errf(keyPos, "expected a property name, e.g. deployment_method=docker")
	}
	f.Key = key
	return f, quoted, nil
}

// op reads the operator after f's key and what it takes.
func (p *parser) op(f *Filter) error {
	opPos, key := p.pos, f.Key
	switch {
	case strings.HasPrefix(p.rest(), "!="):
		p.pos += 2
		f.Op = OpNeq
		return p.single(f)
	case strings.HasPrefix(p.rest(), "=="):
		p.pos += 2
		f.Op = OpEq
		return p.single(f)
	case strings.HasPrefix(p.rest(), "="):
		p.pos++
		f.Op = OpEq
		return p.single(f)
	}
	switch p.keyword() {
	case "in":
		f.Op = OpIn
		return p.list(f)
	case "not":
		if p.keyword() != "in" {
			return p.errf(opPos, "expected 'not in (a, b)' after %q", key)
		}
		f.Op = OpNotIn
		return p.list(f)
	case "is":
		return p.is(f, opPos)
	}
	if p.pos == len(p.in) {
		return p.errf(opPos, "%q needs a condition: %s", key, FilterSyntax)
	}
	return p.errf(opPos, "expected =, !=, in, not in, is set, is not set or is latest after %q", key)
}

// is reads what follows "is": set, not set, latest, not latest.
func (p *parser) is(f *Filter, opPos int) error {
	f.Op = OpIsSet
	w := p.keyword()
	if w == "not" {
		f.Op = OpIsNotSet
		w = p.keyword()
	}
	switch {
	case w == "latest" && f.Op == OpIsSet:
		f.Op = OpLatest
	case w == "latest":
		f.Op = OpNotLatest
	case w != "set":
		return p.errf(opPos, "expected 'is set', 'is not set', 'is latest' or 'is not latest' after %q", f.Key)
	}
	return p.end()
}

// cohort reads the rest of cohort=ID / cohort!=ID.
func (p *parser) cohort() (Filter, error) {
	f := Filter{Scope: ScopeCohort, Op: OpEq}
	switch {
	case strings.HasPrefix(p.rest(), "!="):
		p.pos += 2
		f.Op = OpNeq
	case strings.HasPrefix(p.rest(), "="):
		p.pos++
	default:
		return f, p.errf(p.pos, "write cohort=ID or cohort!=ID for a PostHog cohort, or person.cohort for a property named cohort")
	}
	var v Filter
	if err := p.single(&v); err != nil {
		return f, err
	}
	f.Key = v.Values[0]
	if f.Key == "" {
		return f, p.errf(p.pos, "the cohort id is empty")
	}
	return f, nil
}

// keyword reads the next bare word, lower-cased; "" if there is none.
func (p *parser) keyword() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if !unicode.IsLetter(r) {
			break
		}
		p.pos += n
	}
	return strings.ToLower(p.in[start:p.pos])
}

func (p *parser) end() error {
	p.skipSpace()
	if p.pos != len(p.in) {
		return p.errf(p.pos, "unexpected %q at the end; quote values that contain spaces or symbols", p.rest())
	}
	return nil
}

// single reads the value of = and !=: quoted, or the bare rest of the line.
func (p *parser) single(f *Filter) error {
	p.skipSpace()
	if p.pos == len(p.in) {
		return p.errf(p.pos, `missing value: write %s="" for an empty string, or %s is not set`, f.Key, f.Key)
	}
	if c := p.in[p.pos]; c == '"' || c == '\'' {
		v, err := p.quoted()
		if err != nil {
			return err
		}
		f.Values = []string{v}
		return p.end()
	}
	f.Values = []string{strings.TrimRightFunc(p.rest(), unicode.IsSpace)}
	p.pos = len(p.in)
	return nil
}

// list reads "(a, b, ...)".
func (p *parser) list(f *Filter) error {
	p.skipSpace()
	if p.pos == len(p.in) || p.in[p.pos] != '(' {
		return p.errf(p.pos, "expected a list in parentheses, e.g. %s %s (a, b)", f.Key, f.Op)
	}
	p.pos++
	for {
		p.skipSpace()
		if p.pos < len(p.in) && p.in[p.pos] == ')' && len(f.Values) == 0 {
			return p.errf(p.pos, "the list is empty: give at least one value")
		}
		v, _, err := p.word(isListRune)
		if err != nil {
			return err
		}
		f.Values = append(f.Values, v)
		p.skipSpace()
		if p.pos == len(p.in) {
			return p.errf(p.pos, "the list is not closed: add )")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return p.end()
		default:
			return p.errf(p.pos, "expected , or ) in the list; quote values that contain spaces")
		}
	}
}

// word reads a quoted string or a run of runes accepted by ok.
func (p *parser) word(ok func(rune) bool) (string, bool, error) {
	if p.pos < len(p.in) && (p.in[p.pos] == '"' || p.in[p.pos] == '\'') {
		v, err := p.quoted()
		return v, true, err
	}
	start := p.pos
	for p.pos < len(p.in) {
		r, n := utf8.DecodeRuneInString(p.in[p.pos:])
		if !ok(r) {
			break
		}
		p.pos += n
	}
	if p.pos == start {
		if p.pos == len(p.in) {
			return "", false, p.errf(p.pos, "expected a value here")
		}
		return "", false, p.errf(p.pos, "unexpected %q; quote values that contain symbols", p.in[p.pos:p.pos+1])
	}
	return p.in[start:p.pos], false, nil
}

// quoted reads "..." (Go escapes) or '...' (\' and \\ escapes).
func (p *parser) quoted() (string, error) {
	start := p.pos
	q := p.in[p.pos]
	var b strings.Builder
	p.pos++
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		switch {
		case c == q:
			p.pos++
			if q == '"' {
				s, err := strconv.Unquote(p.in[start:p.pos])
				if err != nil {
					return "", p.errf(start, "bad escape in quoted value %s", p.in[start:p.pos])
				}
				return s, nil
			}
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.in):
			if q == '\'' {
				b.WriteByte(p.in[p.pos+1])
			}
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errf(start, "the quoted value is not closed: add %c", q)
}

func isKeyRune(r rune) bool {
	return !unicode.IsSpace(r) && !strings.ContainsRune(`=!(),"'`, r)
}

func isListRune(r rune) bool {
	return !unicode.IsSpace(r) && !strings.ContainsRune(`(),"'`, r)
}
