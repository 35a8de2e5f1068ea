package simulate

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"
)

// The event names only TimeTracker 5.x sends.
const (
	EventFirstSeen = "base_telemetry.first_seen"
	EventIdentify5 = "analytics.identify"
)

// ToRecord turns a model event (PostHog-era TimeTracker) into what
// TimeTracker 5.x sends for the same happening, and reports false for
// events 5.x does not send at all:
//
//   - the daily heartbeat becomes base_telemetry.heartbeat and the
//     installation's birth base_telemetry.first_seen, identity = install_id,
//     with the base telemetry's thirteen properties (deployment_type, not
//     deployment_method);
//   - product events keep their name and properties; the identity is the
//     user's local id (the part after the installation id the model
//     prefixes it with) or the installation's fingerprint for
//     telemetry.*, and TimeTracker's request context is added without
//     PostHog's "$" (current_url, host, ...);
//   - a user's identify becomes analytics.identify with the user's local id
//     and no install_id, its "$set" and "$set_once" dicts sent as str(),
//     as 5.x does;
//   - aliases, group identifies, installation identifies and $exception
//     (PostHog error tracking) are not sent by 5.x;
//   - the model's 4.x releases are renumbered 5.x (4.9.1 -> 5.9.1), so a
//     demo shows which world it is looking at.
func ToRecord(e Event) (Record, bool) {
	switch e.Kind {
	case KindAlias, KindGroupIdentify:
		return Record{}, false
	case KindIdentify:
		_, local, ok := strings.Cut(e.DistinctID, ":")
		if !ok {
			return Record{}, false // an installation's identify
		}
		var props []Prop
		if e.Set != nil {
			props = append(props, Prop{"$set", e.Set})
		}
		if e.SetOnce != nil {
			props = append(props, Prop{"$set_once", e.SetOnce})
		}
		return Record{Name: EventIdentify5, Identity: local, Detailed: true, Props: props, Time: e.Timestamp}, true
	}
	p := renumber(e.Properties)
	str := func(k string) string { s, _ := p[k].(string); return s }
	install := str("install_id")
	rec := Record{Name: e.Name, ServiceVersion: str("app_version"), Environment: str("environment"), Time: e.Timestamp}
	switch e.Name {
	case EventException:
		return Record{}, false
	case EventHeartbeat, EventInstall:
		if e.Name == EventInstall {
			rec.Name = EventFirstSeen
		}
		rec.Identity = install
		rec.Props = baseProps(p, install, e.Timestamp)
		return rec, true
	}
	rec.Detailed = true
	if _, local, ok := strings.Cut(e.DistinctID, ":"); ok {
		rec.Identity = local
	} else {
		rec.Identity = fingerprint(install) // telemetry.* pings
	}
	rec.Props = productProps(p, install)
	return rec, true
}

// renumber returns p with its version properties moved from 4.x to 5.x; p
// itself (borrowed from the model) is not changed.
func renumber(p map[string]any) map[string]any {
	var out map[string]any
	for _, k := range [...]string{"app_version", "old_version", "new_version"} {
		v, ok := p[k].(string)
		if !ok || !strings.HasPrefix(v, "4.") {
			continue
		}
		if out == nil {
			out = maps.Clone(p)
		}
		out[k] = "5." + v[2:]
	}
	if out == nil {
		return p
	}
	return out
}

// fingerprint stands in for TimeTracker's telemetry_fingerprint (a sha256
// of the host name and a salt): stable per installation.
func fingerprint(install string) string {
	sum := sha256.Sum256([]byte("ttmon-simulate:" + install))
	return hex.EncodeToString(sum[:])
}

// baseProps are the base telemetry's properties in TimeTracker's order.
func baseProps(p map[string]any, install string, t time.Time) []Prop {
	platform, _ := p["platform"].(string)
	osVersion, arch := "6.1.0-18-amd64", "x86_64"
	switch platform {
	case "Windows":
		osVersion, arch = "10", "AMD64"
	case "Darwin":
		osVersion, arch = "23.4.0", "arm64"
	}
	now := pyISO(t)
	return []Prop{
		{"install_id", install},
		{"telemetry_fingerprint", fingerprint(install)},
		{"app_version", p["app_version"]},
		{"platform", platform},
		{"os_version", osVersion},
		{"architecture", arch},
		{"locale", "en_US"},
		{"timezone", p["timezone"]},
		{"first_seen_at", now},
		{"last_seen_at", now},
		{"heartbeat_at", now},
		{"release_channel", "default"},
		{"deployment_type", p["deployment_method"]},
	}
}

// pyISO is Python's datetime.now(timezone.utc).isoformat().
func pyISO(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05+00:00")
	}
	return t.Format("2006-01-02T15:04:05.000000+00:00")
}

// contextKeys are PostHog's request context properties and the names
// TimeTracker 5.x gives them.
var contextKeys = [...][2]string{
	{"$current_url", "current_url"}, {"$host", "host"}, {"$pathname", "pathname"},
	{"$browser", "browser"}, {"$device_type", "device_type"}, {"$os", "os"},
}

// productProps are send_analytics_event's properties: the event's own
// (sorted: Go maps keep no order), then what it adds, in its order.
func productProps(p map[string]any, install string) []Prop {
	added := map[string]bool{"install_id": true, "telemetry_fingerprint": true, "environment": true,
		"app_version": true, "deployment_method": true}
	for _, k := range contextKeys {
		added[k[0]] = true
	}
	var out []Prop
	for _, k := range sortedKeys(p) {
		if !added[k] && p[k] != nil {
			out = append(out, Prop{k, p[k]})
		}
	}
	out = append(out,
		Prop{"install_id", install},
		Prop{"telemetry_fingerprint", fingerprint(install)},
		Prop{"environment", orProduction(strOf(p["environment"]))},
		Prop{"app_version", p["app_version"]},
		Prop{"deployment_method", p["deployment_method"]},
	)
	for _, k := range contextKeys {
		if v, ok := p[k[0]]; ok {
			out = append(out, Prop{k[1], v})
		}
	}
	return out
}

func strOf(v any) string { s, _ := v.(string); return s }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
