package cmd

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// writeSnapshotText prints the panes as plain text for people and for
// logs: same titles as the monitor, no colour, no cursor movement. Without
// --dashboard the four built-in panes, else the dashboard's panes in order;
// then any pane an alert reads that the dashboard does not show.
func writeSnapshotText(out io.Writer, s *datasource.Snapshot, firing []alert.Firing, v snapshotView) error {
	w := bufio.NewWriter(out)
	writeTextHeader(w, s, v)
	for _, it := range v.layout() {
		if it.figure != "" {
			builtinText[it.figure](w, s)
		} else {
			writePaneText(w, s, it.pane)
		}
	}
	if len(firing) > 0 {
		fmt.Fprintf(w, "\nAlerts\n")
		for _, f := range firing {
			fmt.Fprintf(w, "  %s\n", f.Line())
		}
	}
	return w.Flush()
}

func writeTextHeader(w io.Writer, s *datasource.Snapshot, v snapshotView) {
	r := s.Query.Range
	filters := "none"
	if len(s.Query.Filters) > 0 {
		filters = strings.Join(datasource.FilterStrings(s.Query.Filters), " AND ")
	}
	fmt.Fprintf(w, "Source   %s\n", s.Source)
	if v.dashboard != nil {
		fmt.Fprintf(w, "Dashboard %s (%s)\n", common.Printable(v.dashboard.DisplayTitle()), common.Printable(v.dashboard.Name))
	}
	fmt.Fprintf(w, "Range    %s  %s .. %s UTC  (%d x %s)\n", r.Label(), r.From.UTC().Format("2006-01-02 15:04"), r.To.UTC().Format("2006-01-02 15:04"), r.Buckets(), shortDur(r.Step))
	fmt.Fprintf(w, "Filters  %s\n", filters)
	writeNotNarrowed(w, s.NotNarrowed)
	if !s.Query.PanesOnly {
		fmt.Fprintf(w, "Events   %s  (queried %s in %s)\n", common.Thousands(s.Totals.Events), s.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), s.Took.Round(100*time.Microsecond))
	} else {
		fmt.Fprintf(w, "Queried  %s in %s\n", s.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"), s.Took.Round(100*time.Microsecond))
	}
}

// builtinText prints each built-in figure pane, by PaneSpec.Figure.
var builtinText = map[string]func(io.Writer, *datasource.Snapshot){
	"installs": writeInstallsText,
	"versions": writeVersionsText,
	"errors":   writeErrorsText,
	"timers":   writeTimersText,
}

func writeInstallsText(w io.Writer, s *datasource.Snapshot) {
	r := s.Query.Range
	fmt.Fprintf(w, "\nActive installations\n  %s  %s\n", common.Thousands(s.Installs.Active), change(s.Installs.Active, s.Installs.Previous, r.Label()))
	fmt.Fprintf(w, "  %s  per %s%s\n", sparkline(s.Installs.Series), shortDur(r.Step), filling(s.Installs.Series))
}

func writeVersionsText(w io.Writer, s *datasource.Snapshot) {
	fmt.Fprintf(w, "\nVersions\n")
	if l := s.Latest; l.Version != "" {
		fmt.Fprintf(w, "  latest %s: %s\n", common.Printable(l.Version), l.Reason)
	}
	writeVersions(w, s.Versions)
}

func writeErrorsText(w io.Writer, s *datasource.Snapshot) {
	e := s.Errors
	fmt.Fprintf(w, "\nError rate\n  %s errors  %.3f per installation\n", common.Thousands(e.Total), e.PerInstall)
	fmt.Fprintf(w, "  %s  per %s%s\n", sparkline(e.Series), shortDur(s.Query.Range.Step), filling(e.Series))
	if len(e.ByVersion) > 0 {
		parts := make([]string, 0, len(e.ByVersion))
		for _, v := range e.ByVersion {
			parts = append(parts, common.Printable(v.Version)+" "+common.Thousands(v.Errors))
		}
		fmt.Fprintf(w, "  by version: %s\n", strings.Join(parts, ", "))
	}
}

func writeTimersText(w io.Writer, s *datasource.Snapshot) {
	tz := s.Query.TZ
	if tz == "" {
		tz = "UTC"
	}
	fmt.Fprintf(w, "\nTimer usage (hour of day, %s)\n  %s timers started\n", tz, common.Thousands(s.Timers.Total))
	hours := make([]datasource.Point, 24)
	for h, n := range s.Timers.ByHour {
		hours[h].V = float64(n)
	}
	if h := datasource.FillingHour(s); h >= 0 {
		hours[h].Partial = true
	}
	fmt.Fprintf(w, "  00 %s 23%s\n", sparkline(hours), filling(hours))
}

func writeVersions(w io.Writer, vs []datasource.VersionShare) {
	if len(vs) == 0 {
		fmt.Fprintln(w, "  (no heartbeats in range)")
		return
	}
	width := 7
	for _, v := range vs {
		width = max(width, len([]rune(common.Printable(v.Version))))
	}
	for _, v := range vs {
		v.Version = common.Printable(v.Version) // the data is not the terminal's to command
		mark := ""
		if v.Latest {
			mark = "latest"
		}
		fmt.Fprintf(w, "  %-*s %-6s %7s %6.1f%%  %s\n", width, v.Version, mark, common.Thousands(v.Installs), 100*v.Share, bar(v.Share, 30))
	}
}

// change describes now against the previous period: "up 3.5% from 398".
func change(now, prev int64, label string) string {
	switch {
	case prev == 0 && now == 0:
		return "(none in the previous " + label + " either)"
	case prev == 0:
		return "(new: none in the previous " + label + ")"
	}
	pct := 100 * float64(now-prev) / float64(prev)
	arrow := "="
	switch {
	case now > prev:
		arrow = "up"
	case now < prev:
		arrow = "down"
	}
	return fmt.Sprintf("(%s %.1f%% from %s in the previous %s)", arrow, math.Abs(pct), common.Thousands(prev), label)
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// partialRune stands for a bucket still filling up: drawn at its count so
// far it would read as a drop.
const partialRune = '·'

// filling is the legend for partialRune when the series has one.
func filling(ps []datasource.Point) string {
	for _, p := range ps {
		if p.Partial {
			return ", " + string(partialRune) + " = still filling"
		}
	}
	return ""
}

// sparkline draws one rune per point scaled to the series maximum; zero is
// the lowest block so gaps stay visible as a baseline. A partial bucket is
// partialRune, and does not set the scale.
func sparkline(ps []datasource.Point) string {
	top := 0.0
	for _, p := range ps {
		if !p.Partial {
			top = max(top, p.V)
		}
	}
	var b strings.Builder
	for _, p := range ps {
		if p.Partial {
			b.WriteRune(partialRune)
			continue
		}
		i := 0
		if top > 0 {
			i = int(math.Round(p.V / top * float64(len(sparkRunes)-1)))
		}
		b.WriteRune(sparkRunes[i])
	}
	return b.String()
}

// bar draws share (0..1) as a block bar of at most width cells, with eighth
// blocks for the fraction.
func bar(share float64, width int) string {
	eighths := int(math.Round(share * float64(width*8)))
	full, rest := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if rest > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[rest-1])
	}
	return s
}

// shortDur prints a bucket width the short way: 1h, 6h, 1d, 5m.
func shortDur(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}
