package embedded

import (
	"encoding/json"
	"hash/maphash"
	"math"
	"strconv"
)

// Event properties are stored as interned key/value pairs. TimeTracker's
// product events are nearly unique as a whole (time_entry_id,
// duration_seconds, num_rows), but each is a combination of a dozen
// values that repeat endlessly (install_id, $current_url, app_version), so
// a propset row is just the sorted ids of its pairs: ~30 bytes instead of
// ~300 of JSON. The pairs table holds each pair's key and its value as
// canonical JSON.

// appendValueJSON appends the canonical JSON of v: what json.Marshal
// writes, without its reflection for the scalar types events carry.
func appendValueJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if plainString(x) {
			b = append(b, '"')
			b = append(b, x...)
			return append(b, '"'), nil
		}
	case bool:
		return strconv.AppendBool(b, x), nil
	case float64:
		if a := math.Abs(x); a == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, x, 'f', -1, 64), nil
		}
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, raw...), nil
}

// plainString reports whether s needs no escaping in JSON (json.Marshal
// also escapes <, > and &).
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// personKeys are the property keys that update the person instead of
// describing the event.
func isPersonKey(k string) bool { return k == "$set" || k == "$set_once" || k == "$unset" }

// genCache is a bounded map that forgets in generations: lookups try the
// current and the previous map, and when the current one is full it
// becomes the previous. Hot entries survive by being copied forward; the
// cost is at most 2*size entries and no per-entry bookkeeping. With
// pointer-free keys and values the garbage collector never scans it.
type genCache[K comparable, V any] struct {
	size      int
	cur, prev map[K]V
}

// newGenCache starts empty and small: Open makes the writer's caches in
// every process, and one that only reads (`ttmon snapshot`) must not pay
// for 2^18 preallocated entries (tens of MB touched). A generation that
// filled up is replaced by one sized for size entries.
func newGenCache[K comparable, V any](size int) *genCache[K, V] {
	return &genCache[K, V]{size: size, cur: map[K]V{}}
}

func (c *genCache[K, V]) get(k K) (V, bool) {
	if v, ok := c.cur[k]; ok {
		return v, true
	}
	v, ok := c.prev[k]
	if ok {
		c.put(k, v)
	}
	return v, ok
}

func (c *genCache[K, V]) put(k K, v V) {
	if len(c.cur) >= c.size {
		c.prev, c.cur = c.cur, make(map[K]V, c.size)
	}
	c.cur[k] = v
}

func (c *genCache[K, V]) purge() {
	c.cur, c.prev = map[K]V{}, nil
}

// h128 is a 128-bit hash: the writer's caches are keyed by it instead of
// by strings, so a lookup hashes 16 bytes and compares 16 bytes. Two
// different keys share a hash with probability 2^-128.
type h128 [2]uint64

// hasher computes h128s with two per-process seeds.
type hasher struct{ a, b maphash.Seed }

func newHasher() hasher { return hasher{maphash.MakeSeed(), maphash.MakeSeed()} }

func (h hasher) str(s string) h128 { return h128{maphash.String(h.a, s), maphash.String(h.b, s)} }

func (h hasher) bytes(b []byte) h128 { return h128{maphash.Bytes(h.a, b), maphash.Bytes(h.b, b)} }

// pair combines the hashes of a key and of its value (tagged by how the
// value was hashed: 's' raw string, 'j' canonical JSON).
func pairHash(k, v h128, tag uint64) h128 {
	return h128{mix64(k[0]*0x9e3779b97f4a7c15 ^ v[0] ^ tag), mix64(k[1]*0xc2b2ae3d27d4eb4f ^ v[1] ^ tag<<8)}
}

// add accumulates pair hashes into a set hash; the sum does not depend on
// the order the pairs come in (Go randomises map order).
func (s *h128) add(p h128) { s[0] += p[0]; s[1] += p[1] }

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
