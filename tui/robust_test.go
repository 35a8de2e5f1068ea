package tui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/tuitest"
)

// Values that are hard to measure: CJK (2 cells a rune), emoji and ZWJ
// sequences (one 2-cell grapheme of several runes), combining marks (0
// cells), right-to-left scripts, zero-width characters, and sheer length.
var wide = []string{
	"版本四点九点一",
	"🚀4.9.1🔥",
	"4.9.1-e\u0301\u0301\u0301x\u0308",
	"גרסה-4.9",
	"\u200fنسخة٤\u200f",
	"👩\u200d💻👨\u200d👩\u200d👧\u200d👦",
	"4.9\u200b.2\ufeff",
	"Z\u0351\u0352a\u0354l\u0356g\u0357o̸",
	strings.Repeat("長", 120),
	strings.Repeat("v1.", 200),
	// Hostile: anyone with a project token can send these. The terminal
	// must see them as text (checkOnlySGR).
	"\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x1b\\4.9",
	"a\r\nb\tc\x00\x7f\u009b31m\xff\xfe",
}

// wideSource answers like tuitest.Source with those values in every
// place a value is shown: versions, errors by version, installations
// (ids, versions, platforms, deployments), error events and breakdowns.
// versions sets how many distinct versions the snapshot has.
type wideSource struct {
	tuitest.Source
	versions int
}

func (s *wideSource) Snapshot(ctx context.Context, q datasource.Query) (*datasource.Snapshot, error) {
	snap, err := s.Source.Snapshot(ctx, q)
	if err != nil {
		return nil, err
	}
	n := max(s.versions, len(wide))
	counts := make(map[string]int64, n)
	errs := map[string]int64{}
	for i := range n {
		v := wide[i%len(wide)]
		if i >= len(wide) {
			r := []rune(wide[i%len(wide)])
			v = fmt.Sprintf("%d.%d.%d-%s", i/1000, i/10%100, i%10, string(r[:min(len(r), 4)]))
		}
		counts[v] += int64(1 + (i*7919)%500)
		if i < 20 {
			errs[v] = int64(i + 1)
		}
	}
	snap.Versions = datasource.BuildVersions(counts)
	snap.Errors.ByVersion = datasource.ErrorsByVersion(errs)
	var active int64
	for _, v := range snap.Versions {
		active += v.Installs
	}
	snap.Installs.Active = active
	return snap, nil
}

func (s *wideSource) Installations(context.Context, datasource.InstallationsQuery) ([]datasource.Installation, error) {
	var out []datasource.Installation
	for i := range max(s.versions, len(wide)) {
		v := wide[i%len(wide)]
		if i >= len(wide) {
			v = fmt.Sprintf("%d.%d.%d", i/1000, i/10%100, i%10)
		}
		out = append(out, datasource.Installation{
			ID: fmt.Sprintf("%s-%d", wide[(i+3)%len(wide)], i), Version: v, Platform: wide[(i+1)%len(wide)],
			Deployment: wide[(i+2)%len(wide)], LastSeen: tuitest.Now.Add(-time.Duration(i) * time.Minute), Heartbeats: int64(i),
		})
	}
	return out, nil
}

func (s *wideSource) Events(context.Context, datasource.EventsQuery) ([]datasource.Event, error) {
	var out []datasource.Event
	for i, v := range wide {
		out = append(out, datasource.Event{UUID: fmt.Sprint(i), Time: tuitest.Now.Add(-time.Duration(i) * time.Hour), Name: "error_occurred",
			DistinctID: v, Properties: map[string]any{"app_version": v, "error_type": wide[(i+1)%len(wide)],
				"error_message": wide[(i+2)%len(wide)] + " " + wide[(i+5)%len(wide)], "deployment_method": wide[(i+4)%len(wide)]}})
	}
	return out, nil
}

func (s *wideSource) Breakdown(_ context.Context, q datasource.BreakdownQuery) ([]datasource.ValueCount, error) {
	var out []datasource.ValueCount
	for i, v := range wide {
		out = append(out, datasource.ValueCount{Value: v, Count: int64(500 - 40*i)})
	}
	return out, nil
}

// wideModel is the dashboard on wideSource, filtered by chips that hold
// the same values.
func wideModel(t testing.TB, versions, w, h int) *Model {
	t.Helper()
	var fs []datasource.Filter
	for i, v := range wide[:6] {
		key := []string{"deployment_method", "app_version", "person.installation_id"}[i%3]
		fs = append(fs, datasource.Filter{Key: key, Op: datasource.OpEq, Values: []string{v}})
	}
	src := &wideSource{versions: versions}
	m := newTest(t, src, Options{Filters: fs}, w, h)
	res, _ := find[snapshotMsg](collect(m.Init()))
	m.Update(res)
	if m.snap == nil {
		t.Fatalf("no snapshot: %v", m.poll.err)
	}
	return m
}

// checkFits fails unless every line of v is at most w cells and there are
// at most h lines (exactly w x h is the stronger promise the goldens
// keep; here any size and any state must at least not overflow).
func checkFits(t testing.TB, what, v string, w, h int) {
	t.Helper()
	if v == "" {
		return
	}
	lines := strings.Split(v, "\n")
	if len(lines) > h {
		t.Fatalf("%s %dx%d: %d lines", what, w, h, len(lines))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%s %dx%d: line %d is %d cells: %q", what, w, h, i, lw, ansi.Strip(l))
		}
	}
}

// TestResizeStorm: hundreds of random sizes (thousands with TTMON_LONG=1),
// the extremes among them, in every kind of screen (dashboard, zoom, help,
// each drill view, the prompt, the picker, a failed poll), with wide
// values everywhere: no panic, and no frame ever wider or taller than the
// terminal.
func TestResizeStorm(t *testing.T) {
	extremes := [][2]int{{1, 1}, {0, 0}, {0, 10}, {10, 0}, {2, 50}, {50, 2}, {500, 3}, {3, 500}, {1000, 300}, {59, 15}, {60, 16}, {61, 17}}
	states := []struct {
		name string
		keys []string
	}{
		{"grid", nil}, {"zoom", []string{"v", "z"}}, {"help", []string{"?"}},
		{"installs drill", []string{"enter"}}, {"installs detail", []string{"enter", "down", "enter"}},
		{"version drill", []string{"v", "enter"}}, {"errors drill", []string{"e", "enter"}},
		{"event detail", []string{"e", "enter", "down", "enter"}}, {"hour drill", []string{"u", "enter"}},
		{"prompt", []string{"/", "d"}}, {"picker", []string{"c"}}, {"failed", nil},
	}
	perState := 40 // 12 states: about 600 sizes in all
	if long() {
		perState = 200 // about 2,500
	}
	for i, st := range states {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			resizeStorm(t, rand.New(rand.NewPCG(1, uint64(i))), st.name, st.keys, extremes, perState)
		})
	}
}

func resizeStorm(t *testing.T, rng *rand.Rand, name string, keys []string, extremes [][2]int, perState int) {
	{
		m := wideModel(t, 40, 120, 40)
		for _, k := range keys {
			if k == "d" {
				typeText(m, k)
				continue
			}
			hit(m, k)
		}
		if name == "failed" {
			m.poll.fetch(m.query(), m.job())
			m.Update(snapshotMsg{seq: m.poll.seq, err: &datasource.Error{Kind: datasource.ErrUnavailable, Short: wide[0] + wide[5],
				Message: "PostHog error 503: " + strings.Join(wide, " ")}})
		}
		for i := range perState + len(extremes) {
			var w, h int
			switch {
			case i < len(extremes):
				w, h = extremes[i][0], extremes[i][1]
			case i%3 == 0:
				w, h = rng.IntN(30), rng.IntN(30) // tiny, where things break
			default:
				w, h = rng.IntN(320), rng.IntN(120)
			}
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			v := screen(m)
			if w < 1 || h < 1 {
				checkFits(t, name, v, w, h)
				continue
			}
			checkScreen(t, v, w, h) // exactly w x h, so no line wider, none more
			if name == "failed" && w >= 80 && h >= minHeight && !strings.Contains(strings.Split(v, "\n")[0], "POLL FAILED") {
				t.Fatalf("%dx%d: the failure is not in the header:\n%s", w, h, ansi.Strip(v))
			}
		}
	}
}

// cols lists the display columns at which sub occurs in the plain text of
// line.
func cols(line, sub string) []int {
	s := ansi.Strip(line)
	var out []int
	for off := 0; ; {
		i := strings.Index(s[off:], sub)
		if i < 0 {
			return out
		}
		out = append(out, ansi.StringWidth(s[:off+i]))
		off += i + len(sub)
	}
}

// requireAligned fails unless every line of block that holds sep holds it
// at the same display columns as the others with as many: in a bar list
// the share column ("%") only lines up if every label before it was cut
// or padded to exactly its width.
func requireAligned(t *testing.T, what, block, sep string) {
	t.Helper()
	want := map[int][]int{}
	n := 0
	for i, l := range strings.Split(block, "\n") {
		c := cols(l, sep)
		if len(c) == 0 {
			continue
		}
		n++
		if w, ok := want[len(c)]; ok && fmt.Sprint(w) != fmt.Sprint(c) {
			t.Fatalf("%s: line %d has %q at %v, others at %v:\n%s", what, i, sep, c, w, ansi.Strip(block))
		}
		want[len(c)] = c
	}
	if n < 2 {
		t.Fatalf("%s: %d lines with %q, nothing to compare:\n%s", what, n, sep, ansi.Strip(block))
	}
}

// requireColumns fails unless, in a table whose header line names the
// columns, every row has two blank cells right before each column (cells
// are joined by two spaces): a cell cut one cell short, as a wide
// character at the edge can leave it, shifts the next column left.
func requireColumns(t *testing.T, what, block string, titles ...string) {
	t.Helper()
	lines := strings.Split(block, "\n")
	head := -1
	for i, l := range lines {
		if strings.Contains(ansi.Strip(l), titles[0]) && strings.Contains(ansi.Strip(l), titles[1]) {
			head = i
			break
		}
	}
	if head < 0 {
		t.Fatalf("%s: no header with %v:\n%s", what, titles, ansi.Strip(block))
	}
	var at []int
	for _, title := range titles[1:] {
		c := cols(lines[head], title)
		if len(c) == 0 {
			t.Fatalf("%s: header lacks %q: %q", what, title, ansi.Strip(lines[head]))
		}
		at = append(at, c[0])
	}
	rows := 0
	for _, l := range lines[head+1:] {
		plain := []rune(ansi.Strip(l))
		if tr := strings.TrimSpace(string(plain)); strings.HasPrefix(tr, "╭") || strings.HasPrefix(tr, "┏") || strings.HasPrefix(tr, "▌") {
			break // the next part of a split view
		}
		if len(plain) < 3 || strings.TrimSpace(string(plain[1:len(plain)-1])) == "" || strings.HasPrefix(strings.TrimSpace(string(plain)), "╰") ||
			strings.HasPrefix(strings.TrimSpace(string(plain)), "┗") {
			continue
		}
		rows++
		for _, c := range at {
			gap := ansi.Strip(ansi.Cut(l, c-2, c))
			if ansi.StringWidth(gap) != 2 || strings.TrimFunc(gap, func(r rune) bool { return r == ' ' || unicode.In(r, unicode.Cf, unicode.Mn) }) != "" {
				t.Fatalf("%s: column at %d is not preceded by two spaces (%q) in\n%q\nheader\n%q", what, c, gap, ansi.Strip(l), ansi.Strip(lines[head]))
			}
		}
	}
	if rows < 3 {
		t.Fatalf("%s: %d rows:\n%s", what, rows, ansi.Strip(block))
	}
}

// TestWideValuesAlign: with wide, zero-width and combining characters in
// every value, at many widths, the bar lists keep their share column in
// line and the tables keep their columns in line, and nothing is wider
// than the screen.
func TestWideValuesAlign(t *testing.T) {
	for _, w := range []int{60, 61, 77, 80, 93, 100, 119, 120, 157, 200} {
		m := wideModel(t, 40, w, 40)
		checkScreen(t, screen(m), w, 40)
		requireAligned(t, fmt.Sprintf("versions pane %d", w), dash(m).panes[1].View(), "%")
		press(m, "v")
		press(m, "z")
		requireAligned(t, fmt.Sprintf("versions zoomed %d", w), dash(m).panes[1].View(), "%")
		press(m, "z")

		hit(m, "enter") // the selected version's breakdowns
		checkScreen(t, screen(m), w, 40)
		requireAligned(t, fmt.Sprintf("version drill %d", w), m.top().View(), "%")
		hit(m, "esc")

		hit(m, "i")
		hit(m, "enter")
		checkScreen(t, screen(m), w, 40)
		requireColumns(t, fmt.Sprintf("installs drill %d", w), m.top().View(), "last seen", "id", "versio", "platform", "deployment")
		hit(m, "s")
		hit(m, "s") // by version
		requireColumns(t, fmt.Sprintf("installs by version %d", w), m.top().View(), "last seen", "id", "versio", "platform", "deployment")
		hit(m, "esc")

		hit(m, "e")
		hit(m, "enter")
		checkScreen(t, screen(m), w, 40)
		requireColumns(t, fmt.Sprintf("errors drill %d", w), m.top().View(), "error_type", "error_message", "events")
		hit(m, "esc")

		hit(m, "u")
		hit(m, "enter")
		checkScreen(t, screen(m), w, 40)
		requireAligned(t, fmt.Sprintf("hour drill %d", w), m.top().View(), "%")
		hit(m, "esc")

		hit(m, "c") // the picker over the panes
		checkScreen(t, screen(m), w, 40)
		hit(m, "esc")
	}
}

// TestManyVersions: 10,000 distinct versions fold into "other" with every
// one of them counted, the summary says how many there are, and the
// installations drill lists every installation and scrolls to the last.
func TestManyVersions(t *testing.T) {
	const n = 10000
	m := wideModel(t, n, 120, 40)
	hit(m, "v")
	hit(m, "z") // room for the whole summary
	v := ansi.Strip(dash(m).panes[1].View())
	if !strings.Contains(v, "10,000 versions") {
		t.Errorf("the summary does not count every version:\n%s", v)
	}
	var total int64
	newest := ""
	for _, s := range m.snap.Versions {
		total += s.Installs
		if s.Latest {
			newest = s.Version
		}
	}
	if !strings.Contains(v, common.Thousands(total)+" installs") || newest == "" || !strings.Contains(v, "newest "+newest) {
		t.Errorf("the summary does not count every install (%d) or lost the newest version:\n%s", total, v)
	}
	lines := strings.Split(v, "\n")
	other := ""
	shown := 0
	for _, l := range lines {
		if strings.Contains(l, "other (") {
			other = l
		} else if strings.Contains(l, "%") {
			shown++
		}
	}
	if want := fmt.Sprintf("other (%s)", common.Thousands(int64(n-shown))); !strings.Contains(other, want) {
		t.Errorf("want %q folding every version not shown (%d shown), got %q", want, shown, other)
	}
	requireAligned(t, "10,000 versions", dash(m).panes[1].View(), "%")

	hit(m, "z")
	hit(m, "i")
	hit(m, "enter")
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "10,000 installations") {
		t.Errorf("the installations drill does not list all 10,000:\n%s", v)
	}
	hit(m, "G") // the last row: the installation seen longest ago
	if v := ansi.Strip(screen(m)); !strings.Contains(v, "9.99.9") {
		t.Errorf("the last installation is not shown after G:\n%s", v)
	}
	requireColumns(t, "10,000 installations", m.top().View(), "last seen", "id", "versio", "platform", "deployment")
	for _, sz := range [][2]int{{60, 16}, {200, 60}, {1000, 300}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkScreen(t, screen(m), sz[0], sz[1])
	}
}

// BenchmarkManyVersions measures frames with 10,000 distinct versions
// and long, wide values everywhere (TestManyVersions checks what they
// show):
//   - cold: every pane and the chrome drawn from scratch;
//   - poll: a new snapshot (all 10,000 versions sorted and capped again)
//     and the frame drawn;
//   - installs: the installations drill listing 10,000 rows, redrawn.
//
// go test ./tui -run '^$' -bench ManyVersions -benchmem
func BenchmarkManyVersions(b *testing.B) {
	for _, sz := range [][2]int{{120, 40}, {1000, 300}} {
		name := fmt.Sprintf("%dx%d", sz[0], sz[1])
		b.Run(name+"/cold", func(b *testing.B) {
			m := wideModel(b, 10000, sz[0], sz[1])
			b.ReportAllocs()
			for b.Loop() {
				m.Update(panes.RestyleMsg{})
				_ = screen(m)
			}
		})
		b.Run(name+"/poll", func(b *testing.B) {
			m := wideModel(b, 10000, sz[0], sz[1])
			a, c := *m.snap, *m.snap
			c.Versions = slices.Clone(c.Versions)
			c.Versions[5000].Installs++
			snaps := [2]*datasource.Snapshot{&a, &c}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				feed(m, snaps[i%2])
				_ = screen(m)
				i++
			}
		})
		b.Run(name+"/installs", func(b *testing.B) {
			m := wideModel(b, 10000, sz[0], sz[1])
			hit(m, "enter")
			if _, ok := m.top().(*drillPage); !ok {
				b.Fatal("no drill page")
			}
			b.ReportAllocs()
			for b.Loop() {
				m.Update(panes.RestyleMsg{})
				_ = screen(m)
			}
		})
	}
}
