package index

import (
	"fmt"

	"github.com/ttmon/ttmon/datasource"
)

// A breakdown entry is read as a component: a small id per event, whose
// label is the group's key. Id 0 is datasource.Unknown (a missing or null
// property, or one whose value is the text "unknown": both are the same
// group).
type compKind uint8

const (
	compEvent    compKind = iota // the name: event_names id
	compCategory                 // the name's first segment: cat[name id]
	compHour                     // local hour of day, 0..23
	compTuple                    // a Mapping property: tup[tuple id], an id into Index.vals
	compProp                     // another event property: a derived column
	compPerson                   // a person property: person[person id]
)

type component struct {
	kind   compKind
	tup    []uint32 // compTuple: tuple id -> id into Index.vals
	col    colView  // compProp
	person []uint32 // compPerson: person id -> id into dict
	cat    []uint32 // compCategory: name id -> id into dict
	dict   []string // compCategory, compPerson: id -> value
}

// components reads spec's breakdown; x.mu must be held for reading.
func (x *Index) components(p *Plan, spec datasource.PaneSpec, cols map[string]colView) []component {
	var out []component
	for _, b := range spec.Refs() {
		var c component
		switch {
		case b.Special == datasource.BreakdownEvent:
			c.kind = compEvent
		case b.Special == datasource.BreakdownHour:
			c.kind = compHour
		case b.Special == datasource.BreakdownCategory:
			c.kind = compCategory
			c.dict = []string{datasource.Unknown}
			ids := map[string]uint32{datasource.Unknown: 0}
			c.cat = make([]uint32, len(x.names))
			for id, n := range x.names {
				c.cat[id] = internDict(&c.dict, ids, datasource.Category(n))
			}
		case b.Scope == datasource.ScopePerson:
			c.kind = compPerson
			c.dict = []string{datasource.Unknown}
			ids := map[string]uint32{datasource.Unknown: 0}
			c.person = make([]uint32, len(x.persons))
			for pid := range x.persons {
				if v, ok := x.persons[pid].props[b.Key]; ok {
					c.person[pid] = internDict(&c.dict, ids, v)
				}
			}
		case x.tupleSlot(b.Key) >= 0:
			c.kind = compTuple
			slot := x.tupleSlot(b.Key)
			unk, hasUnk := x.valID[datasource.Unknown]
			c.tup = make([]uint32, len(x.tups))
			for id, t := range x.tups {
				v := [3]uint32{t.ver, t.plat, t.dep}[slot]
				if hasUnk && v == unk {
					v = 0
				}
				c.tup[id] = v
			}
		default:
			c.kind = compProp
			c.col = cols[b.Key]
		}
		out = append(out, c)
	}
	return out
}

func internDict(dict *[]string, ids map[string]uint32, v string) uint32 {
	id, ok := ids[v]
	if !ok {
		id = uint32(len(*dict))
		*dict = append(*dict, v)
		ids[v] = id
	}
	return id
}

// label is the group key's text for id.
func (c *component) label(x *Index, id uint32) string {
	switch c.kind {
	case compEvent:
		return x.names[id]
	case compHour:
		return fmt.Sprintf("%02d", id)
	case compTuple:
		return x.vals[id]
	case compProp:
		return c.col.vals[id]
	}
	return c.dict[id]
}
