package collector

import (
	"strconv"
	"strings"
)

// fastParse reads a capture body in one pass without reflection: about
// three times faster than encoding/json into wireEvent, which was a third
// of the collector's CPU at high rates. It must give exactly what
// encoding/json gives, so it gives up (ok=false) on anything it does not
// read the same way for sure: any syntax or type error, a field name that
// matches only case-insensitively, a repeated field, invalid UTF-8, a lone
// surrogate, nesting deeper than maxDepth. The caller then takes the
// encoding/json path, which also produces the error messages.
// FuzzFastParse holds the two to the same answers.
func fastParse(text []byte, maxDepth int) (req *request, ok bool) {
	p := &fastParser{b: text, max: maxDepth, intern: map[string]string{}}
	p.ws()
	if p.i >= len(p.b) {
		return nil, false
	}
	req = &request{}
	switch p.b[p.i] {
	case '[':
		req.events, ok = p.events(0)
	case '{':
		var body wireEvent
		var batch []wireEvent
		var seen uint16
		ok = p.object(0, func(key string) bool {
			if key == "batch" {
				if seen&(1<<15) != 0 {
					return false
				}
				seen |= 1 << 15
				if p.literal("null") {
					return true
				}
				var ok bool
				batch, ok = p.events(1)
				return ok
			}
			return p.field(&body, &seen, key, 1)
		})
		req.sentAt, req.hasSentAt = parseTimeValue(body.SentAt)
		if batch != nil {
			req.events = batch
			req.token = firstString(body.APIKey, body.Token)
		} else {
			body.SentAt = nil // a single event's own sent_at is the request's
			req.events = []wireEvent{body}
		}
	}
	p.ws()
	if !ok || p.i != len(p.b) || len(req.events) == 0 {
		return nil, false
	}
	return req, true
}

type fastParser struct {
	b      []byte
	i      int
	max    int
	intern map[string]string // short strings seen in this body: keys and common values repeat per event
	hint   int               // size of the last properties object, to size the next
}

func (p *fastParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) literal(s string) bool {
	p.ws()
	if strings.HasPrefix(string(p.b[p.i:min(p.i+len(s), len(p.b))]), s) {
		p.i += len(s)
		return true
	}
	return false
}

// events reads an array of event objects.
func (p *fastParser) events(depth int) ([]wireEvent, bool) {
	out := []wireEvent{}
	ok := p.array(depth, func() bool {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '{' {
			return false
		}
		out = append(out, wireEvent{})
		e := &out[len(out)-1]
		var seen uint16
		return p.object(depth+1, func(key string) bool { return p.field(e, &seen, key, depth+2) })
	})
	return out, ok
}

// field reads the value of key into e; keys that are not fields are read
// and dropped, as encoding/json does. seen marks the fields read so far:
// a repeated one would be merged by encoding/json, so it is refused.
func (p *fastParser) field(e *wireEvent, seen *uint16, key string, depth int) bool {
	f := -1
	for i, name := range wireFields[:len(wireFields)-1] {
		if key == name {
			f = i
			break
		}
	}
	if f < 0 {
		for _, name := range wireFields {
			if strings.EqualFold(key, name) && key != "batch" {
				return false
			}
		}
		_, ok := p.value(depth)
		return ok
	}
	if *seen&(1<<f) != 0 {
		return false
	}
	*seen |= 1 << f
	if obj := e.objectField(f); obj != nil {
		if p.literal("null") {
			return true
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '{' {
			return false
		}
		m, ok := p.mapValue(depth)
		*obj = m
		return ok
	}
	v, ok := p.value(depth)
	*e.anyField(f) = v
	return ok
}

// objectField and anyField give the wireEvent field for wireFields[f].
func (e *wireEvent) objectField(f int) *map[string]any {
	switch f {
	case 3:
		return &e.Properties
	case 11:
		return &e.Set
	case 12:
		return &e.SetOnce
	}
	return nil
}

func (e *wireEvent) anyField(f int) *any {
	return [...]*any{&e.Event, &e.DistinctID, &e.DollarDistinctID, nil, &e.Timestamp, &e.Offset,
		&e.UUID, &e.SentAt, &e.Token, &e.APIKey, &e.DollarToken}[f]
}

// wireFields are wireEvent's JSON names, in the order objectField and
// anyField number them; "batch" (wireBody's) is last, and only the body
// reader handles it.
var wireFields = []string{"event", "distinct_id", "$distinct_id", "properties", "timestamp", "offset",
	"uuid", "sent_at", "token", "api_key", "$token", "$set", "$set_once", "batch"}

// object reads {"key": value, ...}, calling fn with the reader at each value.
func (p *fastParser) object(depth int, fn func(key string) bool) bool {
	if depth >= p.max {
		return false
	}
	p.i++ // '{'
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return true
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok {
			return false
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return false
		}
		p.i++
		if !fn(key) {
			return false
		}
		p.ws()
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

// array reads [value, ...], calling fn with the reader at each value.
func (p *fastParser) array(depth int, fn func() bool) bool {
	if depth >= p.max {
		return false
	}
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return false
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return true
	}
	for {
		if !fn() {
			return false
		}
		p.ws()
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

func (p *fastParser) mapValue(depth int) (map[string]any, bool) {
	m := make(map[string]any, p.hint)
	ok := p.object(depth, func(key string) bool {
		v, ok := p.value(depth + 1)
		m[key] = v
		return ok
	})
	p.hint = len(m)
	return m, ok
}

// value reads any JSON value as encoding/json does into an any.
func (p *fastParser) value(depth int) (any, bool) {
	p.ws()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		return p.str()
	case c == '{':
		return p.mapValue(depth)
	case c == '[':
		out := []any{}
		ok := p.array(depth, func() bool {
			v, ok := p.value(depth + 1)
			out = append(out, v)
			return ok
		})
		return out, ok
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

// number reads a JSON number as float64, checking the grammar first
// (strconv accepts more than JSON does).
func (p *fastParser) number() (any, bool) {
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

func (p *fastParser) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
