package panes

import (
	"fmt"
	"github.com/charmbracelet/colorprofile"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// TestSizeSweep: every pane, focused or not, with data or without, basic or
// not, fills exactly the size it was given, from 0x0 up. TTMON_LONG=1
// sweeps more sizes between the edges.
func TestSizeSweep(t *testing.T) {
	ws := []int{0, 1, 2, 3, 10, 23, 24, 30, 31, 48, 80, 201}
	hs := []int{0, 1, 2, 3, 5, 8, 9, 12, 61}
	if long() {
		ws = []int{0, 1, 2, 3, 5, 10, 23, 24, 29, 30, 31, 47, 48, 60, 80, 100, 201}
		hs = []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 20, 61}
	}
	for _, basic := range []bool{false, true} {
		com := testCommon(ansi256, basic)
		empty := []Pane{NewInstalls(com, KeyMap{}), NewVersions(com, KeyMap{}), NewErrors(com, KeyMap{}, Thresholds{}), NewTimers(com, KeyMap{})}
		for _, ps := range [][]Pane{allPanes(com, "24h"), allPanes(com, "1h"), allPanes(com, "30d"), empty} {
			for _, p := range ps {
				for _, focus := range []bool{false, true} {
					if focus {
						p.Focus()
					} else {
						p.Blur()
					}
					for _, w := range ws {
						for _, h := range hs {
							p.SetSize(w, h)
							checkBox(t, fmt.Sprintf("%s basic=%v focus=%v", p.Title(), basic, focus), p.View(), w, h)
						}
					}
				}
			}
		}
	}
}

// TestCache: a pane renders once per change of data, size or focus, and
// identical data does not count as a change.
func TestCache(t *testing.T) {
	com := testCommon(ansi256, false)
	for _, p := range allPanes(com, "24h") {
		p.SetSize(60, 20)
		v := p.View()
		if p.View() != v || !sameString(p.View(), v) {
			t.Fatalf("%s: second View re-rendered", p.Title())
		}
		p.Update(DataMsg{Snapshot: tuitest.Snapshot(tuitest.Query("24h"))})
		if !sameString(p.View(), v) {
			t.Fatalf("%s: identical data re-rendered", p.Title())
		}
		p.SetSize(60, 20)
		if !sameString(p.View(), v) {
			t.Fatalf("%s: same size re-rendered", p.Title())
		}
		p.Focus()
		if p.View() == v {
			t.Fatalf("%s: focus did not change the frame", p.Title())
		}
		v = p.View()
		p.Update(RestyleMsg{})
		if sameString(p.View(), v) {
			t.Fatalf("%s: RestyleMsg did not redraw", p.Title())
		}
		p.Update(DataMsg{Snapshot: tuitest.Snapshot(tuitest.Query("7d"))})
		if p.View() == v && p.Title() != TitleVersions && p.Title() != TitleTimers {
			t.Fatalf("%s: new data did not redraw", p.Title())
		}
		p.Update(DataMsg{}) // a nil snapshot is ignored
	}
}

// sameString reports whether two strings share memory: the cache was hit.
func sameString(a, b string) bool {
	return a == b && ptr(a) == ptr(b)
}

func TestResample(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		w    int
		want []float64
	}{
		{[]float64{1, 2}, 6, []float64{1, 1, gap, 2, 2, gap}},
		{[]float64{1, 2}, 4, []float64{1, 1, 2, 2}},
		{[]float64{1, 5, 2, 3}, 2, []float64{5, 3}},
		{[]float64{1, 5, 2}, 2, []float64{1, 5}},
		{nil, 3, []float64{0, 0, 0}},
		{[]float64{1}, 0, []float64{}},
	} {
		if got := resample(tc.in, tc.w); !slices.Equal(got, tc.want) {
			t.Errorf("resample(%v, %d) = %v, want %v", tc.in, tc.w, got, tc.want)
		}
	}
}

func TestColumns(t *testing.T) {
	got := columns([]float64{0, 1, 4, 8, gap, 0.01}, 2, 8, false)
	want := []string{"   █  ", " ▂██ ▁"}
	if !slices.Equal(got, want) {
		t.Errorf("columns = %q, want %q", got, want)
	}
	if got := columns([]float64{1, 4, 8}, 2, 8, true); !slices.Equal(got, []string{"  █", "███"}) {
		t.Errorf("basic columns = %q", got)
	}
	if got := columns([]float64{1}, 2, 0, false); !slices.Equal(got, []string{" ", " "}) {
		t.Errorf("zero top = %q", got)
	}
}

func TestHBar(t *testing.T) {
	for _, tc := range []struct {
		f     float64
		w     int
		basic bool
		want  string
	}{
		{0, 10, false, ""}, {1, 4, false, "████"}, {0.5, 3, false, "█▌"}, {0.001, 10, false, "▏"},
		{2, 2, false, "██"}, {0.5, 3, true, "██"}, {0.001, 10, true, "█"}, {0.5, 0, false, ""},
	} {
		if got := hbar(tc.f, tc.w, tc.basic); got != tc.want {
			t.Errorf("hbar(%g, %d, %v) = %q, want %q", tc.f, tc.w, tc.basic, got, tc.want)
		}
	}
}

func TestBrailleLine(t *testing.T) {
	// Bottom-left to top-right in one cell: dots 7, 3 (left, low) and 4, 5
	// (right, high).
	if got := brailleLine([]float64{0, 1}, 1, 1, 0, 1); got[0] != "⡜" {
		t.Errorf("rising line = %q", got)
	}
	// A constant non-zero series sits mid-height.
	if flat := brailleLine([]float64{5, 5, 5}, 3, 2, 5, 5); !slices.Equal(flat, []string{"⣀⣀⣀", "   "}) {
		t.Errorf("flat line = %q", flat)
	}
	for _, r := range strings.Join(brailleLine([]float64{3, 1, 4, 1, 5, 9, 2, 6}, 7, 3, 1, 9), "") {
		if r != ' ' && (r < 0x2800 || r > 0x28ff) {
			t.Fatalf("non-braille rune %q", r)
		}
	}
	if got := brailleLine(nil, 0, 2, 0, 1); len(got) != 2 {
		t.Error("zero width must still give h rows")
	}
}

func TestBigNumber(t *testing.T) {
	got := bigNumber("1,024")
	want := [3]string{"▀█   █▀█ ▀▀█ █ █", " █   █ █ █▀▀ ▀▀█", "▀▀▀  ▀▀▀ ▀▀▀   ▀"}
	if got != want {
		t.Errorf("bigNumber = %q, want %q", got, want)
	}
}

func TestFold(t *testing.T) {
	rows := tuitest.Snapshot(tuitest.Query("24h")).Versions
	p := NewVersions(testCommon(noStyle, false), KeyMap{})
	p.Update(DataMsg{Snapshot: &datasource.Snapshot{Versions: rows}})
	labels := func(rs []versionRow) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.label)
		}
		return out
	}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{3, []string{"4.3.0", "4.2.1", "other (8)"}},
		{5, []string{"4.3.0", "4.2.1", "4.2.0", "4.1.3", "other (6)"}},
		{10, []string{"4.10.0-rc1", "4.3.0", "4.2.1", "4.2.0", "4.1.3", "4.0.9", "3.9.2", "3.8.0", "3.2.0", "unknown"}},
		{1, []string{"4.3.0"}},
		{0, nil},
	} {
		got := fold(p.rows, tc.n, p.rest)
		if !slices.Equal(labels(got), tc.want) {
			t.Errorf("fold(%d) = %v, want %v", tc.n, labels(got), tc.want)
		}
		var total int64
		for _, r := range got {
			total += r.installs
		}
		if tc.n > 1 && total != 1194 {
			t.Errorf("fold(%d) lost installations: %d", tc.n, total)
		}
	}
}

// TestFoldBeyondCap: past maxVersions the pane keeps rows for the largest
// versions and the newest, and "other" and the summary still count every
// version and installation.
func TestFoldBeyondCap(t *testing.T) {
	counts := map[string]int64{}
	var total int64
	for i := range 3 * maxVersions {
		counts[fmt.Sprintf("1.%d.0", i)] = int64(1 + i%97)
		total += int64(1 + i%97)
	}
	counts["9.0.0"] = 1 // the newest, run by one installation
	total++
	p := NewVersions(testCommon(noStyle, false), KeyMap{})
	vs := datasource.BuildVersions(counts)
	datasource.MarkLatest(vs, "9.0.0") // pinned, say: few run it yet
	p.Update(DataMsg{Snapshot: &datasource.Snapshot{Versions: vs}})
	if len(p.rows) != maxVersions || !slices.ContainsFunc(p.rows, func(v datasource.VersionShare) bool { return v.Version == "9.0.0" }) {
		t.Fatalf("%d rows kept, newest among them: %v", len(p.rows), slices.ContainsFunc(p.rows, func(v datasource.VersionShare) bool { return v.Latest }))
	}
	rows := fold(p.rows, 5, p.rest)
	var sum int64
	for _, r := range rows {
		sum += r.installs
	}
	if last := rows[len(rows)-1]; len(rows) != 5 || rows[0].label != "9.0.0" || last.label != "other (2,997)" || sum != total {
		t.Errorf("fold: %+v (sum %d, want %d)", rows, sum, total)
	}
	p.SetSize(120, 10)
	if v := ansi.Strip(p.View()); !strings.Contains(v, common.Thousands(total)+" installs · 3,001 versions · newest 9.0.0") {
		t.Errorf("summary:\n%s", v)
	}
}

func TestThresholds(t *testing.T) {
	th := Thresholds{Warn: 0.05, Alert: 0.2}
	for _, tc := range []struct {
		v    float64
		want Level
	}{{0, LevelOK}, {0.049, LevelOK}, {0.05, LevelWarn}, {0.19, LevelWarn}, {0.2, LevelAlert}, {3, LevelAlert}} {
		if got := th.Level(tc.v); got != tc.want {
			t.Errorf("Level(%g) = %v, want %v", tc.v, got, tc.want)
		}
	}
	if (Thresholds{}).Level(100) != LevelOK || (Thresholds{Alert: 1}).Level(0.5) != LevelOK {
		t.Error("zero thresholds are off")
	}
}

func TestHourAxis(t *testing.T) {
	for _, tc := range []struct {
		cw   int
		want string
	}{
		{24, "0  3  6  9  12 15 18 21"},
		{48, "0   2   4   6   8   10  12  14  16  18  20  22"},
		{72, "0  1  2  3  4  5  6  7  8  9  10 11 12 13 14 15 16 17 18 19 20 21 22 23"},
	} {
		_, pos := hourColumns(make([]float64, 24), tc.cw)
		if got := strings.TrimRight(hourAxis(tc.cw, pos), " "); got != tc.want {
			t.Errorf("hourAxis(%d) = %q, want %q", tc.cw, got, tc.want)
		}
	}
}

// TestMonochromeMarks: without colour the newest version, the focused pane
// and the error level are still marked in text or attributes.
func TestMonochromeMarks(t *testing.T) {
	com := testCommon(plainANSI, false)
	com.Styles = monoStyles()
	ps := allPanes(com, "24h")
	for _, p := range ps {
		p.SetSize(60, 12)
	}
	ps[0].Focus()
	if v := ps[1].View(); !strings.Contains(ansi.Strip(v), "★") || !strings.Contains(v, "\x1b[1m") {
		t.Error("newest version is not marked")
	}
	if v := ps[2].View(); !strings.Contains(ansi.Strip(v), "WARN") || !strings.Contains(v, "\x1b[1;4") {
		t.Error("warning is not marked")
	}
	if v := ps[0].View(); !strings.Contains(v, "7m") {
		t.Error("focus is not marked in reverse video")
	}
	for _, p := range ps {
		if strings.Contains(p.View(), "38;5") {
			t.Errorf("%s uses colour in monochrome", p.Title())
		}
	}
}

func TestScaleFloor(t *testing.T) {
	for _, tc := range []struct{ lo, hi, want float64 }{
		{471, 472, 370}, {357, 472, 350}, {657, 1194, 600}, {0, 5, 0}, {5, 5, 4}, {-3, 10, 0}, {0, 0, 0},
	} {
		if got := scaleFloor(tc.lo, tc.hi); got != tc.want {
			t.Errorf("scaleFloor(%g, %g) = %g, want %g", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestPartialBucket: the bucket still filling up (Point.Partial, from the
// snapshot's own time) is drawn shaded at the right edge, in colour or
// not, braille or --basic, in the installations, error and timer charts
// (there, the hour of day holding it), and
// does not drag the installations scale down; a range that ended before
// the snapshot has none. It was drawn at its partial value: 472 falling to
// 80 read as an outage (an empty bar in --basic).
func TestPartialBucket(t *testing.T) {
	for _, tc := range []struct {
		profile colorprofile.Profile
		basic   bool
	}{{ansi256, false}, {noStyle, false}, {noStyle, true}, {ansi256, true}} {
		for _, past := range []bool{false, true} {
			com := testCommon(tc.profile, tc.basic)
			q := tuitest.Query("24h")
			if past {
				q.Range = datasource.CustomRange(tuitest.Now.Add(-48*time.Hour), tuitest.Now.Add(-24*time.Hour))
			}
			snap := tuitest.Snapshot(q)
			if !past {
				last := &snap.Installs.Series[len(snap.Installs.Series)-1]
				last.V = 80 // ten minutes into the hour, against ~900
				snap.Errors.Series[len(snap.Errors.Series)-1].V = 0
			}
			name := fmt.Sprintf("profile %v basic %v past %v", tc.profile, tc.basic, past)
			for _, p := range []Pane{NewInstalls(com, KeyMap{}), NewErrors(com, KeyMap{}, Thresholds{}), NewTimers(com, KeyMap{})} {
				p.Update(DataMsg{Snapshot: snap})
				p.SetSize(60, 12)
				v := ansi.Strip(p.View())
				if got := strings.ContainsRune(v, partialRune); got == past {
					t.Errorf("%s, %T: shaded partial bucket = %v:\n%s", name, p, got, v)
				}
			}
			ins := NewInstalls(com, KeyMap{})
			ins.Update(DataMsg{Snapshot: snap})
			ins.SetSize(60, 14)
			if v := ansi.Strip(ins.View()); strings.Contains(v, " 80 ") || strings.Contains(v, " 0 ") {
				t.Errorf("%s: the partial bucket set the scale's floor:\n%s", name, v)
			}
		}
	}
	com := testCommon(ansi256, false)
	if got := splitStyle("abcd", 2, com.Styles.Series, com.Styles.Muted); ansi.Strip(got) != "abcd" || !strings.Contains(got, "245mcd") {
		t.Errorf("splitStyle = %q", got)
	}
}

// TestVersionsSayWhichRuleChoseLatest: the ★ goes where the rule says,
// and the pane says which rule that was, in the title where it fits and
// in full under the rows where there is room.
func TestVersionsSayWhichRuleChoseLatest(t *testing.T) {
	counts := map[string]int64{"4.9.1": 400, "4.9.0": 71, "5.0.0": 1}
	vs := datasource.BuildVersions(counts)
	snap := &datasource.Snapshot{Versions: vs, Latest: datasource.DefaultLatestRule().Pick(counts)}
	p := NewVersions(testCommon(noStyle, false), KeyMap{})
	p.Update(DataMsg{Snapshot: snap})
	p.SetSize(70, 10)
	v := ansi.Strip(p.View())
	for _, want := range []string{"newest 4.9.1 (≥3 installs, ≥1%)", "★ the highest version on ≥3 installs and ≥1%", "4.9.1 ★"} {
		if !strings.Contains(v, want) {
			t.Errorf("pane lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "5.0.0 ★") {
		t.Errorf("the stray has the ★:\n%s", v)
	}
	// Pinned to a release nobody runs yet: no ★ row, the title says it.
	snap = &datasource.Snapshot{Versions: datasource.BuildVersions(counts), Latest: datasource.LatestRule{Pin: "5.1.0\x1b[2J"}.Pick(counts)}
	datasource.MarkLatest(snap.Versions, snap.Latest.Version)
	p.Update(DataMsg{Snapshot: snap})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "newest 5.1.0␛[2J (pinned)") || strings.Contains(v, "4.9.1 ★") || strings.Contains(v, "5.0.0 ★") {
		t.Errorf("pinned, absent:\n%s", v)
	}
}
