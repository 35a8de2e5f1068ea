// Package cohort names sets of filters: the presets from TimeTracker's docs,
// the cohorts saved in the config file, and the cohorts a backend keeps
// (PostHog, through datasource.CohortLister). The monitor's picker and
// `ttmon snapshot --cohort NAME` both resolve a name to filters here, so a
// cohort means the same thing everywhere.
package cohort

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

// The presets' names, as TimeTracker's docs call them.
const (
	DockerOnLatest = "Docker users on latest"
	AdminsOIDC     = "Admins using OIDC"
)

// Kind says where a cohort comes from.
type Kind int

// Kinds, in the order the picker lists them.
const (
	Preset Kind = iota
	Saved
	Backend
)

// String names the kind for people.
func (k Kind) String() string {
	switch k {
	case Saved:
		return "saved"
	case Backend:
		return "backend"
	}
	return "preset"
}

// Cohort is one named set of filters.
type Cohort struct {
	Name string
	Kind Kind
	// Filters are filter expressions (datasource.ParseFilter syntax).
	// "On the newest release" is written `current_version is latest`: it
	// is resolved when each query runs (package datasource/figures), so
	// the cohort, saved or not, follows new releases.
	Filters []string
	// ID is the backend's cohort id (Kind Backend): it resolves to cohort=ID.
	ID string
	// Size is a backend cohort's member count; -1 when unknown.
	Size int64
}

// Describe is the one-line summary the picker shows beside the name.
func (c Cohort) Describe() string {
	switch {
	case c.Kind == Backend && c.Size >= 0:
		return fmt.Sprintf("cohort=%s · %d persons", c.ID, c.Size)
	case c.Kind == Backend:
		return "cohort=" + c.ID
	}
	return strings.Join(c.Filters, " · ")
}

// Presets are the cohorts TimeTracker's docs name (ARCHITECTURE.md, TimeTracker's data).
func Presets() []Cohort {
	return []Cohort{
		{Name: DockerOnLatest, Kind: Preset, Filters: []string{"deployment_method=docker", "current_version is latest"}, Size: -1},
		{Name: AdminsOIDC, Kind: Preset, Filters: []string{"is_admin=true", "auth_method=oidc"}, Size: -1},
	}
}

// ErrExists is wrapped by savers when a cohort of that name is already
// saved and overwriting was not asked for.
var ErrExists = errors.New("a cohort with that name exists")

// ErrUnknown is wrapped by Find for a name no cohort has.
var ErrUnknown = errors.New("no cohort has that name")

// Catalog is every cohort one can pick: the presets, the saved ones, and
// the backend's. The zero value lists the presets only.
type Catalog struct {
	// Saved are the cohorts of the config file.
	Saved []Cohort
}

// Local lists the cohorts known without asking the source: presets, then
// saved ones.
func (c Catalog) Local() []Cohort {
	out := Presets()
	for _, s := range c.Saved {
		s.Kind, s.Size = Saved, -1
		out = append(out, s)
	}
	return out
}

// FromSource lists the source's own cohorts, or nothing when it keeps none.
func FromSource(ctx context.Context, src datasource.Source) ([]Cohort, error) {
	l, ok := datasource.As[datasource.CohortLister](src)
	if !ok {
		return nil, nil
	}
	bs, err := l.Cohorts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Cohort, 0, len(bs))
	for _, b := range bs {
		out = append(out, Cohort{Name: b.Name, Kind: Backend, ID: b.ID, Size: b.Count})
	}
	return out, nil
}

// Find returns the cohort called name: an exact match first, then a
// unique case-insensitive one, among the local cohorts and then the
// backend's. An unknown name is an error (wrapping ErrUnknown) that lists
// the names there are.
func (c Catalog) Find(ctx context.Context, src datasource.Source, name string) (Cohort, error) {
	local := c.Local()
	if co, ok := match(local, name); ok {
		return co, nil
	}
	backend, berr := FromSource(ctx, src)
	if co, ok := match(backend, name); ok {
		return co, nil
	}
	names := make([]string, 0, len(local)+len(backend))
	for _, co := range append(local, backend...) {
		names = append(names, fmt.Sprintf("%q", co.Name))
	}
	err := fmt.Errorf("cohort %q: %w; use one of %s", name, ErrUnknown, strings.Join(names, ", "))
	if berr != nil {
		err = fmt.Errorf("%w (the source's own cohorts could not be listed: %v)", err, berr)
	}
	return Cohort{}, err
}

func match(cs []Cohort, name string) (Cohort, bool) {
	for _, co := range cs {
		if co.Name == name {
			return co, true
		}
	}
	var found []Cohort
	for _, co := range cs {
		if strings.EqualFold(co.Name, name) {
			found = append(found, co)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Cohort{}, false
}

// Resolve turns a cohort into the filters that keep its members. It asks
// the source nothing: `is latest` stays in the filters and is resolved
// per query, over that query's range (datasource/figures).
func (c Catalog) Resolve(_ context.Context, _ datasource.Source, co Cohort) ([]datasource.Filter, error) {
	if co.Kind == Backend {
		return []datasource.Filter{datasource.Cohort{ID: co.ID}.Filter()}, nil
	}
	out := make([]datasource.Filter, 0, len(co.Filters))
	for _, e := range co.Filters {
		f, err := datasource.ParseFilter(e)
		if err != nil {
			return nil, fmt.Errorf("cohort %q: filter %q: %w", co.Name, e, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// ResolveName is Find then Resolve.
func (c Catalog) ResolveName(ctx context.Context, src datasource.Source, name string) ([]datasource.Filter, error) {
	co, err := c.Find(ctx, src, name)
	if err != nil {
		return nil, err
	}
	return c.Resolve(ctx, src, co)
}

// Exprs renders filters as the expressions a saved cohort keeps.
func Exprs(fs []datasource.Filter) []string { return datasource.FilterStrings(fs) }
