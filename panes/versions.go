package panes

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/tui/common"
)

// maxVersions bounds the versions a pane keeps row by row; the rest are
// only counted (Versions.rest), since the tail is folded into "other"
// anyway.
const maxVersions = 1000

// Versions is the version-distribution pane: one bar per version with its
// installations and share, the newest version marked, the long tail folded
// into "other".
type Versions struct {
	base
	has    bool
	raw    []datasource.VersionShare // as received, to spot unchanged data
	rows   []datasource.VersionShare // by installations, largest first, at most maxVersions
	rest   versionRow                // the versions beyond maxVersions, summed
	sel    string                    // the selected version, "" for the first row
	latest datasource.Latest         // which version has the ★ and the rule that chose it
}

var _ Pane = (*Versions)(nil)

// NewVersions returns the versions pane.
func NewVersions(com *common.Common, keys KeyMap) *Versions {
	return &Versions{base: newBase(com, keys, TitleVersions)}
}

// Update takes new data and, focused, moves the selection (up/down) and
// drills into the selected version (enter).
func (p *Versions) Update(msg tea.Msg) (Pane, tea.Cmd) {
	p.restyle(msg)
	if k, ok := msg.(tea.KeyPressMsg); ok && p.focused {
		return p, p.handleKey(k)
	}
	if m, ok := msg.(DataMsg); ok && m.Snapshot != nil {
		p.setAlarm(m.Alerts, alarmVersions)
		v := m.Snapshot.Versions
		if p.has && slices.Equal(v, p.raw) && m.Snapshot.Latest == p.latest {
			return p, nil
		}
		p.raw, p.latest = slices.Clone(v), m.Snapshot.Latest
		p.rows, p.rest = capVersions(slices.Clone(v))
		p.has, p.dirty = true, true
	}
	return p, nil
}

// capVersions sorts v by installations, largest first, and keeps
// maxVersions of them (the newest always among them); the others are
// summed into rest, so that "other" and the summary still count them.
func capVersions(v []datasource.VersionShare) (rows []datasource.VersionShare, rest versionRow) {
	// Comparing versions parses them, so only the rows kept are ordered by
	// version among equal counts; the tail, summed, is ordered by count
	// alone (10,000 versions: a poll took 40 ms, now under 3).
	slices.SortFunc(v, func(a, b datasource.VersionShare) int {
		return cmp.Or(cmp.Compare(b.Installs, a.Installs), strings.Compare(b.Version, a.Version))
	})
	end := min(len(v), maxVersions)
	for end < len(v) && v[end].Installs == v[end-1].Installs {
		end++ // the run of equal counts across the cut decides who stays
	}
	slices.SortFunc(v[:end], func(a, b datasource.VersionShare) int {
		return cmp.Or(cmp.Compare(b.Installs, a.Installs), datasource.CompareVersions(b.Version, a.Version), strings.Compare(b.Version, a.Version))
	})
	if len(v) <= maxVersions {
		return v, versionRow{}
	}
	if i := slices.IndexFunc(v[maxVersions:], func(s datasource.VersionShare) bool { return s.Latest }); i >= 0 {
		// Few run the newest release yet, but it matters most: keep its
		// row and give up the smallest kept one instead.
		v[maxVersions-1], v[maxVersions+i] = v[maxVersions+i], v[maxVersions-1]
	}
	for _, s := range v[maxVersions:] {
		rest.folded++
		rest.installs += s.Installs
		rest.share += s.Share
	}
	return v[:maxVersions], rest
}

// View returns the cached rendering.
func (p *Versions) View() string { return p.view(p.render) }

// ShortHelp lists the selection and drill keys.
func (p *Versions) ShortHelp() []key.Binding {
	return []key.Binding{PairHelp(p.keys.Up, p.keys.Down, "version"), p.keys.Drill}
}

// FullHelp is ShortHelp for the help overlay.
func (p *Versions) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// shown is the rows the pane draws at its size, "other" left out.
func (p *Versions) shown() []versionRow {
	_, ih := p.inner()
	rows := fold(p.rows, ih, p.rest)
	if n := len(rows); n > 0 && rows[n-1].folded > 0 {
		rows = rows[:n-1]
	}
	return rows
}

// selected is the index of the selected version among shown, 0 when it is
// not shown (or none is selected yet).
func (p *Versions) selected(shown []versionRow) int {
	for i, r := range shown {
		if r.label == p.sel {
			return i
		}
	}
	return 0
}

// Selected is the version enter would drill into; "" without data.
func (p *Versions) Selected() string {
	shown := p.shown()
	if len(shown) == 0 {
		return ""
	}
	return shown[p.selected(shown)].label
}

func (p *Versions) handleKey(k tea.KeyPressMsg) tea.Cmd {
	shown := p.shown()
	if len(shown) == 0 {
		if key.Matches(k, p.keys.Drill) {
			return status(noDrill(p.has, "no versions in range to drill into"))
		}
		return nil
	}
	i := p.selected(shown)
	switch {
	case key.Matches(k, p.keys.Up):
		i = max(i-1, 0)
	case key.Matches(k, p.keys.Down):
		i = min(i+1, len(shown)-1)
	case key.Matches(k, p.keys.Home):
		i = 0
	case key.Matches(k, p.keys.End):
		i = len(shown) - 1
	case key.Matches(k, p.keys.Drill):
		v := shown[i].label
		return drill(NewVersionDrill(p.com, p.keys, v), VersionFilter(p.com.Mapping.VersionProperty, v))
	default:
		return nil
	}
	if shown[i].label != p.sel {
		p.sel, p.dirty = shown[i].label, true
	}
	return nil
}

// VersionFilter keeps the events of one app version; for Unknown, the
// events that carry none.
func VersionFilter(prop, v string) datasource.Filter {
	if prop == "" {
		prop = datasource.DefaultMapping().VersionProperty
	}
	if v == datasource.Unknown {
		return datasource.Filter{Key: prop, Op: datasource.OpIsNotSet}
	}
	return datasource.Filter{Key: prop, Op: datasource.OpEq, Values: []string{v}}
}

// versionRow is one drawn bar; folded > 0 marks the "other" row.
type versionRow struct {
	label    string
	installs int64
	share    float64
	latest   bool
	folded   int
}

// fold keeps the n-1 largest versions (n if all fit), always including the
// newest, sorts them newest first, and sums the rest, with beyond (the
// versions not kept as rows at all), into "other". rows is sorted by
// installations, largest first.
func fold(rows []datasource.VersionShare, n int, beyond versionRow) []versionRow {
	if n <= 0 || len(rows) == 0 {
		return nil
	}
	keep := rows
	var rest []datasource.VersionShare
	if len(rows) > n || beyond.folded > 0 {
		keep = slices.Clone(rows[:max(n-1, 1)])
		rest = slices.Clone(rows[len(keep):])
		if i := slices.IndexFunc(rest, func(v datasource.VersionShare) bool { return v.Latest }); i >= 0 {
			// The newest release matters most even when few run it yet.
			keep[len(keep)-1], rest[i] = rest[i], keep[len(keep)-1]
		}
	}
	keep = slices.Clone(keep)
	slices.SortFunc(keep, func(a, b datasource.VersionShare) int { return newestFirst(a.Version, b.Version) })
	out := make([]versionRow, 0, len(keep)+1)
	for _, v := range keep {
		out = append(out, versionRow{label: v.Version, installs: v.Installs, share: v.Share, latest: v.Latest})
	}
	if len(rest)+beyond.folded > 0 && len(out) < n {
		o := versionRow{folded: len(rest) + beyond.folded, installs: beyond.installs, share: beyond.share}
		for _, v := range rest {
			o.installs += v.Installs
			o.share += v.Share
		}
		o.label = "other (" + common.Thousands(int64(o.folded)) + ")"
		out = append(out, o)
	}
	return out
}

// newestFirst orders versions newest first with unknown and unparsable
// versions, which CompareVersions puts last, still at the bottom.
func newestFirst(a, b string) int {
	ua, ub := isOddVersion(a), isOddVersion(b)
	switch {
	case ua != ub && ua:
		return 1
	case ua != ub:
		return -1
	case ua:
		return strings.Compare(a, b)
	}
	return datasource.CompareVersions(b, a)
}

// isOddVersion reports versions CompareVersions sorts after all real ones.
func isOddVersion(v string) bool {
	return datasource.CompareVersions(v, "0") > 0 && datasource.CompareVersions(v, "999999999") > 0
}

func (p *Versions) summary() []string {
	st := p.com.Styles
	total := p.rest.installs
	latest := ""
	for _, v := range p.rows {
		total += v.Installs
		if v.Latest {
			latest = v.Version
		}
	}
	n := st.Number.Render(common.Thousands(total)) + st.Muted.Render(" installs")
	versions := common.Thousands(int64(len(p.rows) + p.rest.folded))
	count := st.Muted.Render(" · " + versions + " versions")
	if p.alarm.metrics["versions.count"] != LevelOK {
		count = st.Muted.Render(" · ") + p.figure("versions.count", st.Muted).Render(versions) + st.Muted.Render(" versions")
	}
	if latest == "" && p.latest.Version != "" {
		latest = common.Printable(p.latest.Version) // pinned, and nobody runs it yet
	}
	if latest == "" {
		return []string{n + count, n}
	}
	newest := st.Muted.Render(" · newest ") + st.Latest.Render(latest)
	out := []string{n + count + newest, n + newest, st.Muted.Render("newest ") + st.Latest.Render(latest)}
	if r := p.latest.Short; r != "" { // say which rule chose it, where it fits
		rule := st.Muted.Render(" (" + r + ")")
		newest := st.Muted.Render("newest ") + st.Latest.Render(latest) + rule
		out = append([]string{n + count + st.Muted.Render(" · ") + newest, n + st.Muted.Render(" · ") + newest, newest}, out...)
	}
	return out
}

func (p *Versions) render() string {
	st := p.com.Styles
	iw, ih := p.inner()
	switch {
	case !p.has:
		return p.frame(nil, centerLines(st.Empty.Render("waiting for data…"), iw, ih))
	case len(p.rows) == 0:
		return p.frame(nil, centerLines(st.Empty.Render("no heartbeats in range"), iw, ih))
	}
	rows := fold(p.rows, ih, p.rest)
	lw, cw := 0, 0
	var top int64
	for _, r := range rows {
		lw = max(lw, ansi.StringWidth(r.label))
		cw = max(cw, len(common.Thousands(r.installs)))
		top = max(top, r.installs)
	}
	lw = min(lw, max(iw/3, 8))
	const mark, shareW = 3, 6
	bw := iw - lw - mark - 1 - cw - shareW - 1
	body := make([]string, 0, len(rows))
	sel := -1
	if p.focused {
		sel = p.selected(rows)
	}
	for i, r := range rows {
		name, bar, marker := st.Text.Render(fit(r.label, lw)), st.VersionBar, "   "
		switch {
		case i == sel && r.folded == 0:
			name = st.Selected.Render(fit(r.label, lw))
			if r.latest {
				marker = st.Latest.Render(" ★ ")
			}
		case r.latest:
			name, bar, marker = st.Latest.Render(fit(r.label, lw)), st.LatestBar, st.Latest.Render(" ★ ")
		case r.folded > 0:
			name, bar = st.Muted.Render(fit(r.label, lw)), st.OtherBar
		}
		line := name + marker
		if bw >= 3 {
			line += bar.Render(fit(hbar(float64(r.installs)/float64(max(top, 1)), bw, p.com.Basic), bw)) + " "
		}
		pct := st.Muted.Render(padLeft(common.Percent(r.share), shareW))
		if r.latest && p.alarm.metrics["versions.latest_share"] != LevelOK {
			s := common.Percent(r.share)
			pct = repeat(" ", shareW-ansi.StringWidth(s)) + p.figure("versions.latest_share", st.Muted).Render(s)
		}
		line += padLeft(common.Thousands(r.installs), cw) + pct
		body = append(body, line)
	}
	if why := p.latest.Reason; why != "" && len(body)+2 <= ih {
		body = append(body, "", st.Muted.Render(fit("★ "+why, iw)))
	}
	return p.frame(p.summary(), body)
}
