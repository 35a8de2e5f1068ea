package collector

import (
	"strings"

	"github.com/ttmon/ttmon/datasource/embedded/internal/jsonfast"
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
	p := wireParser{jsonfast.New(text, maxDepth)}
	c, more := p.Peek()
	if !more {
		return nil, false
	}
	req = &request{}
	switch c {
	case '[':
		req.events, ok = p.events(0)
	case '{':
		var body wireEvent
		var batch []wireEvent
		var seen uint16
		ok = p.Object(0, func(key string) bool {
			if key == "batch" {
				if seen&(1<<15) != 0 {
					return false
				}
				seen |= 1 << 15
				if p.Literal("null") {
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
	if !ok || !p.Done() || len(req.events) == 0 {
		return nil, false
	}
	return req, true
}

// wireParser reads the capture API's shapes with a jsonfast.Parser.
type wireParser struct{ *jsonfast.Parser }

// events reads an array of event objects.
func (p wireParser) events(depth int) ([]wireEvent, bool) {
	out := []wireEvent{}
	ok := p.Array(depth, func() bool {
		if c, more := p.Peek(); !more || c != '{' {
			return false
		}
		out = append(out, wireEvent{})
		e := &out[len(out)-1]
		var seen uint16
		return p.Object(depth+1, func(key string) bool { return p.field(e, &seen, key, depth+2) })
	})
	return out, ok
}

// field reads the value of key into e; keys that are not fields are read
// and dropped, as encoding/json does. seen marks the fields read so far:
// a repeated one would be merged by encoding/json, so it is refused.
func (p wireParser) field(e *wireEvent, seen *uint16, key string, depth int) bool {
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
		_, ok := p.Value(depth)
		return ok
	}
	if *seen&(1<<f) != 0 {
		return false
	}
	*seen |= 1 << f
	if obj := e.objectField(f); obj != nil {
		if p.Literal("null") {
			return true
		}
		if c, more := p.Peek(); !more || c != '{' {
			return false
		}
		m, ok := p.Map(depth)
		*obj = m
		return ok
	}
	v, ok := p.Value(depth)
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
