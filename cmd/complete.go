package cmd

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
)

// completeTimeout bounds what a completion may spend asking the source: a
// shell waiting on tab must not hang on a slow PostHog or a large store.
const completeTimeout = 3 * time.Second

// completionFunc is cobra's flag completion signature.
type completionFunc = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective)

// registerCompletions gives the flags whose values can be listed a
// completion function, on every command that has them: `ttmon completion
// bash|zsh|fish|powershell` then offers ranges, cohort names, property
// names, dashboards and formats, not only flag names.
func (a *app) registerCompletions(root *cobra.Command) {
	funcs := map[string]completionFunc{
		"range":     completeRange,
		"cohort":    a.completeCohort,
		"dashboard": a.completeDashboard,
		"filter":    a.completeFilter,
		"source":    fixedCompletion("embedded\tthe local store (ttmon collect)", "posthog\ta PostHog project's query API"),
		"format":    fixedCompletion(snapshotFormats...),
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for name, f := range funcs {
			if c.NonInheritedFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, f) // once per command: cannot fail
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func fixedCompletion(values ...string) completionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeRange offers the presets and a few of the other forms.
func completeRange(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	out := make([]string, 0, len(datasource.Presets)+2)
	for _, p := range datasource.Presets {
		out = append(out, p+"\tthe last "+p)
	}
	out = append(out, "90m\tany duration", "14d\tany number of days")
	return out, cobra.ShellCompDirectiveNoFileComp
}

// quietConfig reads the settings as setup does, but never fails, logs or
// writes: completion runs inside the user's shell.
func (a *app) quietConfig(cmd *cobra.Command) config.Config {
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = a.getenv("TTMON_CONFIG")
	}
	cfg, _, _ := config.Load(path)
	_ = cfg.ApplyEnv(a.getenv)
	_ = applyFlags(&cfg, cmd.Name(), cmd.Flags())
	return cfg
}

// completionSource opens the configured source for a completion, or nil
// when it cannot be opened quietly (no store yet, no API key).
func (a *app) completionSource(cmd *cobra.Command) (datasource.Source, func()) {
	a.cfg = a.quietConfig(cmd)
	if a.log == nil {
		_ = a.openLog("") // discards
	}
	src, closeSrc, err := a.openSource(cmd.Context())
	if err != nil {
		return nil, nil
	}
	return src, closeSrc
}

// completeCohort offers the presets, the config's saved cohorts and, when
// the source lists them within completeTimeout, PostHog's.
func (a *app) completeCohort(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	a.cfg = a.quietConfig(cmd)
	var names []string
	for _, c := range a.catalog().Local() {
		names = append(names, c.Name)
	}
	if src, closeSrc := a.completionSource(cmd); src != nil {
		defer closeSrc()
		if cl, ok := src.(datasource.CohortLister); ok {
			ctx, cancel := context.WithTimeout(cmd.Context(), completeTimeout)
			defer cancel()
			if cs, err := cl.Cohorts(ctx); err == nil {
				for _, c := range cs {
					names = append(names, c.Name)
				}
			}
		}
	}
	return matching(names, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeFilter offers "name=" for each property the source knows, once
// the word does not hold an operator yet.
func (a *app) completeFilter(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if strings.ContainsAny(toComplete, "=!( ") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	src, closeSrc := a.completionSource(cmd)
	if src == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer closeSrc()
	ctx, cancel := context.WithTimeout(cmd.Context(), completeTimeout)
	defer cancel()
	props, err := src.Properties(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range props {
		out = append(out, p.Key+"=")
	}
	return matching(out, toComplete), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// matching keeps the candidates starting with prefix, sorted, once each.
func matching(cands []string, prefix string) []string {
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
