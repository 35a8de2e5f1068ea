// Package tui is ttmon's live monitor: the root Bubble Tea model that lays
// out the dashboard, routes keys and data, polls the Source, and draws the
// header, footer and help around the panes.
//
// The root routes and polls; it does not draw panes or fetch in Update.
// Data flows one way: Source -> fetch command -> snapshotMsg -> panes ->
// View. Pages sit on a stack whose bottom is the four-pane dashboard; a
// drill view pushed on top (enter) names what it needs from the Source and
// the poller asks for that instead, so drill views keep polling; esc pops
// it. Filters (typed at the header prompt, picked as cohorts) are part of
// every query; changing them polls again at once.
package tui

import (
	"context"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/cohort"
	"github.com/ttmon/ttmon/datasource"
	"github.com/ttmon/ttmon/panes"
	"github.com/ttmon/ttmon/tui/common"
	"github.com/ttmon/ttmon/tui/helpview"
	"github.com/ttmon/ttmon/tui/picker"
	"github.com/ttmon/ttmon/tui/prompt"
)

var errNoSnapshot = errors.New("the source returned no data")

// statusClearMsg ends a transient footer message, unless a newer one
// replaced it.
type statusClearMsg struct{ id int }

// statusFor is how long transient footer messages stay.
const statusFor = 3 * time.Second

// Model is the root model. Create it with New; it is a tea.Model.
type Model struct {
	com  *common.Common
	keys KeyMap
	help help.Model

	src     datasource.Source
	info    datasource.Info
	rng     string
	at      time.Time // --at: ranges end here; zero = now
	filters []datasource.Filter
	tz      string
	// cohortNames names PostHog cohorts by id, for chips.
	cohortNames map[string]string

	poll  poller
	pages []page // pages[0] is the dashboard shown, the rest *drillPage
	// dashboards are every dashboard's page (each keeps its focus and
	// zoom); dash is the one shown.
	dashboards []*dashboard
	dash       int
	pageSeq    uint64 // id of the last drill page opened
	snap       *datasource.Snapshot
	pending    bool // the query changed and its answer has not come yet
	changed    change

	// The modal components, closed until a key opens them (components.go).
	prompt     prompt.Model
	picker     picker.Model
	helpView   helpview.Model
	catalog    cohort.Catalog
	save       func(cohort.Cohort, bool) error
	saveOff    string // why save is nil, if it says
	configPath string

	rules  []alert.Rule
	firing []alert.Firing // the rules that held for the last snapshot
	bell   io.Writer      // where the bell rings; nil: it does not

	width, height int
	status        string
	statusErr     bool
	statusID      int
	quitting      bool
	mouse         bool                 // Options.Mouse: View asks for mouse reports
	profile       colorprofile.Profile // Options.Profile: what the output shows
}

var _ tea.Model = (*Model)(nil)

// New builds the monitor for src. It validates the options (range, zone,
// interval, key overrides) and fails with a message that says what to fix.
// The theme follows o.Profile; with none, New draws monochrome (NewProgram
// always sets one for its output).
func New(src datasource.Source, o Options) (*Model, error) {
	if src == nil {
		return nil, errors.New("tui: no source")
	}
	o, err := o.withDefaults()
	km, kerr := NewKeyMap(o.Keys)
	if err = errors.Join(err, kerr); err != nil {
		return nil, err
	}
	if len(o.Dashboards) == 0 {
		o.Dashboards = BuiltinDashboards()
	}
	if err := checkDashboards(o.Dashboards, o.Dashboard, km, o.Clock()); err != nil {
		return nil, err
	}
	loc, _ := datasource.Query{TZ: o.TZ}.Location() // checked by withDefaults
	com := &common.Common{
		Styles: common.NewStyles(theme(o)),
		Clock:  o.Clock, Logger: o.Logger, Loc: loc, Basic: o.Basic, Mapping: o.Mapping,
	}
	h := help.New()
	h.Styles = help.Styles{
		ShortKey: com.Styles.HelpKey, ShortDesc: com.Styles.HelpDesc, ShortSeparator: com.Styles.HelpSep,
		FullKey: com.Styles.HelpKey, FullDesc: com.Styles.HelpDesc, FullSeparator: com.Styles.HelpSep,
		Ellipsis: com.Styles.HelpSep,
	}
	m := &Model{
		com: com, keys: km, help: h,
		src: src, info: src.Info(), rng: o.Range, filters: o.Filters, tz: o.TZ,
		poll:    poller{src: src, ctx: context.Background(), timeout: o.Timeout, requested: o.Interval, interval: o.Interval, after: tea.Tick},
		catalog: cohort.Catalog{Saved: o.Cohorts},
		save:    o.SaveCohort, saveOff: o.SaveCohortDisabled, configPath: o.ConfigPath,
		rules: o.Alerts,
	}
	m.at, m.cohortNames, m.mouse, m.profile = o.At, o.CohortNames, o.Mouse, o.Profile
	m.newComponents()
	m.setDashboards(o)
	return m, nil
}

// query is what the next poll asks: the range resolved against now.
func (m *Model) query() datasource.Query {
	now := m.com.Clock()
	if !m.at.IsZero() {
		now = m.at
	}
	r, err := datasource.ParseRange(m.rng, now)
	if err != nil { // validated in New; a preset cannot fail
		r, _ = datasource.ParseRange("24h", now)
	}
	return m.panesQuery(datasource.Query{Range: r, Filters: m.filters, TZ: m.tz})
}

// top is the page on top of the stack, the one that gets keys.
func (m *Model) top() page { return m.pages[len(m.pages)-1] }

// Init starts the first poll at once; nothing waits on it.
func (m *Model) Init() tea.Cmd { return m.poll.fetch(m.query(), m.job()) }

// Update routes: sizes to the layout, keys to the open component (prompt,
// picker, help), else global actions then the top page; poll results to
// the pages; what components emit and lookup answers to handleComponent;
// anything else to the top page.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.refreshHelp()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.handleResize(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKeys(msg)
	case tea.PasteMsg:
		// Pasted text is text for the open input, never keys: pasting
		// on the dashboard must not switch panes or ranges.
		if !m.typing() || msg.Content == "" {
			return m, nil
		}
		r, _ := utf8.DecodeRuneInString(msg.Content)
		return m, m.handleKey(tea.KeyPressMsg{Code: r, Text: msg.Content})
	case tea.MouseClickMsg:
		if m.modal() {
			return m, nil
		}
		msg.Y-- // below the header
		return m, m.forward(msg)
	case snapshotMsg:
		return m, m.handleData(msg)
	case pollTickMsg:
		if msg.gen != m.poll.gen || m.poll.paused {
			return m, nil
		}
		return m, m.poll.fetch(m.query(), m.job())
	case statusClearMsg:
		if msg.id == m.statusID {
			m.status, m.statusErr = "", false
		}
		return m, nil
	case panes.DrillMsg:
		return m, m.push(msg)
	case panes.StatusMsg:
		return m, m.setStatus(msg.Text)
	case cohortMsg:
		return m, m.handleCohort(msg)
	case savedMsg:
		return m, m.handleSaved(msg)
	}
	if cmd, ok := m.handleComponent(msg); ok {
		return m, cmd
	}
	return m, m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) tea.Cmd {
	p, cmd := m.top().Update(msg)
	m.pages[len(m.pages)-1] = p
	return cmd
}

func (m *Model) handleResize(msg tea.WindowSizeMsg) {
	m.width, m.height = msg.Width, msg.Height
	for _, p := range m.pages {
		p.SetSize(max(m.width, 0), max(m.height-chromeH, 0))
	}
	m.prompt.SetWidth(m.width)
}

// handleData shows a fresh snapshot and moves the poll cycle on. A failed
// poll changes only the header: the panes keep the last good data.
func (m *Model) handleData(msg snapshotMsg) tea.Cmd {
	ours, fresh := m.poll.finish(msg, m.com.Clock())
	if !ours {
		return nil // not the awaited fetch: the cycle is driven by that one
	}
	log := m.com.Logger
	cmds := []tea.Cmd{m.poll.next(m.query(), m.job())}
	switch {
	case fresh && msg.drill != nil:
		log.Debug("poll", "seq", msg.seq, "took", msg.took, "page", msg.page)
		m.pending = false
		m.changed.note(*msg.drill, msg.took, m.com.Clock())
		cmds = append(cmds, m.deliver(msg.page, msg.drill))
	case fresh:
		log.Debug("poll", "seq", msg.seq, "took", msg.took, "events", msg.snap.Totals.Events)
		m.snap, m.pending = msg.snap, false
		m.changed.note(figures(msg.snap), msg.took, m.com.Clock())
		cmds = append(cmds, m.evaluate(msg.snap))
		for i, p := range m.pages {
			var cmd tea.Cmd
			m.pages[i], cmd = p.Update(panes.DataMsg{Snapshot: msg.snap, Alerts: m.firing})
			cmds = append(cmds, cmd)
		}
	case m.poll.err != nil && msg.seq >= m.poll.accept:
		log.Warn("poll failed", "seq", msg.seq, "took", msg.took, "err", m.poll.err, "failures", m.poll.fails)
	}
	return tea.Batch(cmds...)
}

// handleKeys splits typed-ahead keys. Bubble Tea v1 delivers the runes of
// one read as one message ("ttt" from tmux send-keys, or keys typed ahead
// over a slow SSH link), which matches no binding; each rune is handled as
// its own key, in order. Once one of them opens a text input (the filter
// prompt, a find line), the rest is that input's text, whole, as pasted
// text always is.
func (m *Model) handleKeys(msg tea.KeyPressMsg) tea.Cmd {
	runes := []rune(msg.Text)
	if len(runes) < 2 || msg.Mod.Contains(tea.ModAlt) || m.typing() {
		return m.handleKey(msg)
	}
	var cmds []tea.Cmd
	for i, r := range runes {
		one := msg
		if m.typing() {
			one.Text = string(runes[i:])
			cmds = append(cmds, m.handleKey(one))
			break
		}
		one.Text, one.Code = string(r), r
		cmds = append(cmds, m.handleKey(one))
		if m.quitting {
			break
		}
	}
	return tea.Batch(cmds...)
}

// typing reports that keys go to a text input as text.
func (m *Model) typing() bool {
	return m.prompt.Typing() || m.capturing()
}

// handleKey gives the key to the prompt when it is open (or to a drill
// view typing in its find line), else runs the quit keys, then gives it
// to the picker or help when open, else runs global actions, then lets
// the top page have it.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		return m.quit()
	case m.prompt.Typing():
		cmd, _ := m.routeKey(msg)
		return cmd
	case m.capturing():
		return m.forward(msg)
	case key.Matches(msg, k.Quit) && !m.prompt.Active():
		return m.quit()
	}
	if cmd, ok := m.routeKey(msg); ok {
		return cmd
	}
	switch {
	case key.Matches(msg, k.Help):
		m.openHelp()
	case key.Matches(msg, k.Filter):
		return m.prompt.OpenFilter()
	case key.Matches(msg, k.Cohort):
		return m.openPicker()
	case key.Matches(msg, k.RemoveChip):
		return m.removeLastFilter()
	case key.Matches(msg, k.ClearChips):
		return m.clearFilters()
	case key.Matches(msg, k.SaveCohort):
		return m.openNamePrompt("")
	case key.Matches(msg, k.Back):
		return m.back(msg)
	case key.Matches(msg, k.Range):
		m.rng = datasource.NextPreset(m.rng)
		return tea.Batch(m.refetch(), m.setStatus("range "+m.rng))
	case key.Matches(msg, k.Refresh):
		m.poll.gen++ // the pending tick would poll again right after
		cmd := m.poll.fetch(m.query(), m.job())
		if cmd == nil {
			return m.setStatus("refresh queued")
		}
		return cmd
	case key.Matches(msg, k.Pause):
		return m.togglePause()
	case key.Matches(msg, k.Slower, k.Faster):
		cmd := m.setStatus(m.poll.step(key.Matches(msg, k.Slower)))
		if m.poll.inFlight {
			return cmd // the running poll schedules with the new interval
		}
		return tea.Batch(cmd, m.poll.schedule())
	default:
		if cmd, ok := m.switchKey(msg); ok {
			return cmd
		}
		return m.forward(msg)
	}
	return nil
}

func (m *Model) togglePause() tea.Cmd {
	m.poll.paused = !m.poll.paused
	if m.poll.paused {
		m.poll.gen++ // drop the pending tick
		return m.setStatus("polling paused")
	}
	return tea.Batch(m.poll.fetch(m.query(), m.job()), m.setStatus("polling resumed"))
}

func (m *Model) quit() tea.Cmd {
	m.quitting = true
	m.poll.stop()
	return tea.Quit
}

// setError shows a transient footer message marked as a problem.
func (m *Model) setError(s string) tea.Cmd {
	cmd := m.setStatus(s)
	m.statusErr = true
	return cmd
}

// setStatus shows a transient footer message that clears itself.
func (m *Model) setStatus(s string) tea.Cmd {
	m.statusID++
	m.status, m.statusErr = s, false
	id := m.statusID
	return m.poll.after(statusFor, func(time.Time) tea.Msg { return statusClearMsg{id: id} })
}
