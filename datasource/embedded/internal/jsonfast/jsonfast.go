// Package jsonfast reads JSON without reflection, exactly as encoding/json
// reads it into interface values (map[string]any, []any, float64, string,
// bool, nil), or not at all: anything it might read differently (syntax
// errors, invalid UTF-8, lone surrogates, numbers strconv would take but
// JSON does not, nesting beyond the limit) makes it give up, and the caller
// falls back to encoding/json. It is about three times faster and
// allocates less (short strings are interned per parse), which matters for
// the collector's request bodies and the index's person rows.
package jsonfast

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Parser reads one input.
type Parser struct {
	b      []byte
	i      int
	max    int
	intern map[string]string // short strings seen in this body: keys and common values repeat per event
	hint   int               // size of the last properties object, to size the next
}

// New returns a parser over b that gives up beyond maxDepth levels.
func New(b []byte, maxDepth int) *Parser {
	return &Parser{b: b, max: maxDepth, intern: map[string]string{}}
}

// Interner shares short strings across many parses (keys repeat from one
// row to the next). It is not safe for concurrent use.
type Interner map[string]string

// Reset makes p read b from the start, sharing in's strings (in must not
// be nil), so one parser serves many short inputs.
func (p *Parser) Reset(b []byte, maxDepth int, in Interner) {
	*p = Parser{b: b, max: maxDepth, intern: in}
}

// Skip reads past one value without keeping it: a plain ASCII string is
// not copied; anything else is read as Value reads it, so Skip accepts
// exactly what Value does.
func (p *Parser) Skip(depth int) bool {
	p.WS()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		_, ok := p.Value(depth)
		return ok
	}
	start := p.i
	for p.i++; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return true
		case c == '\\' || c < 0x20 || c >= 0x80:
			p.i = start
			_, ok := p.Str()
			return ok
		}
	}
	return false
}

// Peek skips whitespace and returns the next byte (false at the end).
func (p *Parser) Peek() (byte, bool) {
	p.WS()
	if p.i >= len(p.b) {
		return 0, false
	}
	return p.b[p.i], true
}

// Done reports whether only whitespace is left.
func (p *Parser) Done() bool {
	_, more := p.Peek()
	return !more
}

// Object parses b as one JSON object into a map, or gives up. in may be
// nil.
func Object(b []byte, maxDepth int, in Interner) (map[string]any, bool) {
	if in == nil {
		in = Interner{}
	}
	p := &Parser{b: b, max: maxDepth, intern: in}
	if c, ok := p.Peek(); !ok || c != '{' {
		return nil, false
	}
	m, ok := p.Map(0)
	return m, ok && p.Done()
}

func (p *Parser) WS() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *Parser) Literal(s string) bool {
	p.WS()
	if strings.HasPrefix(string(p.b[p.i:min(p.i+len(s), len(p.b))]), s) {
		p.i += len(s)
		return true
	}
	return false
}

// Object reads {"key": value, ...}, calling fn with the reader at each value.
func (p *Parser) Object(depth int, fn func(key string) bool) bool {
	if depth >= p.max {
		return false
	}
	p.i++ // '{'
	p.WS()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		p.WS()
		key, ok := p.Str()
		if !ok {
			return false
		}
		p.WS()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		if !fn(key) {
			return false
		}
		p.WS()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return true
		default:
			return false
		}
	}
}

// Array reads [value, ...], calling fn with the reader at each value.
func (p *Parser) Array(depth int, fn func() bool) bool {
	if depth >= p.max {
		return false
	}
	p.WS()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return false
	}
	p.i++
	p.WS()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return true
	}
	for {
		if !fn() {
			return false
		}
		p.WS()
		if p.i >= len(p.b) {
			return false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return true
		default:
			return false
		}
	}
}

func (p *Parser) Map(depth int) (map[string]any, bool) {
	m := make(map[string]any, p.hint)
	ok := p.Object(depth, func(key string) bool {
		v, ok := p.Value(depth + 1)
		m[key] = v
		return ok
	})
	p.hint = len(m)
	return m, ok
}

// Value reads any JSON value as encoding/json does into an any.
func (p *Parser) Value(depth int) (any, bool) {
	p.WS()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.Str()
	case c == '{':
		return p.Map(depth)
	case c == '[':
		out := []any{}
		ok := p.Array(depth, func() bool {
			v, ok := p.Value(depth + 1)
			out = append(out, v)
			return ok
		})
		return out, ok
	case c == 't':
		return true, p.Literal("true")
	case c == 'f':
		return false, p.Literal("false")
	case c == 'n':
		return nil, p.Literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

// number reads a JSON number as float64, checking the grammar first
// (strconv accepts more than JSON does).
func (p *Parser) number() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return f, err == nil
}

func (p *Parser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// Str reads a string. Plain ASCII is sliced and interned; escapes and
// valid UTF-8 are decoded; anything encoding/json would repair is refused.
func (p *Parser) Str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	p.i++
	start, plain := p.i, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if plain {
				return p.internStr(raw), true
			}
			return unescape(raw)
		case c == '\\':
			plain = false
			p.i += 2
		case c < 0x20:
			return "", false
		case c >= 0x80:
			plain = false
			p.i++
		default:
			p.i++
		}
	}
	return "", false
}

func (p *Parser) internStr(raw []byte) string {
	if len(raw) > 64 {
		return string(raw)
	}
	if s, ok := p.intern[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(p.intern) < 4096 {
		p.intern[s] = s
	}
	return s
}

// unescape decodes a string body with escapes or non-ASCII bytes.
func unescape(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= 0x80 {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false // encoding/json would write U+FFFD
			}
			out = append(out, raw[i:i+n]...)
			i += n
			continue
		}
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return "", false
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			out = append(out, raw[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := unicodeEscape(raw[i:])
			if n == 0 {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			i += n
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(out), true
}

// unicodeEscape reads \uXXXX (a surrogate pair takes two); n=0 refuses.
func unicodeEscape(b []byte) (r rune, n int) {
	r1, ok := hex4(b)
	if !ok {
		return 0, 0
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 6
	}
	r2, ok := hex4(b[6:])
	if !ok {
		return 0, 0
	}
	if r = utf16.DecodeRune(r1, r2); r == utf8.RuneError {
		return 0, 0
	}
	return r, 12
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[2:6]), 16, 32)
	return rune(v), err == nil
}
