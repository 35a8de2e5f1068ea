// Package fleetgen makes the embedded store's benchmark data sets: a month
// of TimeTracker traffic from the fleet simulator's model (5,000
// installations, 20,000 users), scaled to a target event count, as plain
// events ready to be written straight into a store.
//
// The model's natural month is about 8M events. Scaling keeps the
// simulator's shapes (working hours, hourly health pings, upgrades, error
// bursts) and changes only volume:
//
//   - below the natural count, the events with the lowest UUID hashes are
//     kept, as many as the target needs, except $create_alias,
//     $groupidentify, telemetry.install and telemetry.update, which are
//     always kept so that persons merge and versions move as in the full
//     month;
//   - above it, the user actions (timers, page views, logins, exports,
//     errors, projects, tasks, reports, ...) with the lowest twin hashes
//     get a "twin": the same event by the same user 1 s to 10 min later,
//     with its own UUID, as if users were that much busier. Past one
//     twin per action (about 12.6M events), every action gets Rounds
//     twins and those with the lowest twin hashes one more, each twin's
//     hash and delay drawn from the one before it; sizes below 12.6M
//     are the same events as before twins could repeat.
//     Installations' heartbeats keep their hourly rhythm.
//
// A data set has exactly the size it is named for: PlanExact finds the
// thresholds that give it, or refuses.
//
// Everything is deterministic: the same target gives the same events.
package fleetgen

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/ttmon/ttmon/datasource/simulate"
)

// Version names the scaling rules below; bump it when they change. Changes
// to the simulator itself show up in Fingerprint.
const Version = 3

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

// Plan is how a target is reached exactly: a thinnable event is kept when
// its hash is below KeepBelow, and a user action gets Rounds twins, plus
// one more when its twin hash is below TwinBelow. The thresholds are the
// target's order statistics over the natural month, so Events yields
// exactly Events events.
type Plan struct {
	Events    int64
	KeepBelow uint64
	TwinBelow uint64
	Rounds    int `json:",omitempty"`
}

// MaxRounds bounds the twins every user action gets (a 30-day month of
// about 50M events): past it a target is refused, not approximated.
const MaxRounds = 9

// PlanExact makes one pass over the natural month (about 45 s) and returns
// the plan that yields exactly target events, or an error when no plan
// can: fewer events than those thinning never drops, more than every user
// action twinned, or two events with the same hash at the threshold.
func PlanExact(target int64) (Plan, error) {
	var kept, total int64
	var thin, twin []uint64
	for e := range Model().Backfill(Start, End) {
		total++
		h := binary.LittleEndian.Uint64(e.UUID[:8])
		switch {
		case alwaysKept(e.Name):
			kept++
		default:
			thin = append(thin, h)
		}
		if twinnable(e.Name) {
			twin = append(twin, mix(h))
		}
	}
	p := Plan{Events: target, KeepBelow: math.MaxUint64}
	switch {
	case target < kept:
		return p, fmt.Errorf("fleetgen: %d events is fewer than the %d the month always keeps", target, kept)
	case target <= total:
		below, err := nth(thin, int(target-kept))
		p.KeepBelow = below
		return p, err
	case len(twin) == 0 || target-total >= int64(MaxRounds+1)*int64(len(twin)):
		return p, fmt.Errorf("fleetgen: %d events is more than the month with every user action twinned %d times (%d)",
			target, MaxRounds+1, total+int64(MaxRounds+1)*int64(len(twin))-1)
	}
	extra := target - total
	p.Rounds = int(extra / int64(len(twin)))
	below, err := nth(twin, int(extra%int64(len(twin))))
	p.TwinBelow = below
	return p, err
}

// nth returns the threshold below which exactly k of hs lie.
func nth(hs []uint64, k int) (uint64, error) {
	slices.Sort(hs)
	switch {
	case k == len(hs):
		if k > 0 && hs[k-1] == math.MaxUint64 {
			return 0, errors.New("fleetgen: a hash at the top of the range; no exact plan")
		}
		return math.MaxUint64, nil
	case k > 0 && hs[k-1] == hs[k]:
		return 0, errors.New("fleetgen: two events share the threshold's hash; no exact plan")
	}
	return hs[k], nil
}

// Events yields the scaled month in timestamp order (twins excepted, which
// trail their original by up to 10 minutes): p.Events events when p comes
// from PlanExact.
func Events(p Plan) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for e := range Model().Backfill(Start, End) {
			u := e.UUID
			h := binary.LittleEndian.Uint64(u[:8])
			if !alwaysKept(e.Name) && h >= p.KeepBelow {
				continue
			}
			ev := Event{UUID: u.String(), Name: e.Name, DistinctID: e.DistinctID,
				Timestamp: e.Timestamp, Properties: e.PostHogProperties()}
			if !yield(ev) {
				return
			}
			if !twinnable(e.Name) {
				continue
			}
			twins := p.Rounds
			if mix(h) < p.TwinBelow {
				twins++
			}
			t := mix(h)
			for range twins {
				t = mix(t)
				twin := ev
				twin.Properties = e.PostHogProperties()
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

// mix is SplitMix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
