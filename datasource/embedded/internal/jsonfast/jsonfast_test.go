package jsonfast

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzObject holds Object to encoding/json: whatever it accepts must decode
// to exactly what json.Unmarshal makes of it.
func FuzzObject(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":"x","c":[true,false,null,{"d":-0.5e-3}],"e":{}}`,
		`{"é":"\u00e9\ud83d\ude00\n\"\\\/","k":"caf\u00e9 ü"}`,
		`{"a":1,"a":2}`, `{"n":01}`, `{"n":1e400}`, `{"s":"\ud800"}`, "{\"s\":\"a\xffb\"}",
		`{"a":[[[[[[[]]]]]]]}`, `{} `, `{"a":1}x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := Object(data, 6, nil)
		if !ok {
			return
		}
		var want map[string]any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("differs for %q\ngot  %#v\nwant %#v", data, got, want)
		}
	})
}

func TestObjectTakesCommonInput(t *testing.T) {
	m, ok := Object([]byte(`{"current_version":"4.9.1","is_admin":true,"n":3,"l":["a"]}`), 8, nil)
	if !ok || m["current_version"] != "4.9.1" || m["is_admin"] != true || m["n"] != 3.0 {
		t.Fatalf("%v %v", m, ok)
	}
}

// FuzzSkip holds Skip to Value: it accepts exactly what Value accepts and
// stops where Value stops.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`"plain" 1`, `"caf\u00e9"`, "\"a\xffb\"", `"\ud800"`, `"unterminated`,
		`[1,"x",{"a":null}]`, `-0.5e3,`, `tru`, "\"tab\there\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a, b Parser
		a.Reset(data, 6, Interner{})
		b.Reset(data, 6, Interner{})
		_, okV := a.Value(0)
		okS := b.Skip(0)
		if okV != okS || (okV && a.i != b.i) {
			t.Fatalf("%q: Value %v at %d, Skip %v at %d", data, okV, a.i, okS, b.i)
		}
	})
}
