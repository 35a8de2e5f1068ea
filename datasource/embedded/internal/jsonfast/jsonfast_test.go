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
