package pace

import (
	"context"
	"fmt"

	"github.com/ttmon/ttmon/datasource"
)

// Snapshot is the poll: it counts against the budget, not the reserve.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (out *datasource.Snapshot, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.Inner.Snapshot(ctx, q); return e })
	return out, err
}

// Values is a lookup.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) (out []datasource.ValueCount, err error) {
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = s.Inner.Values(ctx, q); return e })
	return out, err
}

// Properties is a lookup.
func (s *Source) Properties(ctx context.Context) (out []datasource.Property, err error) {
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = s.Inner.Properties(ctx); return e })
	return out, err
}

// Events is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) (out []datasource.Event, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.Inner.Events(ctx, q); return e })
	return out, err
}

// Installations is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) (out []datasource.Installation, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.Inner.Installations(ctx, q); return e })
	return out, err
}

// Breakdown is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) (out []datasource.ValueCount, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.Inner.Breakdown(ctx, q); return e })
	return out, err
}

// Relays names Cohorts and Check: paced, and offered, only over a source
// that has them.
func (s *Source) Relays() datasource.Caps { return datasource.CanListCohorts | datasource.CanCheck }

// Cohorts lists the wrapped source's cohorts (a lookup); none when it has
// no cohorts.
func (s *Source) Cohorts(ctx context.Context) (out []datasource.Cohort, err error) {
	cl, ok := datasource.As[datasource.CohortLister](s.Inner)
	if !ok {
		return []datasource.Cohort{}, nil
	}
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = cl.Cohorts(ctx); return e })
	return out, err
}

// Check runs the wrapped source's check within the budget.
func (s *Source) Check(ctx context.Context, m datasource.Mapping) (out *datasource.CheckReport, err error) {
	ch, ok := datasource.As[datasource.Checker](s.Inner)
	if !ok {
		return nil, fmt.Errorf("%s cannot check its setup", s.Inner.Info())
	}
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = ch.Check(ctx, m); return e })
	return out, err
}
