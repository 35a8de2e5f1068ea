package index

import (
	"slices"

	"github.com/ttmon/ttmon/datasource"
)

// propCol is one event property's canonical value per propset, for pane
// breakdowns: an id into vals, 0 when the property is missing or null (or
// reads "unknown": both are the group datasource.Unknown). A property
// most propsets carry is a dense column; a rarer one (new_version, only on
// updates) keeps the propsets that carry it, ascending, so a 10M store
// does not hold 4 bytes per propset for it. Both only grow at the end, so
// a view (a copy of the slice headers) stays valid while they grow.
type propCol struct {
	upto   int // propsets read
	sparse bool
	dense  []uint32
	ps, v  []uint32 // sparse: propset ids ascending, their values
	vals   []string
	valID  map[string]uint32
}

// colView is a propCol as one query reads it.
type colView struct {
	gen          uint64 // the generation of the ids
	sparse       bool
	dense, ps, v []uint32
	vals         []string
}

func (c *colView) get(ps uint32) uint32 {
	if !c.sparse {
		if int(ps) < len(c.dense) {
			return c.dense[ps]
		}
		return 0
	}
	if i, ok := slices.BinarySearch(c.ps, ps); ok {
		return c.v[i]
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

// maxCols bounds the columns kept: each is up to 4 bytes per propset.
const maxCols = 16

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
	for _, k := range keys {
		c := d.cols[k]
		if c == nil {
			c = &propCol{vals: []string{datasource.Unknown}, valID: map[string]uint32{}}
			d.cols[k] = c
			c.first(p, k)
		} else if c.upto < p.count() {
			c.extend(p, k)
		}
		out[k] = colView{gen: d.gen, sparse: c.sparse, dense: c.dense, ps: c.ps, v: c.v, vals: c.vals}
	}
	return out
}

// first reads every propset into a dense column, and keeps it sparse when
// fewer than one propset in eight carries the key.
func (c *propCol) first(p *propIndex, key string) {
	n := p.count()
	dense := make([]uint32, n)
	set := 0
	p.eachValue(key, 0, func(ps uint32, v string) {
		if id := c.intern(v); id != 0 {
			dense[ps] = id
			set++
		}
	})
	c.upto = n
	if set*8 >= n {
		c.dense = dense
		return
	}
	c.sparse = true
	c.ps, c.v = make([]uint32, 0, set), make([]uint32, 0, set)
	for ps, id := range dense {
		if id != 0 {
			c.ps = append(c.ps, uint32(ps))
			c.v = append(c.v, id)
		}
	}
}

// extend reads the propsets added since.
func (c *propCol) extend(p *propIndex, key string) {
	from := c.upto
	if !c.sparse {
		c.dense = append(c.dense, make([]uint32, p.count()-len(c.dense))...)
	}
	p.eachValue(key, from, func(ps uint32, v string) {
		id := c.intern(v)
		switch {
		case id == 0:
		case !c.sparse:
			c.dense[ps] = id
		default:
			c.ps = append(c.ps, ps)
			c.v = append(c.v, id)
		}
	})
	c.upto = p.count()
}
