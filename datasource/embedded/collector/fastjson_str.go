package collector

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// str reads a string. Plain ASCII is sliced and interned; escapes and
// valid UTF-8 are decoded; anything encoding/json would repair is refused.
func (p *fastParser) str() (string, bool) {
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

func (p *fastParser) internStr(raw []byte) string {
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
