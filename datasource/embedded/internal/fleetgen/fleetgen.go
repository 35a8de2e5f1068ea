// Package fleetgen makes the embedded store's benchmark data sets: a month
// of TimeTracker traffic from the fleet simulator's model (5,000
// installations, 20,000 users), scaled to a target event count, as plain
// events ready to be written straight into a store.
//
// The model's natural month is about 8M events. Scaling keeps the
// simulator's shapes (working hours, hourly health pings, upgrades, error
// bursts) and changes only volume:
//
//   - below the natural count, every event is kept with one probability,
//     decided by a hash of its UUID, except $create_alias, $groupidentify,
//     telemetry.install and telemetry.update, which are always kept so that
//     persons merge and versions move as in the full month;
//   - above it, user actions (timers, page views, logins, exports, errors,
//     projects, tasks, reports, ...) get a "twin" with the probability
//     that makes up the difference: the same event by the same user 1 s
//     to 10 min later, with its own UUID, as if users were that much
//     busier. Installations' heartbeats keep
//     their hourly rhythm.
//
// Everything is deterministic: the same target gives the same events.
package fleetgen

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"iter"
	"time"

	"github.com/ttmon/ttmon/datasource/simulate"
)

// Version names the scaling rules below; bump it when they change. Changes
// to the simulator itself show up in Fingerprint.
const Version = 2

// Fleet size and window, fixed by the benchmark's definition.
const (
	Installs = 5000
	Users    = 20000
	Days     = 30
	seed     = 1
)

// End is the end of the generated month (exclusive) and the model's "now".
var End = time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)

// Start is the beginning of the generated month.
var Start = End.Add(-Days * 24 * time.Hour)

// Event is one generated event in the shape the store ingests.
type Event struct {
	UUID       string
	Name       string
	DistinctID string
	Timestamp  time.Time
	Properties map[string]any
}

// Model is the fleet behind every data set.
func Model() *simulate.Model {
	return simulate.NewModel(simulate.ModelConfig{Seed: seed, Now: End, Installs: Installs, Users: Users})
}

// Fingerprint identifies the generator's output: Version plus a digest of
// the model's first 20,000 events, so a cached data set is regenerated
// when the simulator changes what it emits.
func Fingerprint() string {
	h := sha256.New()
	binary.Write(h, binary.LittleEndian, int64(Version))
	enc := json.NewEncoder(h)
	n := 0
	for e := range Model().Backfill(Start, Start.Add(24*time.Hour)) {
		_ = enc.Encode([]any{e.Name, e.DistinctID, e.Timestamp.UnixMilli(), e.UUID.String(), e.PostHogProperties()})
		if n++; n == 20000 {
			break
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Counts is what one pass over the natural month found; Plan needs it.
type Counts struct {
	// Total events, Kept the ones thinning never drops, Twinnable the user
	// actions that can be twinned.
	Total, Kept, Twinnable int64
}

// Count makes one pass over the natural month (about 45 s).
func Count() Counts {
	var c Counts
	for e := range Model().Backfill(Start, End) {
		c.Total++
		switch {
		case alwaysKept(e.Name):
			c.Kept++
		case twinnable(e.Name):
			c.Twinnable++
		}
	}
	return c
}

// Plan is how a target is reached: the probability of keeping a thinnable
// event and the probability of twinning a user action.
type Plan struct {
	Keep, Twin float64
}

// PlanFor scales the natural month c to about target events.
func PlanFor(c Counts, target int64) Plan {
	if target <= c.Total {
		return Plan{Keep: float64(max(target-c.Kept, 0)) / float64(max(c.Total-c.Kept, 1))}
	}
	return Plan{Keep: 1, Twin: min(float64(target-c.Total)/float64(max(c.Twinnable, 1)), 1)}
}

// Events yields the scaled month in timestamp order (twins excepted, which
// trail their original by up to 10 minutes).
func Events(p Plan) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for e := range Model().Backfill(Start, End) {
			u := e.UUID
			h := binary.LittleEndian.Uint64(u[:8])
			if !alwaysKept(e.Name) && p.Keep < 1 && unit(h) >= p.Keep {
				continue
			}
			ev := Event{UUID: u.String(), Name: e.Name, DistinctID: e.DistinctID,
				Timestamp: e.Timestamp, Properties: e.PostHogProperties()}
			if !yield(ev) {
				return
			}
			if p.Twin > 0 && twinnable(e.Name) && unit(mix(h)) < p.Twin {
				twin := ev
				twin.Properties = e.PostHogProperties()
				t := mix(mix(h))
				twin.Timestamp = ev.Timestamp.Add(time.Second + time.Duration(t%uint64(10*time.Minute/time.Millisecond))*time.Millisecond)
				binary.LittleEndian.PutUint64(u[:8], t)
				u[6] = u[6]&0x0f | 0x40
				twin.UUID = u.String()
				if !yield(twin) {
					return
				}
			}
		}
	}
}

func alwaysKept(name string) bool {
	switch name {
	case "$create_alias", "$groupidentify", simulate.EventInstall, simulate.EventUpdate:
		return true
	}
	return false
}

func twinnable(name string) bool {
	switch name {
	case simulate.EventLogin, simulate.EventLogout, simulate.EventPageview, simulate.EventTimerStarted,
		simulate.EventTimerStopped, simulate.EventTimerResumed, simulate.EventExportCSV, simulate.EventExportExcel,
		simulate.EventError, simulate.EventException:
		return true
	}
	return featureEvents[name]
}

// featureEvents are the simulator's occasional user actions (projects,
// tasks, reports, ...), twinned like the other user actions.
var featureEvents = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range simulate.FeatureEvents() {
		m[n] = true
	}
	return m
}()

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
