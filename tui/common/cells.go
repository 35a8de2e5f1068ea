package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit cuts s to w cells or pads it with spaces to w, so that rows of a
// box line up whatever they hold.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…") // may be a cell short: a wide character is dropped whole
		sw = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", w-sw)
}

// OneLine flattens a message (an error, a cohort's description) to one
// printable line cut to w cells: what comes from a backend may hold
// newlines and control characters.
func OneLine(s string, w int) string {
	s = Printable(strings.Join(strings.Fields(s), " "))
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, max(w, 1), "…")
	}
	return s
}

// PadLeft right-aligns s in w cells.
func PadLeft(s string, w int) string {
	return strings.Repeat(" ", max(w-ansi.StringWidth(s), 0)) + s
}

// BlockWidth is the width of the widest line.
func BlockWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// Center places lines in the middle of a w x h block of exactly that size,
// each line centred on its own (perLine) or all as one left-aligned block.
func Center(lines []string, w, h int, perLine bool) string {
	lines = lines[:min(len(lines), max(h, 0))]
	bw := BlockWidth(lines)
	out := make([]string, max(h, 0))
	top := (h - len(lines)) / 2
	for i := range out {
		s := ""
		if j := i - top; j >= 0 && j < len(lines) {
			s = lines[j]
			lw := bw
			if perLine {
				lw = ansi.StringWidth(s)
			}
			s = strings.Repeat(" ", max((w-lw)/2, 0)) + s
		}
		out[i] = Fit(s, w)
	}
	return strings.Join(out, "\n")
}
