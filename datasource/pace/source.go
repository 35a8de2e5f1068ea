package pace

import (
	"context"
	"fmt"

	"github.com/ttmon/ttmon/datasource"
)

// Snapshot is the poll: it counts against the budget, not the reserve.
func (s *Source) Snapshot(ctx context.Context, q datasource.Query) (out *datasource.Snapshot, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.src.Snapshot(ctx, q); return e })
	return out, err
}

// Values is a lookup.
func (s *Source) Values(ctx context.Context, q datasource.ValuesQuery) (out []datasource.ValueCount, err error) {
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = s.src.Values(ctx, q); return e })
	return out, err
}

// Properties is a lookup.
func (s *Source) Properties(ctx context.Context) (out []datasource.Property, err error) {
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = s.src.Properties(ctx); return e })
	return out, err
}

// Events is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Events(ctx context.Context, q datasource.EventsQuery) (out []datasource.Event, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.src.Events(ctx, q); return e })
	return out, err
}

// Installations is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Installations(ctx context.Context, q datasource.InstallationsQuery) (out []datasource.Installation, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.src.Installations(ctx, q); return e })
	return out, err
}

// Breakdown is a drilldown: polled like Snapshot (see PollInterval).
func (s *Source) Breakdown(ctx context.Context, q datasource.BreakdownQuery) (out []datasource.ValueCount, err error) {
	err = s.call(ctx, false, func(ctx context.Context) (e error) { out, e = s.src.Breakdown(ctx, q); return e })
	return out, err
}

// Info is the wrapped source's.
func (s *Source) Info() datasource.Info { return s.src.Info() }

// Cohorts lists the wrapped source's cohorts (a lookup); none when it has
// no cohorts.
func (s *Source) Cohorts(ctx context.Context) (out []datasource.Cohort, err error) {
	cl, ok := s.src.(datasource.CohortLister)
	if !ok {
		return []datasource.Cohort{}, nil
	}
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = cl.Cohorts(ctx); return e })
	return out, err
}

// Check runs the wrapped source's check within the budget.
func (s *Source) Check(ctx context.Context, m datasource.Mapping) (out *datasource.CheckReport, err error) {
	ch, ok := s.src.(datasource.Checker)
	if !ok {
		return nil, fmt.Errorf("%s cannot check its setup", s.src.Info())
	}
	err = s.call(ctx, true, func(ctx context.Context) (e error) { out, e = ch.Check(ctx, m); return e })
	return out, err
}
