package cmd

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/spf13/cobra"

	"github.com/ttmon/ttmon/alert"
	"github.com/ttmon/ttmon/datasource"
)

// maxVersionSeries bounds the per-version series a snapshot exports: the
// versions come from the data, and a scraper must not be handed 10,000
// series because someone sent junk. The rest are summed as "other".
const maxVersionSeries = 50

// snapshotFormats are --format's values.
var snapshotFormats = []string{"text", "json", "prometheus", "openmetrics"}

// writeSnapshotMetrics prints the snapshot's figures as gauges, in the
// Prometheus text format (what node_exporter's textfile collector reads
// from *.prom files) or OpenMetrics 1.0 text (openmetrics true). Every
// series carries the range; a filtered snapshot also its filters.
func writeSnapshotMetrics(w io.Writer, s *datasource.Snapshot, firing []alert.Firing, openmetrics bool) error {
	labels := prometheus.Labels{"range": s.Query.Range.Label()}
	if fs := datasource.FilterStrings(s.Query.Filters); len(fs) > 0 {
		labels["filters"] = labelValue(strings.Join(fs, " AND "))
	}
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		g.Set(v)
		reg.MustRegister(g)
	}
	vec := func(name, help string, keys ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, keys)
		reg.MustRegister(g)
		return g
	}
	gauge("ttmon_installs_active", "Installations that sent a heartbeat in the range.", float64(s.Installs.Active))
	gauge("ttmon_installs_previous", "Installations active in the range of the same length before it.", float64(s.Installs.Previous))
	gauge("ttmon_versions_count", "Versions seen on active installations.", float64(len(s.Versions)))
	gauge("ttmon_errors_in_range", "Error events in the range.", float64(s.Errors.Total))
	gauge("ttmon_errors_per_install", "Error events per active installation in the range.", s.Errors.PerInstall)
	gauge("ttmon_timers_started_in_range", "Timers started in the range.", float64(s.Timers.Total))
	gauge("ttmon_events_in_range", "Events of any name in the range.", float64(s.Totals.Events))
	gauge("ttmon_snapshot_timestamp_seconds", "When the figures were queried (Unix time).", float64(s.GeneratedAt.UnixMilli())/1000)
	gauge("ttmon_snapshot_duration_seconds", "How long the query took.", s.Took.Seconds())

	installs := vec("ttmon_version_installs", "Active installations per version (the top 50, the rest summed under version other).", "version", "latest")
	share := vec("ttmon_version_share", "Share (0..1) of active installations per version.", "version", "latest")
	var otherN int64
	var otherShare float64
	for i, v := range s.Versions {
		if i >= maxVersionSeries {
			otherN += v.Installs
			otherShare += v.Share
			continue
		}
		latest := fmt.Sprint(v.Latest)
		installs.WithLabelValues(labelValue(v.Version), latest).Set(float64(v.Installs))
		share.WithLabelValues(labelValue(v.Version), latest).Set(v.Share)
	}
	if len(s.Versions) > maxVersionSeries {
		installs.WithLabelValues("other", "false").Set(float64(otherN))
		share.WithLabelValues("other", "false").Set(otherShare)
	}
	byVersion := vec("ttmon_version_errors", "Error events per version in the range.", "version")
	for _, v := range s.Errors.ByVersion {
		byVersion.WithLabelValues(labelValue(v.Version)).Add(float64(v.Errors))
	}
	alerts := vec("ttmon_alert_firing", "1 for each configured alert that fires.", "name", "level")
	for _, f := range firing {
		alerts.WithLabelValues(labelValue(f.Rule.Name), f.Rule.Level.String()).Set(1)
	}
	return encodeRegistry(w, reg, openmetrics)
}

func encodeRegistry(w io.Writer, reg *prometheus.Registry, openmetrics bool) error {
	fams, err := reg.Gather()
	if err != nil {
		return err
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	if openmetrics {
		format = expfmt.NewFormat(expfmt.TypeOpenMetrics)
	}
	enc := expfmt.NewEncoder(w, format)
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			return err
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		return c.Close() // OpenMetrics ends with "# EOF"
	}
	return nil
}

// labelValue keeps a value from the data a valid label: UTF-8, one line.
// The encoder escapes quotes and backslashes.
func labelValue(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

// snapshotFormat reads --format, with --json as its older spelling.
func snapshotFormat(cmd *cobra.Command) (string, error) {
	format, _ := cmd.Flags().GetString("format")
	if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
		if format != "" && format != "json" {
			return "", fmt.Errorf("--json and --format %s: choose one", format)
		}
		format = "json"
	}
	if format == "" {
		return "text", nil
	}
	if !slices.Contains(snapshotFormats, format) {
		return "", fmt.Errorf("--format %q: use one of %s", format, strings.Join(snapshotFormats, ", "))
	}
	return format, nil
}

// snapshotSchema is the --json document's "schema". It goes up only when
// a field changes meaning or goes away (never so far); added fields keep
// it. README.md ("The snapshot document") lists the fields of each.
const snapshotSchema = 1
