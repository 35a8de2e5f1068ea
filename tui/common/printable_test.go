package common

import (
	"strings"
	"testing"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"4.9.1":                     "4.9.1",
		"日本語 🚀 é":                   "日本語 🚀 é",
		"\x1b[2J\x1b]0;pwned\x07":   "␛[2J␛]0;pwned␇",
		"\x1b]52;c;ZXZpbA==\x1b\\":  "␛]52;c;ZXZpbA==␛\\",
		"line\nbreak\ttab\rret\x7f": "line break tab ret␡",
		"c1 \u009b31m csi":          "c1 \uFFFD31m csi",
		"bad \xff\xfe utf8":         "bad \uFFFD\uFFFD utf8",
		"nul\x00":                   "nul␀",
		"":                          "",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"plain ascii value", "ünïcödé"} {
		if got := Printable(s); got != s || (len(s) > 0 && strings.Compare(got, s) != 0) {
			t.Errorf("Printable(%q) changed it", s)
		}
	}
}

func BenchmarkPrintable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Printable("docker-compose 4.9.1 (linux/amd64)")
	}
}
