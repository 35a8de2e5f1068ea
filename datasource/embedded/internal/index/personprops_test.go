package index

import (
	"slices"
	"testing"
)

// FuzzPersonProps holds the raw reading of a person's properties to
// decodeProps: every key reads the same value, and the same keys are
// listed, whatever the JSON (repeated keys, nulls, nesting, escapes, or
// what only encoding/json reads).
func FuzzPersonProps(f *testing.F) {
	for _, s := range []string{
		`{"a":"x","b":true,"c":null,"d":1.50,"e":{"z":[1,null]},"f":"caf\u00e9"}`,
		`{"a":1,"a":null}`, `{"a":null,"a":"y"}`, `{}`, `[]`, `{"a":"\ud800"}`, `{"n":1e400}`,
		`{"a":"x"} `, `{"role":"admin","is_admin":false}`, `not json`,
	} {
		f.Add([]byte(s), "a")
	}
	f.Fuzz(func(t *testing.T, raw []byte, extra string) {
		want := decodeProps(raw, nil)
		var r propsReader
		pp := newPersonProps(raw)
		keys := []string{extra, extra}
		for k := range want {
			keys = append(keys, k)
		}
		vals, set := make([]string, len(keys)), make([]bool, len(keys))
		r.lookup(pp, keys, vals, set)
		for i, k := range keys {
			if w, ok := want[k]; vals[i] != w || set[i] != ok {
				t.Fatalf("%q: key %q reads %q %v, decodeProps %q %v", raw, k, vals[i], set[i], w, ok)
			}
		}
		var got, wantKeys []string
		r.keys(pp, func(k string) { got = append(got, k) })
		for k := range want {
			wantKeys = append(wantKeys, k)
		}
		slices.Sort(got)
		slices.Sort(wantKeys)
		if !slices.Equal(got, wantKeys) {
			t.Fatalf("%q: keys %q, decodeProps %q", raw, got, wantKeys)
		}
	})
}
