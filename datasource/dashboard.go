package datasource

import (
	"slices"
	"time"
)

// Dashboard is a named list of panes, as written under `dashboards:` in the
// config file. The built-in ones (config.BuiltinDashboards) use the same
// form.
type Dashboard struct {
	// Name selects it with --dashboard and in the switcher; unique.
	Name string `yaml:"name" json:"name"`
	// Title is shown in the header.
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// Key is an optional single key that switches to it.
	Key string `yaml:"key,omitempty" json:"key,omitempty"`
	// Panes in reading order: left to right, top to bottom.
	Panes []PaneSpec `yaml:"panes" json:"panes"`
}

// DisplayTitle is the title, or the name when none is set.
func (d Dashboard) DisplayTitle() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Name
}

// Pane returns the pane with that id.
func (d Dashboard) Pane(id string) (PaneSpec, bool) {
	i := slices.IndexFunc(d.Panes, func(p PaneSpec) bool { return p.ID == id })
	if i < 0 {
		return PaneSpec{}, false
	}
	return d.Panes[i], true
}

// Builtins lists the figures this dashboard shows from the Snapshot's own
// panes; a dashboard with none can ask with PanesOnly.
func (d Dashboard) Builtins() []string {
	var out []string
	for _, p := range d.Panes {
		if p.Figure != "" {
			out = append(out, p.Figure)
		}
	}
	return out
}

// Queries resolves the dashboard's configured (non built-in) panes for a
// query range and now.
func (d Dashboard) Queries(qr Range, now time.Time) ([]PaneQuery, error) {
	var out []PaneQuery
	for _, p := range d.Panes {
		if p.Builtin() {
			continue
		}
		pq, err := ResolvePane(p, qr, now)
		if err != nil {
			return nil, err
		}
		out = append(out, pq)
	}
	return out, nil
}
