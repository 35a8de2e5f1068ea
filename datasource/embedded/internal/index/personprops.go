package index

import (
	"bytes"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/datasource/embedded/internal/jsonfast"
)

// personProps is a person's properties as the persons row holds them, a
// JSON object, read a few keys at a time: a filter reads its keys, a
// breakdown its one. Decoding every person into a map at load cost a
// cohort query in a new process more than the rest of its work (25,000
// persons: ~150 ms, mostly allocation); kept raw they cost their bytes.
// nil is a person with no properties (or merged away).
type personProps []byte

func newPersonProps(raw []byte) personProps { return personProps(bytes.Clone(raw)) }

// propsReader reads personProps; one per goroutine.
type propsReader struct {
	p  jsonfast.Parser
	in jsonfast.Interner
}

// lookup sets vals[i] and set[i] to keys[i]'s canonical value
// (datasource.ValueString; set is false when it is missing or null), as
// decodeProps would: the last of repeated keys wins.
func (r *propsReader) lookup(pp personProps, keys []string, vals []string, set []bool) {
	clear(set)
	if len(pp) == 0 {
		return
	}
	if r.in == nil {
		r.in = jsonfast.Interner{}
	}
	p := &r.p
	p.Reset(pp, 10000, r.in)
	c, ok := p.Peek()
	ok = ok && c == '{' && p.Object(0, func(key string) bool {
		found := false
		var s string
		var isSet bool
		for i, k := range keys {
			if k != key {
				continue
			}
			if !found {
				v, ok := p.Value(1)
				if !ok {
					return false
				}
				s, isSet = datasource.ValueString(v)
				found = true
			}
			vals[i], set[i] = s, isSet
		}
		return found || p.Skip(1)
	}) && p.Done()
	if !ok { // what jsonfast refuses, encoding/json may still read
		m := decodeProps(pp, nil)
		for i, k := range keys {
			vals[i], set[i] = m[k]
		}
	}
}

// get is key's canonical value; ok is false when it is missing or null.
func (r *propsReader) get(pp personProps, key string) (string, bool) {
	var v [1]string
	var ok [1]bool
	r.lookup(pp, []string{key}, v[:], ok[:])
	return v[0], ok[0]
}

// match reports whether pp passes every filter.
func (r *propsReader) match(pp personProps, fs []datasource.Filter, keys []string, vals []string, set []bool) bool {
	r.lookup(pp, keys, vals, set)
	for i, f := range fs {
		if !f.Match(vals[i], set[i]) {
			return false
		}
	}
	return true
}

// keys calls fn with each key of pp that has a non-null value.
func (r *propsReader) keys(pp personProps, fn func(key string)) {
	if len(pp) == 0 {
		return
	}
	if r.in == nil {
		r.in = jsonfast.Interner{}
	}
	type seen struct {
		key  string
		null bool
	}
	var ks []seen
	p := &r.p
	p.Reset(pp, 10000, r.in)
	c, ok := p.Peek()
	ok = ok && c == '{' && p.Object(0, func(key string) bool {
		null := p.Literal("null")
		for i := range ks {
			if ks[i].key == key {
				ks[i].null = null
				return null || p.Skip(1)
			}
		}
		ks = append(ks, seen{key, null})
		return null || p.Skip(1)
	}) && p.Done()
	if !ok {
		for k := range decodeProps(pp, nil) {
			fn(k)
		}
		return
	}
	for _, s := range ks {
		if !s.null {
			fn(s.key)
		}
	}
}
