package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ttmon/ttmon/datasource"
)

// fetchChunk is how many ids one statement binds: SQLite refuses more
// than 32766 variables, and smaller statements keep each read short.
const fetchChunk = 4096

// fetchEvents loads full events by id, keeping the order of ids. Both
// engines only pick ids; the rows always come from SQLite.
func fetchEvents(ctx context.Context, db *sql.DB, ids []int64) ([]datasource.Event, error) {
	out := make([]datasource.Event, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	byID := make(map[int64]datasource.Event, len(ids))
	for part := range slices.Chunk(ids, fetchChunk) {
		if err := fetchChunkInto(ctx, db, part, byID); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if ev, ok := byID[id]; ok {
			out = append(out, ev)
		}
	}
	return out, nil
}

func fetchChunkInto(ctx context.Context, db *sql.DB, ids []int64, byID map[int64]datasource.Event) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := `SELECT e.id, e.ts, n.name, d.distinct_id, ps.properties, e.uuid, e.person_update
		FROM events e JOIN event_names n ON n.id = e.name_id JOIN distinct_ids d ON d.id = e.did_id
		JOIN propsets_json ps ON ps.id = e.propset_id WHERE e.id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("embedded events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, ts int64
		var ev datasource.Event
		var props string
		var uid []byte
		var upd sql.NullString
		if err := rows.Scan(&id, &ts, &ev.Name, &ev.DistinctID, &props, &uid, &upd); err != nil {
			return fmt.Errorf("embedded events: %w", err)
		}
		ev.Time = time.UnixMilli(ts).UTC()
		if u, err := uuid.FromBytes(uid); err == nil {
			ev.UUID = u.String()
		}
		ev.Properties = map[string]any{}
		_ = json.Unmarshal([]byte(props), &ev.Properties)
		if upd.Valid {
			var m map[string]any
			if json.Unmarshal([]byte(upd.String), &m) == nil {
				for k, v := range m {
					ev.Properties[k] = v
				}
			}
		}
		byID[id] = ev
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("embedded events: %w", err)
	}
	return nil
}
