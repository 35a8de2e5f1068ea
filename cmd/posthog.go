package cmd

import (
	"context"
	"fmt"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/cache"
	"github.com/ttmon/ttmon/datasource/pace"
	"github.com/ttmon/ttmon/datasource/posthog"
)

// openPostHog builds the PostHog source from a.cfg.PostHog: the adapter,
// inside the budget and backoff decorator, inside the 10-minute cache of
// Values and Properties. An ingestion host is swapped for its API host,
// with a notice on stderr (before any UI starts).
func (a *app) openPostHog(_ context.Context) (datasource.Source, func(), error) {
	c := a.cfg.PostHog
	host, notice, err := posthog.NormalizeHost(c.Host)
	if err != nil {
		return nil, nil, err
	}
	if notice != "" {
		fmt.Fprintf(a.stderr, "ttmon: %s\n", notice)
		a.log.Info(notice)
	}
	budget, err := pace.ParseBudget(c.QueryBudget)
	if err != nil {
		return nil, nil, err
	}
	ph, err := posthog.New(host, c.Project, c.APIKey, posthog.WithMapping(a.cfg.Events), posthog.WithLogger(a.log), posthog.WithClock(a.now))
	if err != nil {
		return nil, nil, err
	}
	a.log.Info("posthog source", "source", ph.Info().String(), "budget", budget.String())
	return cache.New(pace.New(ph, budget, pace.WithClock(a.now)), cache.WithClock(a.now)), func() {}, nil
}

// pacerOf finds the budget decorator in src's chain of decorators; nil
// when src has none (the embedded store).
func pacerOf(src datasource.Source) *pace.Source {
	p, _ := datasource.As[*pace.Source](src)
	return p
}

// budgetStatement is `ttmon check`'s line on the query budget: which one
// ttmon paces to and why.
func budgetStatement(a pace.Assumption) string {
	switch a.Basis {
	case pace.Configured:
		return a.Budget.String() + ", as configured (posthog.query_budget, --query-budget or TTMON_QUERY_BUDGET); a 429 while within it lowers it"
	case pace.Assumed:
		return a.Budget.String() + ", assumed: " + a.Why + "; set posthog.query_budget: 2400/h if your organisation has the feature"
	case pace.Trying:
		return a.Budget.String() + ", trying: " + a.Why
	}
	return a.Budget.String() + ", learned: " + a.Why
}
