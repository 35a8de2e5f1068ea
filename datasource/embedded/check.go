package embedded

import (
	"context"
	"fmt"
	"time"

	"github.com/ttmon/ttmon/datasource"
)

var _ datasource.Checker = (*Store)(nil)

// checkWindow is how far back Check looks, as the PostHog adapter does.
const checkWindow = 7 * 24 * time.Hour

// Check reports what the store holds: its size, and for each event family
// of m whether events with those names arrived in the last 7 days, listing
// the names it does see so the mapping can be fixed. It is cheap: one
// count per event name over the time index.
func (s *Store) Check(ctx context.Context, m datasource.Mapping) (*datasource.CheckReport, error) {
	rep := &datasource.CheckReport{Source: s.Info()}
	st, err := s.Stats(ctx)
	if err != nil {
		rep.Add("store", false, err.Error())
		return rep, nil
	}
	rep.Add("store", true, fmt.Sprintf("%s: %d events, %d persons", s.path, st.Events, st.Persons))
	m = s.checkPreset(ctx, rep, m)
	from := s.opts.now().Add(-checkWindow).UnixMilli()
	rows, err := s.rdb.QueryContext(ctx, `SELECT n.name, count(*) AS c FROM events e
		JOIN event_names n ON n.id = e.name_id WHERE e.ts >= ? GROUP BY n.name ORDER BY c DESC, n.name LIMIT 200`, from)
	if err != nil {
		return nil, fmt.Errorf("embedded check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v datasource.ValueCount
		if err := rows.Scan(&v.Value, &v.Count); err != nil {
			return nil, fmt.Errorf("embedded check: %w", err)
		}
		rep.Seen = append(rep.Seen, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded check: %w", err)
	}
	if len(rep.Seen) == 0 {
		rep.Add("events", false, "no events in the last 7 days: point TimeTracker's POSTHOG_HOST (4.x) or OTEL_EXPORTER_OTLP_ENDPOINT (5.x) at `ttmon collect`, or try `ttmon demo --token <one of collect's tokens>`")
		return rep, nil
	}
	rep.CheckMapping(m, rep.Seen, "in the last 7 days")
	return rep, nil
}
