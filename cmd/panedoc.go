package cmd

import (
	"time"

	"github.com/ttmon/ttmon/datasource"
)

// paneDoc is one pane in the --json document's "panes": what it counts,
// over which range, and its figures. A built-in figure pane has Figure set
// and no Figures: its data is the document's own key of that name.
type paneDoc struct {
	ID          string                  `json:"id"`
	Title       string                  `json:"title"`
	Figure      string                  `json:"figure,omitempty"`
	Events      []string                `json:"events,omitempty"`
	Measure     datasource.Measure      `json:"measure,omitempty"`
	Breakdown   []string                `json:"breakdown,omitempty"`
	Where       []string                `json:"where,omitempty"`
	Chart       datasource.Chart        `json:"chart,omitempty"`
	Range       string                  `json:"range,omitempty"`
	From        *time.Time              `json:"from,omitempty"`
	To          *time.Time              `json:"to,omitempty"`
	StepSeconds int64                   `json:"step_seconds,omitempty"`
	Figures     *datasource.PaneFigures `json:"figures,omitempty"`
}

// paneDocs lists the view's panes for the JSON document, in print order;
// nil when the view has no configured panes and no dashboard (the document
// is then exactly schema 1's).
func paneDocs(s *datasource.Snapshot, v snapshotView) []paneDoc {
	if v.dashboard == nil && len(v.panes) == 0 {
		return nil
	}
	out := []paneDoc{}
	for _, it := range v.layout() {
		if it.figure != "" {
			id := it.figure
			if v.dashboard != nil {
				for _, p := range v.dashboard.Panes {
					if p.Figure == it.figure {
						out = append(out, paneDoc{ID: p.ID, Title: p.DisplayTitle(), Figure: p.Figure})
						break
					}
				}
				continue
			}
			out = append(out, paneDoc{ID: id, Title: id, Figure: id})
			continue
		}
		spec, r := it.pane.Spec, it.pane.Range
		from, to := r.From.UTC(), r.To.UTC()
		d := paneDoc{
			ID: spec.ID, Title: spec.DisplayTitle(), Events: spec.Events, Measure: spec.EffectiveMeasure(),
			Breakdown: spec.Breakdown, Where: spec.Where, Chart: spec.EffectiveChart(),
			Range: r.Label(), From: &from, To: &to, StepSeconds: int64(r.Step / time.Second),
		}
		if f, ok := figuresOf(s, spec.ID); ok {
			f.Series = nonNil(f.Series)
			d.Figures = &f
		}
		out = append(out, d)
	}
	return out
}
