// Package simulate is a deterministic TimeTracker fleet simulator. It makes
// the traffic a fleet of TimeTracker installations and their users would
// send to PostHog, so ttmon has something to show without a real fleet.
//
// The package keeps the model apart from the transport. A Model is pure: given
// a seed, an anchor time ("now" of the scenario) and a fleet size it yields
// the same events in timestamp order every time, as plain Event values, fast
// enough to fill a store with millions of events directly. A Sender delivers
// those events with the real posthog-go client, so the bytes on the wire are
// the ones a real PostHog project or `ttmon collect` receives. Run ties the
// two together: a backfill with a progress bar, then live traffic.
package simulate

import (
	"encoding/hex"
	"time"
)

// Kind is the PostHog call an Event stands for.
type Kind uint8

// The PostHog calls a TimeTracker installation makes.
const (
	// KindCapture is an ordinary event (posthog.Capture).
	KindCapture Kind = iota
	// KindIdentify sets person properties (posthog.Identify, "$identify").
	KindIdentify
	// KindAlias links two distinct ids into one person
	// (posthog.Alias, "$create_alias").
	KindAlias
	// KindGroupIdentify sets group properties
	// (posthog.GroupIdentify, "$groupidentify").
	KindGroupIdentify
)

// String names the kind the way posthog-go's message types are named.
func (k Kind) String() string {
	switch k {
	case KindIdentify:
		return "identify"
	case KindAlias:
		return "alias"
	case KindGroupIdentify:
		return "groupidentify"
	default:
		return "capture"
	}
}

// Event is one simulated PostHog call, transport-neutral.
//
// The maps of an Event yielded by a Model or Stream are borrowed: the model
// reuses them for later events to keep generation allocation-free, so they
// are valid only until the iteration continues and must never be modified.
// Call Clone to keep an event.
type Event struct {
	// Kind selects the PostHog call.
	Kind Kind
	// Name is the event name; "$identify", "$create_alias" and
	// "$groupidentify" for the non-capture kinds, as PostHog stores them.
	Name string
	// DistinctID is who sent it. For KindGroupIdentify it is the id PostHog
	// derives for the group ("$version_4.9.1"), for KindAlias the id the
	// Alias is merged into.
	DistinctID string
	// Timestamp is when it happened, UTC, millisecond precision.
	Timestamp time.Time
	// UUID is the event id, derived from the seed, the stream start and the
	// event's position in the stream, so a repeated run repeats it.
	UUID UUID
	// Properties are the event's properties; the group's properties for
	// KindGroupIdentify.
	Properties map[string]any
	// Set and SetOnce are person properties: what an Identify sets, or what
	// a capture carries as "$set" / "$set_once".
	Set, SetOnce map[string]any
	// Groups are the groups a capture belongs to (group type -> key).
	Groups map[string]any
	// Alias is the second distinct id of a KindAlias event.
	Alias string
	// GroupType and GroupKey name the group of a KindGroupIdentify event.
	GroupType, GroupKey string
}

// Clone returns a deep copy of e whose maps the caller owns.
func (e Event) Clone() Event {
	e.Properties = cloneMap(e.Properties)
	e.Set = cloneMap(e.Set)
	e.SetOnce = cloneMap(e.SetOnce)
	e.Groups = cloneMap(e.Groups)
	return e
}

// PostHogProperties returns a fresh map of e's properties the way PostHog
// keeps them once ingested, for writing model events straight into a store
// without the HTTP round trip: person updates flattened into "$set" and
// "$set_once" (what a collector makes of TimeTracker's nested identify),
// the alias under "alias", a group identify under "$group_type",
// "$group_key" and "$group_set", and groups under "$groups".
func (e Event) PostHogProperties() map[string]any {
	p := make(map[string]any, len(e.Properties)+3)
	switch e.Kind {
	case KindGroupIdentify:
		p["$group_type"], p["$group_key"] = e.GroupType, e.GroupKey
		p["$group_set"] = cloneMap(e.Properties)
		return p
	case KindAlias:
		p["alias"] = e.Alias
		return p
	}
	for k, v := range e.Properties {
		p[k] = cloneValue(v)
	}
	if e.Set != nil {
		p["$set"] = cloneMap(e.Set)
	}
	if e.SetOnce != nil {
		p["$set_once"] = cloneMap(e.SetOnce)
	}
	if e.Groups != nil {
		p["$groups"] = cloneMap(e.Groups)
	}
	return p
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneMap(v)
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = cloneValue(x)
		}
		return c
	}
	return v
}

// UUID is a 16-byte event id. It is kept binary so that generating one costs
// no allocation; String formats it the way PostHog expects.
type UUID [16]byte

// String formats u as 8-4-4-4-12 lower-case hex.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// makeUUID derives a version-4-shaped UUID from a stream salt and a sequence
// number. It is a hash, not randomness: the same run yields the same ids, so
// a store that deduplicates by UUID can absorb a resent batch, while runs
// with another seed or start time never collide.
func makeUUID(salt, seq uint64) UUID {
	a := mix64(salt ^ mix64(seq))
	b := mix64(a ^ 0x9e3779b97f4a7c15 ^ seq)
	var u UUID
	for i := range 8 {
		u[i] = byte(a >> (56 - 8*i))
		u[8+i] = byte(b >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// mix64 is SplitMix64's finaliser: a cheap, well-distributed 64-bit hash.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
