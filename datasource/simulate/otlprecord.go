package simulate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Prop is one property of a TimeTracker 5.x record. Records keep their
// properties in order, as TimeTracker's Python dicts do, because the order
// is part of the bytes it sends.
type Prop struct {
	Key   string
	Value any
}

// Record is one TimeTracker 5.x telemetry event: what its
// _send_otlp_event is called with, plus the resource it runs as.
type Record struct {
	// Name is the event name ("base_telemetry.heartbeat", "timer.started").
	Name string
	// Identity is the install_id for base telemetry, the user's local
	// database id (or the installation's fingerprint) for product events.
	Identity string
	// Detailed is true for opt-in product analytics.
	Detailed bool
	// Props are the event's properties in the order TimeTracker adds them.
	Props []Prop
	// ServiceVersion is the resource's service.version (the app version).
	ServiceVersion string
	// Environment is the resource's deployment.environment (FLASK_ENV).
	Environment string
	// Time is when the event happened; TimeTracker stamps the send time.
	Time time.Time
}

// JSON is the request body TimeTracker 5.x posts to /v1/logs for r, in its
// exact shape: one resourceLogs entry with one scope "timetracker.telemetry"
// and one log record; record attributes event_name, identity, detailed,
// event_category, then the properties; values typed the way its
// _to_otlp_any_value types them (bool, int as a string, float, anything
// else as str()); and Python's json.dumps spelling (", " and ": "
// separators, non-ASCII escaped). trace_id and span_id are left out:
// TimeTracker adds them only inside a traced request.
func (r Record) JSON() []byte {
	var b strings.Builder
	b.WriteString(`{"resourceLogs": [{"resource": {"attributes": [`)
	writeAttr(&b, "service.name", "timetracker", true)
	writeAttr(&b, "service.version", orUnknown(r.ServiceVersion), false)
	writeAttr(&b, "deployment.environment", orProduction(r.Environment), false)
	b.WriteString(`]}, "scopeLogs": [{"scope": {"name": "timetracker.telemetry"}, "logRecords": [{"timeUnixNano": "`)
	b.WriteString(strconv.FormatInt(r.Time.UnixNano(), 10))
	b.WriteString(`", "severityText": "INFO", "body": {"stringValue": `)
	pyString(&b, r.Name)
	b.WriteString(`}, "attributes": [`)
	writeAttr(&b, "event_name", r.Name, true)
	writeAttr(&b, "identity", r.Identity, false)
	writeAttr(&b, "detailed", r.Detailed, false)
	writeAttr(&b, "event_category", EventCategory(r.Name), false)
	for _, p := range r.Props {
		writeAttr(&b, p.Key, p.Value, false)
	}
	b.WriteString(`]}]}]}]}`)
	return []byte(b.String())
}

// EventCategory is TimeTracker's event_category for a name: "analytics"
// for $-events, else the part before the first dot, else "general".
func EventCategory(name string) string {
	if strings.HasPrefix(name, "$") {
		return "analytics"
	}
	if cat, _, ok := strings.Cut(name, "."); ok {
		return cat
	}
	return "general"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orProduction(s string) string {
	if s == "" {
		return "production"
	}
	return s
}

func writeAttr(b *strings.Builder, key string, v any, first bool) {
	if !first {
		b.WriteString(", ")
	}
	b.WriteString(`{"key": `)
	pyString(b, key)
	b.WriteString(`, "value": {`)
	switch x := v.(type) {
	case bool:
		b.WriteString(`"boolValue": `)
		b.WriteString(pyBool(x))
	case int:
		fmt.Fprintf(b, `"intValue": "%d"`, x)
	case int64:
		fmt.Fprintf(b, `"intValue": "%d"`, x)
	case float64:
		b.WriteString(`"doubleValue": `)
		b.WriteString(pyFloat(x))
	default:
		b.WriteString(`"stringValue": `)
		pyString(b, pyStr(v))
	}
	b.WriteString(`}}`)
}

func pyBool(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

// pyFloat spells f as Python's repr (and so json.dumps) does: the shortest
// digits that round-trip, fixed notation from 1e-4 up to 1e16 with a
// ".0" on whole numbers, exponent notation outside.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(f, 'e', -1, 64)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyStr is Python's str() of a property value: None, True/False, and
// dicts and lists in repr form (TimeTracker's identify passes its "$set"
// dict through str()). Map keys are sorted: Go maps have no order.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	pyRepr(&b, v)
	return b.String()
}

func pyRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case string:
		b.WriteString(pyQuote(x))
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(pyFloat(x))
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(k))
			b.WriteString(": ")
			pyRepr(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			pyRepr(b, e)
		}
		b.WriteByte(']')
	default:
		fmt.Fprint(b, x)
	}
}

// pyQuote is repr() of a str: single quotes unless the text holds one and
// no double quote.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyString writes s as json.dumps does with ensure_ascii: every non-ASCII
// character as \uXXXX (a surrogate pair above U+FFFF).
func pyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e && r < 0x10000:
			fmt.Fprintf(b, `\u%04x`, r)
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
