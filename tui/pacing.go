package tui

import (
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// requests is how many backend requests the job makes: one snapshot, or
// each of a drill view's breakdowns, events and installations.
func (j job) requests() int {
	if j.req == nil {
		return 1
	}
	n := len(j.req.Breakdowns)
	if j.req.Events != nil {
		n++
	}
	if j.req.Installations != nil {
		n++
	}
	if len(j.req.Panes) > 0 {
		n++ // one Snapshot answers them all
	}
	return max(n, 1)
}

// fillInterval is how often a source whose history is still arriving
// (datasource.Filler) is polled, so its panes fill visibly.
const fillInterval = time.Second

// pace sets the interval polls keep: the requested one (at most
// fillInterval while the source's history is still arriving:
// datasource.Filler, whose word on it the header shows), or the source's budget's when that is longer
// (datasource.Pacer: PostHog's query limits), with the reason for the header (also given when a 429 lowered
// the budget but the interval still fits). A drill view's poll that makes
// two requests is paced as two polls, so it spends what a dashboard poll
// does. Asked before every poll, so a budget learned from a 429, or
// lookups spending the reserve, move the interval at once.
func (p *poller) pace() {
	p.interval, p.why, p.filling = p.requested, "", ""
	if f, ok := datasource.As[datasource.Filler](p.src); ok {
		if p.filling = f.Filling(); p.filling != "" && p.interval > fillInterval {
			p.interval = fillInterval // the header says why (freshness)
		}
	}
	pc, ok := datasource.As[datasource.Pacer](p.src)
	if !ok {
		return
	}
	n := time.Duration(max(p.perPoll, 1))
	iv, why := pc.PollInterval(p.requested / n)
	if iv *= n; iv >= p.requested {
		p.interval, p.why = iv, why
	}
}

// step moves the requested interval one step slower (up) or faster from
// the interval polls keep, and says what polling does now. Faster stops
// at the budget: the interval does not go below what it allows, and the
// next + is felt at once.
func (p *poller) step(up bool) string {
	p.requested = stepInterval(p.interval, up)
	p.pace()
	if p.interval > p.requested {
		return "every " + common.Age(p.interval) + ": no faster under the " + p.why
	}
	return "polling every " + common.Age(p.interval)
}
