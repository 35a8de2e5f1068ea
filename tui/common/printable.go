package common

import (
	"strings"
	"unicode/utf8"
)

// Printable makes a value from the data safe to draw: anyone holding a
// project token can send any string, and a terminal obeys escape sequences
// (clear the screen, retitle the window, OSC 52 to the clipboard...).
// Tabs and line breaks become spaces (a value is drawn on one line), other
// control characters their visible pictures (ESC shows as ␛), C1 controls
// and invalid UTF-8 U+FFFD. Strings
// without any of those, nearly all of them, are returned as they are.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20:
			b.WriteRune(0x2400 + r) // ␀ ... ␟
		case r == 0x7f:
			b.WriteRune('␡')
		case r >= 0x80 && r < 0xa0:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			return isPrintableUTF8(s[i:])
		}
	}
	return true
}

func isPrintableUTF8(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
		i += n
	}
	return true
}
