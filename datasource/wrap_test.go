package datasource_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/cache"
	"github.com/ttmon/ttmon/datasource/embedded"
	"github.com/ttmon/ttmon/datasource/figures"
	"github.com/ttmon/ttmon/datasource/pace"
	"github.com/ttmon/ttmon/datasource/posthog"
	"github.com/ttmon/ttmon/datasource/shared"
)

// stacks builds the decorator stacks cmd builds: `ttmon` and `ttmon
// ssh` over the embedded store (figures, then shared), and over PostHog
// (pace and cache beneath them).
func stacks(t *testing.T) (store, ph datasource.Source) {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := posthog.New("https://eu.posthog.com", "1", "phx_test")
	if err != nil {
		t.Fatal(err)
	}
	rule := datasource.DefaultLatestRule()
	store = shared.New(figures.New(st, rule), time.Minute)
	ph = shared.New(figures.New(cache.New(pace.New(p, pace.DefaultBudget)), rule), time.Minute)
	return store, ph
}

// TestCapabilitiesAreTrue: a decorator stack offers what its source
// offers, and nothing more: no cohort list over the embedded store, the
// PostHog adapter's cohorts and check (paced and shared) over PostHog, and
// a budget only where pace is.
func TestCapabilitiesAreTrue(t *testing.T) {
	store, ph := stacks(t)
	if got, want := datasource.Capabilities(store), datasource.CanCheck; got != want {
		t.Errorf("over the embedded store: %s, want %s", got, want)
	}
	if _, ok := datasource.As[datasource.CohortLister](store); ok {
		t.Error("over the embedded store the stack offers backend cohorts")
	}
	want := datasource.CanListCohorts | datasource.CanCheck | datasource.CanPace
	if got := datasource.Capabilities(ph); got != want {
		t.Errorf("over PostHog: %s, want %s", got, want)
	}
	// The outermost layer that changes a capability answers for it:
	// cohorts are shared, the check is paced, the budget is pace's.
	if cl, _ := datasource.As[datasource.CohortLister](ph); cl != ph.(datasource.CohortLister) {
		t.Errorf("cohorts answered by %T, want the sharing decorator", cl)
	}
	ch, _ := datasource.As[datasource.Checker](ph)
	if _, paced := ch.(*pace.Source); !paced {
		t.Errorf("check answered by %T, want the pacing decorator", ch)
	}
	if p, ok := datasource.As[*pace.Source](ph); !ok || p == nil {
		t.Error("the pacing decorator is not found in the PostHog stack")
	}
}

// TestWrapperPassesThrough: the base forwards the Source methods and
// claims no capability of its own.
func TestWrapperPassesThrough(t *testing.T) {
	store, _ := stacks(t)
	w := datasource.Wrap(store)
	if w.Info() != store.Info() || w.Unwrap() != store {
		t.Errorf("info %v, unwrap %v", w.Info(), w.Unwrap())
	}
	if _, err := w.Properties(context.Background()); err != nil {
		t.Errorf("properties: %v", err)
	}
	var src datasource.Source = w
	if _, ok := src.(datasource.Checker); ok {
		t.Error("the base claims a capability itself")
	}
	if _, ok := datasource.As[datasource.Checker](src); !ok {
		t.Error("the store's check is not found through the base")
	}
}

// relay claims cohorts but only relays them.
type relay struct{ datasource.Wrapper }

func (relay) Relays() datasource.Caps { return datasource.CanListCohorts }
func (relay) Cohorts(context.Context) ([]datasource.Cohort, error) {
	return nil, nil
}

func TestRelayerCountsOnlyOverTheCapability(t *testing.T) {
	store, ph := stacks(t)
	if _, ok := datasource.As[datasource.CohortLister](relay{datasource.Wrap(store)}); ok {
		t.Error("a relay over a source without cohorts offers them")
	}
	if cl, ok := datasource.As[datasource.CohortLister](relay{datasource.Wrap(ph)}); !ok {
		t.Error("a relay over PostHog lost its cohorts")
	} else if _, isRelay := cl.(relay); !isRelay {
		t.Errorf("answered by %T, want the relay itself", cl)
	}
	if _, ok := datasource.As[datasource.CohortLister](nil); ok {
		t.Error("nil offers cohorts")
	}
}

func TestCapsString(t *testing.T) {
	for c, want := range map[datasource.Caps]string{
		0: "none", datasource.CanPace: "Pacer",
		datasource.CanListCohorts | datasource.CanCheck: "CohortLister,Checker",
	} {
		if got := c.String(); got != want {
			t.Errorf("%d: %q, want %q", c, got, want)
		}
	}
}
