package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/ttmon/ttmon/datasource"
)

// Why a store follows the mapping preset it does; `ttmon check` shows it.
const (
	presetFromConfig   = "set by events.preset"
	presetDetected     = "detected: the store holds OTLP records from service.name=timetracker"
	presetNotDetected  = "no OTLP records from service.name=timetracker yet"
	timeTracker5Marker = `SELECT 1 FROM pairs WHERE key = 'service.name' AND value = '"timetracker"' LIMIT 1`
)

// resolvePreset settles m's preset: an explicit one applies as set; auto
// looks for what only TimeTracker 5.x leaves, the resource attribute
// service.name=timetracker that the collector keeps on every OTLP record.
// The pairs_key index answers that without a scan. It returns the mapping
// and why it was chosen.
func resolvePreset(ctx context.Context, db *sql.DB, m datasource.Mapping) (datasource.Mapping, string, error) {
	p, err := datasource.ParsePreset(m.Preset)
	if err != nil {
		return m, "", err
	}
	if p != datasource.PresetAuto {
		return m.WithPreset(p), presetFromConfig, nil
	}
	found, err := holdsTimeTracker5(ctx, db)
	if err != nil {
		return m, "", err
	}
	if found {
		return m.WithPreset(datasource.PresetTimeTracker5), presetDetected, nil
	}
	return m.WithPreset(datasource.PresetTimeTracker4), presetNotDetected, nil
}

func holdsTimeTracker5(ctx context.Context, db *sql.DB) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, timeTracker5Marker).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("embedded store: detecting the mapping preset: %w", err)
	}
	return true, nil
}

// Mapping is the mapping the store's figures follow: the one given to
// Open, with its preset settled (see datasource.ParsePreset). Callers
// that break figures down further (drill views) should use it rather than
// the config's.
func (s *Store) Mapping() datasource.Mapping { return s.opts.mapping }

// checkPreset is Check's step naming the mapping in use, and m settled the
// way Open settles its own (a config mapping passed to Check is still
// "auto" when the store has decided).
func (s *Store) checkPreset(ctx context.Context, rep *datasource.CheckReport, m datasource.Mapping) datasource.Mapping {
	resolved, why, err := resolvePreset(ctx, s.rdb, m)
	if err != nil {
		rep.Add("mapping", false, err.Error())
		return m
	}
	if m.Preset == s.opts.mapping.Preset { // the settled mapping, passed back
		resolved, why = s.opts.mapping, s.presetWhy
	}
	detail := datasource.PresetName(resolved.Preset) + " (" + why + "): heartbeat " + strings.Join(resolved.Heartbeat, ", ") +
		", deployment property " + resolved.DeploymentProperty
	if resolved.Preset != s.opts.mapping.Preset {
		detail += "; this store was opened with " + datasource.PresetName(s.opts.mapping.Preset) +
			" and follows the new one when reopened"
	}
	if resolved.Preset == datasource.PresetTimeTracker4 && why == presetFromConfig {
		if found, _ := holdsTimeTracker5(ctx, s.rdb); found {
			rep.Warn("mapping", detail+"; but the store holds TimeTracker 5.x (OTLP) records: set events.preset to auto or timetracker5")
			return resolved
		}
	}
	rep.Add("mapping", true, detail)
	return resolved
}
