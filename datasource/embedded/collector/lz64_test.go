package collector

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// lzVector is one entry of testdata/lz64_vectors.json, produced by the real
// lz-string 1.5.0 package (see testdata/lz64_vectors.js).
type lzVector struct {
	Plain      string `json:"plain"`
	Repeat     string `json:"repeat"`
	Count      int    `json:"count"`
	Compressed string `json:"compressed"`
}

func loadLZVectors(t testing.TB) []lzVector {
	t.Helper()
	b, err := os.ReadFile("testdata/lz64_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []lzVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 10 {
		t.Fatalf("only %d vectors", len(vs))
	}
	return vs
}

func lzDecodeString(in string, limit int) (string, error) {
	units, err := decodeLZ64(in, limit)
	if err != nil {
		return "", err
	}
	b, err := utf16ToUTF8(units, limit*3)
	return string(b), err
}

func TestDecodeLZ64Vectors(t *testing.T) {
	for _, v := range loadLZVectors(t) {
		want := v.Plain
		if v.Repeat != "" {
			want = strings.Repeat(v.Repeat, v.Count)
		}
		got, err := lzDecodeString(v.Compressed, 2<<20)
		if err != nil {
			t.Errorf("%.30q: %v", want, err)
			continue
		}
		if got != want {
			t.Errorf("decoded %.40q, want %.40q", got, want)
		}
	}
}

func TestDecodeLZ64Bomb(t *testing.T) {
	var bomb lzVector
	for _, v := range loadLZVectors(t) {
		if v.Count > 0 {
			bomb = v
		}
	}
	if len(bomb.Compressed) > 16<<10 {
		t.Fatalf("bomb vector is %d bytes, expected a few KB", len(bomb.Compressed))
	}
	_, err := decodeLZ64(bomb.Compressed, 64<<10)
	if !errors.Is(err, errLZTooLarge) {
		t.Fatalf("err = %v, want errLZTooLarge", err)
	}
}

func TestDecodeLZ64Malformed(t *testing.T) {
	vs := loadLZVectors(t)
	long := vs[len(vs)-2].Compressed // the 3,000-char random text
	for name, in := range map[string]string{
		"empty":     "",
		"truncated": long[:len(long)/2],
		"garbage":   "!!!!not-lz!!!!",
		"bad code":  "////////////////",
	} {
		if _, err := decodeLZ64(in, 1<<20); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestUTF16ToUTF8LoneSurrogate(t *testing.T) {
	got, err := utf16ToUTF8([]uint16{'a', 0xD83D, 'b', 0xD83D, 0xDE00, 0xDE00}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\uFFFDb\U0001F600\uFFFD"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
