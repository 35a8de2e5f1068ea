package propset

import (
	"errors"
	"slices"
	"testing"
)

// TestRoundTrip: ids come back sorted, appended to dst, and equal sets
// encode equally whatever their order.
func TestRoundTrip(t *testing.T) {
	a := Append(nil, []uint32{300, 7, 1 << 30, 8})
	b := Append([]byte{}, []uint32{8, 1 << 30, 300, 7})
	if !slices.Equal(a, b) {
		t.Fatalf("%x != %x", a, b)
	}
	got, err := Decode([]uint32{99}, a)
	if err != nil || !slices.Equal(got, []uint32{99, 7, 8, 300, 1 << 30}) {
		t.Fatalf("%v %v", got, err)
	}
	if got, err := Decode(nil, Append(nil, nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty set: %v %v", got, err)
	}
}

// TestCorrupt: a truncated blob or a count larger than the blob is an
// error, not a panic or a short list.
func TestCorrupt(t *testing.T) {
	full := Append(nil, []uint32{1, 200, 70000})
	for _, b := range [][]byte{nil, full[:len(full)-1], {0xff}, {5, 1}} {
		if _, err := Decode(nil, b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%x: err %v, want ErrCorrupt", b, err)
		}
	}
}
