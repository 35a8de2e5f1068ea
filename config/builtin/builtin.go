// Package builtin holds the dashboards ttmon ships, in the form a user
// writes under `dashboards:` in the config file. It is its own package so
// that config (which checks and merges them with a user's) and tui (which
// falls back on them when given none) read the same bytes without tui
// depending on config.
package builtin

import _ "embed"

// DashboardsYAML is dashboards.yaml: the installation health and user
// engagement dashboards.
//
//go:embed dashboards.yaml
var DashboardsYAML []byte
