package tui

import (
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
)

// Everything the monitor draws from the data passes through these on
// arrival (in the fetch's goroutine, not in Update or View): strings any
// installation may have sent are made safe for the terminal with
// common.Printable. Answers may be shared between SSH sessions, so they
// are never changed in place: a value that needs cleaning is cleaned in a
// copy. Values that needed it cannot be matched by a filter built from the
// screen; they are garbage anyway, and the screen stays intact.

func printableSnapshot(s *datasource.Snapshot) *datasource.Snapshot {
	if s == nil {
		return nil
	}
	vs, vok := cleanEach(s.Versions, func(v *datasource.VersionShare) []*string { return []*string{&v.Version} })
	es, eok := cleanEach(s.Errors.ByVersion, func(v *datasource.VersionCount) []*string { return []*string{&v.Version} })
	if vok && eok {
		return s
	}
	c := *s
	c.Versions, c.Errors.ByVersion = vs, es
	return &c
}

func printableDrill(d *panes.DrillDataMsg) *panes.DrillDataMsg {
	if d == nil {
		return nil
	}
	c := *d
	c.Breakdowns = make([][]datasource.ValueCount, len(d.Breakdowns))
	for i, vs := range d.Breakdowns {
		c.Breakdowns[i] = printableCounts(vs)
	}
	c.Installations, _ = cleanEach(d.Installations, func(r *datasource.Installation) []*string {
		return []*string{&r.ID, &r.Version, &r.Platform, &r.Deployment}
	})
	if len(d.Events) > 0 {
		c.Events = make([]datasource.Event, len(d.Events))
		for i, e := range d.Events {
			e.UUID, e.Name, e.DistinctID = common.Printable(e.UUID), common.Printable(e.Name), common.Printable(e.DistinctID)
			if m, ok := printableAny(e.Properties).(map[string]any); ok {
				e.Properties = m
			}
			c.Events[i] = e
		}
	}
	return &c
}

func printableCounts(vs []datasource.ValueCount) []datasource.ValueCount {
	out, _ := cleanEach(vs, func(v *datasource.ValueCount) []*string { return []*string{&v.Value} })
	return out
}

func printableProps(ps []datasource.Property) []datasource.Property {
	out, _ := cleanEach(ps, func(p *datasource.Property) []*string { return []*string{&p.Key} })
	return out
}

// cleanEach returns vs with the strings fields points at made printable:
// vs itself (and true) when none needed it, else a cleaned copy.
func cleanEach[T any](vs []T, fields func(*T) []*string) ([]T, bool) {
	var out []T
	for i := range vs {
		for _, p := range fields(&vs[i]) {
			if common.Printable(*p) != *p {
				if out == nil {
					out = append([]T(nil), vs...)
				}
				break
			}
		}
	}
	if out == nil {
		return vs, true
	}
	for i := range out {
		for _, p := range fields(&out[i]) {
			*p = common.Printable(*p)
		}
	}
	return out, false
}

// printableAny cleans the keys and strings of a decoded JSON value, at any
// depth, into a new value (the source may share the original).
func printableAny(v any) any {
	switch v := v.(type) {
	case string:
		return common.Printable(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[common.Printable(k)] = printableAny(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = printableAny(x)
		}
		return out
	}
	return v
}
