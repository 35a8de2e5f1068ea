package cache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

type stub struct {
	datasource.Source
	values, props int
	fail          bool
}

func (s *stub) Values(_ context.Context, q datasource.ValuesQuery) ([]datasource.ValueCount, error) {
	s.values++
	if s.fail {
		return nil, errors.New("down")
	}
	return []datasource.ValueCount{{Value: q.Key, Count: int64(s.values)}}, nil
}

func (s *stub) Properties(context.Context) ([]datasource.Property, error) {
	s.props++
	return []datasource.Property{{Key: "k", Scope: datasource.ScopeEvent}}, nil
}

func (s *stub) Info() datasource.Info { return datasource.Info{Kind: "stub"} }

func (s *stub) PollInterval(d time.Duration) (time.Duration, string) { return 2 * d, "budget" }

func TestValuesCachedForTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	st := &stub{}
	c := New(st, WithClock(func() time.Time { return now }))
	ctx := context.Background()
	ask := func(key string, at time.Time) datasource.ValuesQuery {
		r, _ := datasource.ParseRange("1h", at)
		return datasource.ValuesQuery{Query: datasource.Query{Range: r}, Scope: datasource.ScopePerson, Key: key}
	}
	first, _ := c.Values(ctx, ask("auth_method", now))
	first[0].Value = "edited by the caller"
	// Two minutes later the 1h window has slid; the question is the same.
	now = now.Add(2 * time.Minute)
	got, _ := c.Values(ctx, ask("auth_method", now))
	if st.values != 1 || got[0].Value != "auth_method" {
		t.Errorf("second ask: %d backend calls, got %v", st.values, got)
	}
	c.Values(ctx, ask("platform", now))
	if st.values != 2 {
		t.Errorf("another key must be asked: %d calls", st.values)
	}
	now = now.Add(DefaultTTL)
	c.Values(ctx, ask("auth_method", now))
	if st.values != 3 {
		t.Errorf("after the TTL the backend is asked again: %d calls", st.values)
	}
	st.fail = true
	now = now.Add(DefaultTTL)
	if _, err := c.Values(ctx, ask("auth_method", now)); err == nil {
		t.Fatal("error swallowed")
	}
	st.fail = false
	c.Values(ctx, ask("auth_method", now))
	if st.values != 5 {
		t.Errorf("errors are not cached: %d calls", st.values)
	}
}

func TestPropertiesAndPassThrough(t *testing.T) {
	st := &stub{}
	c := New(st)
	for range 3 {
		if p, err := c.Properties(context.Background()); err != nil || len(p) != 1 {
			t.Fatal(p, err)
		}
	}
	if st.props != 1 {
		t.Errorf("properties asked %d times", st.props)
	}
	p, ok := datasource.As[datasource.Pacer](c)
	if !ok {
		t.Fatal("the wrapped source's Pacer is not found through the cache")
	}
	if iv, why := p.PollInterval(time.Second); iv != 2*time.Second || why != "budget" {
		t.Errorf("Pacer not passed through: %v %q", iv, why)
	}
	if _, ok := datasource.As[datasource.CohortLister](c); ok {
		t.Error("the cache offers cohorts its source does not keep")
	}
}
