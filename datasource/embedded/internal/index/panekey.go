package index

import (
	"fmt"
	"slices"
	"sync"

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
	gen    uint64   // the generation of the ids (compProp, compPerson)
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
			c.person, c.dict, c.gen = x.personCols.get(x, b.Key)
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
			c.gen = c.col.gen
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
		if int(id) < len(c.col.vals) {
			return c.col.vals[id]
		}
		// A kept cell counted by a concurrent query whose view of the
		// dict is longer: the dict only grows, so its id is there.
		x.der.mu.Lock()
		defer x.der.mu.Unlock()
		if c.col.dict != nil && int(id) < len(c.col.dict.vals) {
			return c.col.dict.vals[id]
		}
		return datasource.Unknown
	}
	return c.dict[id]
}

// personColCache keeps each person property a breakdown reads as an id
// per person, between queries: reading 25,000 persons' property maps
// costs milliseconds in cache misses, and the monitor asks every poll.
// Like personFilterCache, a column re-reads only the persons changed
// since (the index's person change log); it is copied before it changes,
// so a query still reading the old one is not disturbed.
type personColCache struct {
	mu  sync.Mutex
	m   map[string]*personCol
	gen uint64 // bumped when m is cleared: ids change
}

type personCol struct {
	pos  uint64 // position in the person change log
	ids  []uint32
	dict []string
	idOf map[string]uint32
}

// get returns key's column and its values; x.mu must be held for reading.
func (pc *personColCache) get(x *Index, key string) ([]uint32, []string, uint64) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.m == nil {
		pc.m = map[string]*personCol{}
	}
	c := pc.m[key]
	var rd propsReader
	val := func(pid int) uint32 {
		if v, ok := rd.get(x.persons[pid].props, key); ok {
			return internDict(&c.dict, c.idOf, v)
		}
		return 0
	}
	if c == nil || c.pos < x.logBase {
		if len(pc.m) >= 16 {
			clear(pc.m)
			pc.gen++
		}
		c = &personCol{dict: []string{datasource.Unknown}, idOf: map[string]uint32{datasource.Unknown: 0}}
		pc.m[key] = c
	} else if changed := x.personLog[c.pos-x.logBase:]; len(changed) > 0 {
		c.ids = slices.Clone(c.ids)
		for _, pid := range changed {
			if int(pid) < len(c.ids) {
				c.ids[pid] = val(int(pid))
			}
		}
	}
	for pid := len(c.ids); pid < len(x.persons); pid++ {
		c.ids = append(c.ids, val(pid))
	}
	c.pos = x.logBase + uint64(len(x.personLog))
	return c.ids, c.dict, pc.gen
}
