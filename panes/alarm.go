package panes

import (
	"maps"

	"charm.land/lipgloss/v2"

	"github.com/ttmon/ttmon/alert"
)

// Names of the panes as package alert names them (Firing.Pane).
const (
	alarmInstalls = "installs"
	alarmVersions = "versions"
	alarmErrors   = "errors"
	alarmTimers   = "timers"
)

// alarm is what the configured alert rules say about one pane: the worst
// level among its firing rules, which colours its border and puts the
// level's word beside its title, and the level of each firing metric,
// which colours that figure.
type alarm struct {
	level   Level
	metrics map[string]Level
}

// levelOf maps an alert rule's level onto the panes' scale.
func levelOf(l alert.Level) Level {
	switch l {
	case alert.Warn:
		return LevelWarn
	case alert.Alert:
		return LevelAlert
	}
	return LevelOK
}

// setAlarm takes the firings of the pane named name (alarmInstalls, ...)
// out of fs and drops the cache only when they changed, so that a poll
// with the same alerts leaves the pane's string as it was.
func (b *base) setAlarm(fs []alert.Firing, name string) {
	var a alarm
	for _, f := range fs {
		if f.Pane() != name {
			continue
		}
		l := levelOf(f.Rule.Level)
		if a.metrics == nil {
			a.metrics = map[string]Level{}
		}
		a.level = max(a.level, l)
		a.metrics[f.Metric()] = max(a.metrics[f.Metric()], l)
	}
	if a.level != b.alarm.level || !maps.Equal(a.metrics, b.alarm.metrics) {
		b.alarm, b.dirty = a, true
	}
}

// figure is the style of a figure that alert rules watch as metric: the
// level's style while a rule on it fires, else def.
func (b *base) figure(metric string, def lipgloss.Style) lipgloss.Style {
	return b.levelStyle(b.alarm.metrics[metric], def)
}

// levelStyle is the style of level l, def for LevelOK.
func (b *base) levelStyle(l Level, def lipgloss.Style) lipgloss.Style {
	switch l {
	case LevelAlert:
		return b.com.Styles.Alert
	case LevelWarn:
		return b.com.Styles.Warn
	}
	return def
}

// mark is the alarm's word for the title line, styled as a badge; ""
// when no rule on this pane fires.
func (b *base) mark() string {
	st := b.com.Styles
	switch b.alarm.level {
	case LevelAlert:
		return st.AlertMark.Render("ALERT")
	case LevelWarn:
		return st.WarnMark.Render("WARN")
	}
	return ""
}
