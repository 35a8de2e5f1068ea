package index

import (
	"github.com/ttmon/ttmon/datasource"
)

// propCol is one event property's canonical value per propset, for pane
// breakdowns: an id into vals, 0 when the property is missing or null (or
// reads "unknown": both are the group datasource.Unknown). Ids take 2
// bytes per propset while there are fewer than 65,536 values (8 MB for a
// 10M-event store's 4M propsets), 4 after. A column only grows at the
// end, so a view (a copy of the slice headers) stays valid while it grows.
type propCol struct {
	upto  int // propsets read
	ids16 []uint16
	ids32 []uint32 // once the values outgrow ids16
	vals  []string
	valID map[string]uint32
}

// colView is a propCol as one query reads it.
type colView struct {
	gen   uint64 // the generation of the ids
	ids16 []uint16
	ids32 []uint32
	vals  []string
}

func (c *colView) get(ps uint32) uint32 {
	if c.ids32 != nil {
		if int(ps) < len(c.ids32) {
			return c.ids32[ps]
		}
		return 0
	}
	if int(ps) < len(c.ids16) {
		return uint32(c.ids16[ps])
	}
	return 0
}

// intern maps a value to its id.
func (c *propCol) intern(v string) uint32 {
	if v == datasource.Unknown {
		return 0
	}
	id, ok := c.valID[v]
	if !ok {
		id = uint32(len(c.vals))
		c.vals = append(c.vals, v)
		c.valID[v] = id
	}
	return id
}

// set records propset ps's value id, widening the ids when needed.
func (c *propCol) set(ps uint32, id uint32) {
	if c.ids32 == nil && id > 0xffff {
		c.ids32 = make([]uint32, len(c.ids16), cap(c.ids16))
		for i, v := range c.ids16 {
			c.ids32[i] = uint32(v)
		}
		c.ids16 = nil
	}
	if c.ids32 != nil {
		c.ids32[ps] = id
	} else {
		c.ids16[ps] = uint16(id)
	}
}

// maxCols bounds the columns kept: each is 2 or 4 bytes per propset.
const maxCols = 8

// columns returns views of the columns of keys, reading the propsets they
// have not read yet; x.mu must be held for reading and d.mu not.
func (x *Index) columns(keys []string) map[string]colView {
	d := x.der
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]colView, len(keys))
	if len(keys) == 0 {
		return out
	}
	missing := false
	for _, k := range keys {
		if _, ok := d.cols[k]; !ok {
			missing = true
		}
	}
	if missing && len(d.cols)+len(keys) > maxCols {
		clear(d.cols)
		d.gen++
	}
	p := x.props
	grow := map[uint32]*propCol{} // by key id: the columns to extend
	from := p.count()
	for _, k := range keys {
		c := d.cols[k]
		if c == nil {
			c = &propCol{vals: []string{datasource.Unknown}, valID: map[string]uint32{}}
			d.cols[k] = c
		}
		if kid, ok := p.keyID[k]; ok && c.upto < p.count() {
			grow[kid] = c
			from = min(from, c.upto)
		}
	}
	extend(p, grow, from)
	for _, k := range keys {
		c := d.cols[k]
		out[k] = colView{gen: d.gen, ids16: c.ids16, ids32: c.ids32, vals: c.vals}
	}
	return out
}

// extend reads the propsets from first on into the columns, in one pass.
func extend(p *propIndex, cols map[uint32]*propCol, first int) {
	n := p.count()
	for _, c := range cols {
		if c.ids32 != nil {
			c.ids32 = append(c.ids32, make([]uint32, n-len(c.ids32))...)
		} else {
			c.ids16 = append(c.ids16, make([]uint16, n-len(c.ids16))...)
		}
	}
	if len(cols) > 0 {
		p.eachPair(first, func(ps, pair uint32) {
			if c := cols[p.pairKey[pair]]; c != nil && int(ps) >= c.upto && p.pairSet[pair] {
				if id := c.intern(p.pairVal[pair]); id != 0 {
					c.set(ps, id)
				}
			}
		})
	}
	for _, c := range cols {
		c.upto = n
	}
}
