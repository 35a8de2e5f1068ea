package common

import (
	"image/color"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme is a palette. Colours are xterm-256 indexes so that they look the
// same in 256-colour terminals (tmux, screen, most SSH clients) and degrade
// to the nearest of 16 on plain ANSI ones.
//
// MonoTheme has no colours at all; NewStyles then marks meaning with bold,
// underline and reverse video instead.
type Theme struct {
	Name                      string
	Text, Muted, Subtle       color.Color
	Accent, Series, Bars      color.Color
	Up, Down, Warn, Alert, OK color.Color
	Latest, Other             color.Color
	BadgeFg, BadgeBg          color.Color
}

// DarkTheme is the default palette, for dark terminal backgrounds.
func DarkTheme() Theme {
	return Theme{
		Name: "dark", Text: c("252"), Muted: c("245"), Subtle: c("240"),
		Accent: c("39"), Series: c("75"), Bars: c("111"),
		Up: c("42"), Down: c("203"), Warn: c("214"), Alert: c("196"), OK: c("42"),
		Latest: c("42"), Other: c("243"), BadgeFg: c("231"), BadgeBg: c("238"),
	}
}

// LightTheme is the palette for light terminal backgrounds.
func LightTheme() Theme {
	return Theme{
		Name: "light", Text: c("236"), Muted: c("242"), Subtle: c("250"),
		Accent: c("25"), Series: c("32"), Bars: c("61"),
		Up: c("28"), Down: c("160"), Warn: c("130"), Alert: c("160"), OK: c("28"),
		Latest: c("28"), Other: c("246"), BadgeFg: c("231"), BadgeBg: c("244"),
	}
}

// MonoTheme is no colour at all, for NO_COLOR and --no-color.
func MonoTheme() Theme {
	n := lipgloss.NoColor{}
	return Theme{
		Name: "mono", Text: n, Muted: n, Subtle: n, Accent: n, Series: n, Bars: n,
		Up: n, Down: n, Warn: n, Alert: n, OK: n, Latest: n, Other: n, BadgeFg: n, BadgeBg: n,
	}
}

func c(s string) color.Color { return lipgloss.Color(s) }

// DarkFromEnv guesses the background from COLORFGBG ("15;0" is light text
// on black) without asking the terminal: a terminal that never answers an
// OSC 11 query would otherwise stall the first frame for five seconds. With
// no hint it assumes dark, the common case for terminals and tmux.
func DarkFromEnv(getenv func(string) string) bool {
	v := getenv("COLORFGBG")
	i := strings.LastIndexByte(v, ';')
	if i < 0 {
		return true
	}
	bg, err := strconv.Atoi(v[i+1:])
	if err != nil {
		return true
	}
	// 7 (white) and 9-15 (bright colours) are light backgrounds.
	return !(bg == 7 || (bg >= 9 && bg <= 15))
}

// Styles is every style ttmon draws with, built once from a theme and the
// renderer of the output it draws on. NoColor is true for MonoTheme:
// components then mark meaning with text, bold, underline and reverse video
// instead of hue.
type Styles struct {
	NoColor bool

	App, Header, Sep, Text, Muted, Bold lipgloss.Style

	BadgeLive, BadgePaused, BadgeStale, BadgeError lipgloss.Style

	Border, FocusBorder           lipgloss.Style
	BorderShape, FocusBorderShape lipgloss.Border
	Title, FocusTitle, Summary    lipgloss.Style

	Number, Up, Down, Flat lipgloss.Style
	Series, Bars, Axis     lipgloss.Style
	OK, Warn, Alert        lipgloss.Style

	// WarnBorder and AlertBorder draw the frame of a pane whose figure
	// breaks an alert rule; WarnMark and AlertMark are the word (WARN,
	// ALERT) beside its title and in the status line, so the state never
	// rests on colour alone.
	WarnBorder, AlertBorder, WarnMark, AlertMark lipgloss.Style

	VersionBar, LatestBar, OtherBar, Latest lipgloss.Style

	HelpKey, HelpDesc, HelpSep, HelpTitle, HelpBox lipgloss.Style
	Status, Empty, TooSmall                        lipgloss.Style

	// Selected marks the row or bar the keys act on; Chip is one filter in
	// the header; Crumb the breadcrumb path; Popup the box of the filter
	// completions and the cohort picker; Cursor the prompt's caret.
	Selected, Chip, Crumb, Popup, Cursor lipgloss.Style
	// TableHead is a table's column titles.
	TableHead lipgloss.Style
}

// NewStyles builds the styles for theme t. They draw in full colour: the
// program's renderer brings what it writes down to each terminal's colour
// profile (over SSH, each session's), and keeps bold, underline and
// reverse video on a profile without colour.
func NewStyles(t Theme) *Styles {
	ns := lipgloss.NewStyle
	fg := func(c color.Color) lipgloss.Style { return ns().Foreground(c) }
	badge := func(bg color.Color) lipgloss.Style {
		return ns().Bold(true).Padding(0, 1).Foreground(t.BadgeFg).Background(bg)
	}
	s := &Styles{
		NoColor: t.Name == "mono",

		App: ns().Bold(true).Foreground(t.Accent), Header: fg(t.Text),
		Sep: fg(t.Subtle), Text: fg(t.Text), Muted: fg(t.Muted), Bold: ns().Bold(true),

		BadgeLive: fg(t.OK), BadgePaused: badge(t.BadgeBg),
		BadgeStale: badge(t.Warn).Foreground(lipgloss.Color("16")), BadgeError: badge(t.Alert),

		Border: fg(t.Subtle), FocusBorder: fg(t.Accent),
		BorderShape: lipgloss.RoundedBorder(), FocusBorderShape: lipgloss.ThickBorder(),
		Title: ns().Bold(true).Foreground(t.Text), FocusTitle: ns().Bold(true).Foreground(t.Accent),
		Summary: fg(t.Muted),

		Number: ns().Bold(true).Foreground(t.Text),
		Up:     fg(t.Up), Down: fg(t.Down), Flat: fg(t.Muted),
		Series: fg(t.Series), Bars: fg(t.Bars), Axis: fg(t.Muted),
		OK: fg(t.OK), Warn: ns().Bold(true).Foreground(t.Warn), Alert: ns().Bold(true).Foreground(t.Alert),

		WarnBorder: fg(t.Warn), AlertBorder: fg(t.Alert),
		WarnMark: badge(t.Warn).Foreground(lipgloss.Color("16")), AlertMark: badge(t.Alert),

		VersionBar: fg(t.Series), LatestBar: fg(t.Latest), OtherBar: fg(t.Other),
		Latest: ns().Bold(true).Foreground(t.Latest),

		HelpKey: ns().Bold(true).Foreground(t.Accent), HelpDesc: fg(t.Muted), HelpSep: fg(t.Subtle),
		HelpTitle: ns().Bold(true).Foreground(t.Text),
		HelpBox:   ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Accent).Padding(0, 2),
		Status:    ns().Foreground(t.Accent), Empty: fg(t.Muted).Italic(true),
		TooSmall: ns().Bold(true).Foreground(t.Warn),

		Selected: ns().Bold(true).Foreground(t.BadgeFg).Background(t.Accent),
		Chip:     ns().Foreground(t.BadgeFg).Background(t.BadgeBg),
		Crumb:    ns().Bold(true).Foreground(t.Accent),
		Popup:    ns().Border(lipgloss.RoundedBorder()).BorderForeground(t.Accent),
		Cursor:   ns().Reverse(true),

		TableHead: ns().Bold(true).Foreground(t.Muted).Underline(true),
	}
	if s.NoColor {
		s.monochrome(ns)
	}
	return s
}

// monochrome swaps hue for attributes, so that focus, badges, warnings and
// the newest version stay visible without colour.
func (s *Styles) monochrome(ns func() lipgloss.Style) {
	s.FocusTitle = ns().Bold(true).Reverse(true)
	s.BadgeLive = ns()
	s.BadgePaused = ns().Reverse(true).Padding(0, 1)
	s.BadgeStale = ns().Reverse(true).Bold(true).Padding(0, 1)
	s.BadgeError = ns().Reverse(true).Bold(true).Padding(0, 1)
	s.Warn = ns().Bold(true).Underline(true)
	s.Alert = ns().Bold(true).Reverse(true)
	s.WarnBorder, s.AlertBorder = ns().Bold(true), ns().Bold(true)
	// Both reversed: the word tells them apart, and underline would make
	// lip gloss style every letter on its own.
	s.WarnMark = ns().Bold(true).Reverse(true).Padding(0, 1)
	s.AlertMark = ns().Bold(true).Reverse(true).Padding(0, 1)
	s.Latest = ns().Bold(true)
	s.LatestBar = ns().Bold(true)
	s.Muted, s.Empty = ns(), ns()
	s.HelpKey = ns().Bold(true)
	s.Status = ns().Bold(true)
	s.App = ns().Bold(true)
	s.TooSmall = ns().Bold(true)
	s.Selected = ns().Reverse(true)
	s.Chip = ns().Underline(true)
	s.Crumb = ns().Bold(true)
	s.Popup = ns().Border(lipgloss.RoundedBorder())
	s.TableHead = ns().Bold(true).Underline(true)
}
