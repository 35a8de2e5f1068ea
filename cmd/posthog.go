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
	ph, err := posthog.New(host, c.Project, c.APIKey, posthog.WithMapping(a.cfg.Events), posthog.WithLogger(a.log))
	if err != nil {
		return nil, nil, err
	}
	a.log.Info("posthog source", "source", ph.Info().String(), "budget", budget.String())
	return cache.New(pace.New(ph, budget)), func() {}, nil
}
